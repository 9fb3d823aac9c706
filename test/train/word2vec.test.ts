import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openCorpus, textCorpus } from "../../src/text/corpus.js";
import { Tokenizer } from "../../src/text/tokenizer.js";
import { type EpochStats, trainWord2Vec, type Word2VecOptions } from "../../src/train/word2vec/index.js";
import { byteSource, corpusSource, type SentenceSource } from "../../src/train/word2vec/source.js";
import { Rng } from "../../src/util/rng.js";
import { Vocab } from "../../src/vocab/vocab.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("embedlm-w2v-");

/**
 * Sentences from 8 topics, each with its own 10 words; "cat" and "dog" are sprinkled into topics 0
 * and 1, "car" and "bus" into topics 2 and 3. Only the two words of a pair share the same mixture of
 * contexts (a topic word sees its own topic only), so a working model puts them nearest each other.
 */
function plantedCorpus(lines: number, seed: number): string {
  const rng = new Rng(seed);
  const topics = Array.from({ length: 8 }, (_, t) => Array.from({ length: 10 }, (_, i) => `t${t}w${i}`));
  const special: Record<number, string[]> = {
    0: ["cat", "dog"],
    1: ["cat", "dog"],
    2: ["car", "bus"],
    3: ["car", "bus"],
  };
  const out: string[] = [];
  for (let l = 0; l < lines; l++) {
    const t = rng.int(8);
    const words: string[] = [];
    for (let i = 0; i < 12; i++) {
      const pair = special[t];
      words.push(pair !== undefined && rng.next() < 0.25 ? pair[rng.int(2)] : topics[t][rng.int(10)]);
    }
    out.push(words.join(" "));
  }
  return out.join("\n");
}

const text = plantedCorpus(1500, 1);
const base: Word2VecOptions = {
  vectorSize: 24,
  window: 3,
  minCount: 1,
  sample: 0,
  epochs: 4,
  threads: 1,
  seed: 3,
};

for (const variant of [
  { name: "skip-gram NS", o: { model: "skipgram" } },
  { name: "CBOW NS", o: { model: "cbow" } },
  { name: "skip-gram HS", o: { model: "skipgram", hs: true, negative: 0 } },
  { name: "CBOW HS", o: { model: "cbow", hs: true, negative: 0 } },
] as const) {
  test(`${variant.name}: words sharing contexts end up nearest, and the loss falls`, async () => {
    const r = await trainWord2Vec(textCorpus([text]), { ...base, ...variant.o });
    assert.equal(r.wv.size, 84);
    assert.equal(r.wv.mostSimilar({ positive: ["cat"], topn: 1 })[0][0], "dog");
    assert.equal(r.wv.mostSimilar({ positive: ["bus"], topn: 1 })[0][0], "car");
    assert.ok(r.wv.similarity("cat", "dog") > r.wv.similarity("cat", "car") + 0.2);
    const losses = r.epochs.map((e) => e.meanLoss);
    assert.equal(losses.length, 4);
    assert.ok(losses[3] < losses[0], `mean loss per epoch ${losses.join(", ")}`);
    assert.ok(r.epochs.every((e) => e.words === 18000 && e.effectiveWords === 18000));
  });
}

test("one thread with a seed gives bit-identical vectors; another seed does not", async () => {
  const o = { ...base, sample: 1e-2, epochs: 2 };
  const a = await trainWord2Vec(textCorpus([text]), o);
  const b = await trainWord2Vec(textCorpus([text]), o);
  const c = await trainWord2Vec(textCorpus([text]), { ...o, seed: 4 });
  assert.deepEqual(Buffer.from(a.wv.vectors.buffer), Buffer.from(b.wv.vectors.buffer));
  assert.equal(a.epochs[1].loss, b.epochs[1].loss);
  assert.notDeepEqual(Buffer.from(a.wv.vectors.buffer), Buffer.from(c.wv.vectors.buffer));
});

