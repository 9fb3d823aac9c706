import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { textCorpus } from "../../src/text/corpus.js";
import { trainWord2Vec, type Word2VecOptions } from "../../src/train/word2vec/index.js";
import { countFiles, fileSource } from "../../src/train/word2vec/source.js";
import { Rng } from "../../src/util/rng.js";

const dir = await mkdtemp(join(tmpdir(), "embedlm-w2v-"));
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

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

test("plain files read at the byte level give the same sentences, hence the same vectors", async () => {
  const file = join(dir, "planted.txt");
  await writeFile(file, `${text}\n`);
  const counted = await countFiles([file], 10000);
  assert.equal(counted.total, 18000);
  assert.equal(counted.counts.get("cat")! + counted.counts.get("dog")!, text.split(/cat|dog/).length - 1);
  const o = { ...base, sample: 1e-2, epochs: 1 };
  const fromFile = await trainWord2Vec([file], o);
  const fromCorpus = await trainWord2Vec(textCorpus([text]), o);
  assert.deepEqual(fromFile.wv.words, fromCorpus.wv.words);
  assert.deepEqual(Buffer.from(fromFile.wv.vectors.buffer), Buffer.from(fromCorpus.wv.vectors.buffer));
  // sentences end at line ends and every maxSentenceLength words
  const vocab = fromFile.vocab;
  const lengths: number[] = [];
  await fileSource([file], vocab, 5).pass((_ids, n, tokens) => {
    assert.equal(n, tokens);
    lengths.push(n);
  });
  assert.equal(lengths.length, 1500 * 3);
  assert.ok(lengths.every((n, i) => n === (i % 3 === 2 ? 2 : 5)));
});

test("two threads train on shared matrices (Hogwild) to the same structure", async () => {
  const r = await trainWord2Vec(textCorpus([text]), { ...base, threads: 2 });
  assert.equal(r.wv.mostSimilar({ positive: ["cat"], topn: 1 })[0][0], "dog");
});

test("resuming from an epoch-end checkpoint equals the uninterrupted run", async () => {
  const o = { ...base, sample: 1e-2, epochs: 3, hs: true };
  const full = await trainWord2Vec(textCorpus([text]), o);
  const checkpoint = join(dir, "run.ckpt");
  await assert.rejects(
    trainWord2Vec(textCorpus([text]), {
      ...o,
      checkpoint,
      onEpochEnd: (s) => {
        if (s.epoch === 2) throw new Error("interrupted");
      },
    }),
    /interrupted/,
  );
  // the resumed run takes its options from the checkpoint, whatever is passed now
  const resumed = await trainWord2Vec(textCorpus([text]), {
    threads: 1,
    checkpoint,
    resume: true,
    epochs: 9,
  });
  assert.equal(resumed.epochs.length, 3);
  assert.equal(resumed.epochs[0].loss, full.epochs[0].loss);
  let worst = 0;
  for (let i = 0; i < full.wv.vectors.length; i++)
    worst = Math.max(worst, Math.abs(full.wv.vectors[i] - resumed.wv.vectors[i]));
  assert.ok(worst <= 1e-6, `max difference ${worst}`);
  assert.ok(Math.abs(resumed.epochs[2].loss - full.epochs[2].loss) <= 1e-6 * full.epochs[2].loss);
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