test("the byte-level source gives the string path's sentences, hence the same vectors", async () => {
  const file = join(dir, "planted.txt");
  await writeFile(file, `${text}\n`);
  const o = { ...base, sample: 1e-2, epochs: 1 };
  const fromFile = await trainWord2Vec([file], o);
  // Without raw bytes the corpus goes through lines and the tokenizer.
  const { bytes, ...noBytes } = textCorpus([text]);
  assert.ok(bytes !== undefined);
  const fromStrings = await trainWord2Vec(noBytes, o);
  assert.deepEqual(fromFile.wv.words, fromStrings.wv.words);
  assert.deepEqual(Buffer.from(fromFile.wv.vectors.buffer), Buffer.from(fromStrings.wv.vectors.buffer));
  // Sentences end at line ends and every maxSentenceLength tokens (out-of-vocabulary ones included);
  // multi-byte spaces, CRLF and invalid UTF-8 (decoding to a vocabulary word) as the tokenizer sees them.
  const odd = Buffer.concat([
    Buffer.from("a b\u3000c d e f g\r\n\n  h a\u00a0"),
    Buffer.from([0x78, 0xff, 0x20, 0x78, 0xfe, 0x0a]),
    Buffer.from("zz b c\u2028d e f g a b c d e f\n"),
  ]);
  const oddFile = join(dir, "odd.txt");
  await writeFile(oddFile, odd);
  const vocab = new Vocab(["a", "b", "c", "d", "e", "f", "g", "x\ufffd"]);
  const collect = async (source: SentenceSource) => {
    const out: string[] = [];
    await source.pass((ids, n, tokens) => {
      out.push(`${Array.from(ids.subarray(0, n)).join(",")}/${tokens}`);
    });
    return out;
  };
  const corpus = await openCorpus([oddFile]);
  const tokenizer = new Tokenizer({ mode: "whitespace" });
  const fromBytes = await collect(byteSource(corpus, vocab, 5));
  assert.deepEqual(fromBytes, await collect(corpusSource(corpus, tokenizer, vocab, 5)));
  assert.deepEqual(fromBytes, ["0,1,2,3,4/5", "5,6/2", "0,7,7/4", "1,2,3,4/5", "5,6,0,1,2/5", "3,4,5/3"]);
});

test("two threads train on shared matrices (Hogwild) to the same structure", async () => {
  const r = await trainWord2Vec(textCorpus([text]), { ...base, threads: 2 });
  assert.equal(r.wv.mostSimilar({ positive: ["cat"], topn: 1 })[0][0], "dog");
});

test("resuming from an epoch-end checkpoint equals the uninterrupted run", async () => {
  const o = { ...base, sample: 1e-2, epochs: 3, hs: true };
  const full = await trainWord2Vec(textCorpus([text]), o);
  const checkpoint = join(dir, "run.ckpt");
  const before: EpochStats[] = [];
  await assert.rejects(
    trainWord2Vec(textCorpus([text]), {
      ...o,
      checkpoint,
      onEpochEnd: (s) => {
        before.push(s);
        if (s.epoch === 2) throw new Error("interrupted");
      },
    }),
    /interrupted/,
  );
  // the resumed run takes its options from the checkpoint, whatever is passed now
  const ran: number[] = [];
  const resumed = await trainWord2Vec(textCorpus([text]), {
    threads: 1,
    checkpoint,
    resume: true,
    epochs: 9,
    onEpochEnd: (s) => ran.push(s.epoch),
  });
  // Only epoch 3 ran; epochs 1-2 are the interrupted run's, timings included (a run that started
  // over would give the same numbers but other timings).
  assert.deepEqual(ran, [3]);
  assert.equal(resumed.epochs.length, 3);
  assert.deepEqual(resumed.epochs.slice(0, 2), before);
  assert.equal(resumed.epochs[0].loss, full.epochs[0].loss);
  // One thread: bit-identical, as docs/word2vec.md promises.
  assert.deepEqual(resumed.wv.vectors, full.wv.vectors);
  assert.equal(resumed.epochs[2].loss, full.epochs[2].loss);
});

test("a resumed run splits words with the checkpoint's tokenizer; another tokenizer is refused", async () => {
  // Mixed case: lowercasing changes the words, so a resume that forgot it would train other tokens.
  const mixed = text
    .split("\n")
    .map((l, i) => (i % 2 === 0 ? l.toUpperCase() : l))
    .join("\n");
  const lower = new Tokenizer({ mode: "whitespace", lowercase: true });
  const o = { ...base, epochs: 3, tokenizer: lower };
  const full = await trainWord2Vec(textCorpus([mixed]), o);
  const checkpoint = join(dir, "lower.ckpt");
  const interrupt = (s: { epoch: number }) => {
    if (s.epoch === 2) throw new Error("interrupted");
  };
  await assert.rejects(
    trainWord2Vec(textCorpus([mixed]), { ...o, checkpoint, onEpochEnd: interrupt }),
    /interrupted/,
  );
  const data = await readFile(checkpoint); // after epoch 2 (a resumed run writes it again)
  const ran: number[] = [];
  const resumed = await trainWord2Vec(textCorpus([mixed]), {
    threads: 1,
    checkpoint,
    resume: true,
    onEpochEnd: (s) => ran.push(s.epoch),
  });
  assert.deepEqual(ran, [3]);
  assert.deepEqual(resumed.wv.vectors, full.wv.vectors);
  assert.deepEqual(
    resumed.epochs.map((e) => e.effectiveWords),
    full.epochs.map((e) => e.effectiveWords),
  );
  await assert.rejects(
    trainWord2Vec(textCorpus([mixed]), {
      threads: 1,
      checkpoint,
      resume: true,
      tokenizer: new Tokenizer({ mode: "whitespace" }),
    }),
    /tokenizer: the tokenizer's lowercase is false, but the checkpoint was made with true/,
  );
  // A checkpoint written before the tokenizer was saved reads as the default (whitespace, as is).
  const nl = data.indexOf(10, data.indexOf(10) + 1);
  const header = JSON.parse(data.subarray(data.indexOf(10) + 1, nl).toString("utf8"));
  assert.deepEqual(header.tokenizer, { mode: "whitespace", lowercase: true });
  delete header.tokenizer;
  const old = join(dir, "old.ckpt");
  await writeFile(
    old,
    Buffer.concat([
      data.subarray(0, data.indexOf(10) + 1),
      Buffer.from(JSON.stringify(header)),
      data.subarray(nl),
    ]),
  );
  await assert.rejects(
    trainWord2Vec(textCorpus([mixed]), { threads: 1, checkpoint: old, resume: true, tokenizer: lower }),
    /lowercase is true, but the checkpoint was made with false/,
  );
  const asIs = await trainWord2Vec(textCorpus([mixed]), {
    threads: 1,
    checkpoint: old,
    resume: true,
    tokenizer: new Tokenizer({ mode: "whitespace" }),
  });
  assert.ok(asIs.epochs[2].effectiveWords < full.epochs[2].effectiveWords, "upper-case words are unknown");
});

test("bad options and an empty vocabulary are reported with the option's name", async () => {
  await assert.rejects(trainWord2Vec(textCorpus([text]), { vectorSize: 0 }), /vectorSize/);
  await assert.rejects(trainWord2Vec(textCorpus([text]), { window: -1 }), /window/);
  await assert.rejects(trainWord2Vec(textCorpus([text]), { threads: 0 }), /threads/);
  await assert.rejects(trainWord2Vec(textCorpus([text]), { negative: 0 }), /nothing to train/);
  await assert.rejects(
    trainWord2Vec(textCorpus(["a b c a"]), { minCount: 5 }),
    /min_count=5 .* 4 words \(3 distinct, the most frequent seen 2 times\)/,
  );
});
