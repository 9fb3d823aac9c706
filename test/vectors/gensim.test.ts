// Differential tests: the same vectors through gensim and embedlm give the same files and answers.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { KeyedVectors, readVectors, writeVectors } from "../../src/vectors/index.js";
import { gensim, skipWithoutGensim } from "../helpers/gensim.js";
import { tempDir } from "../helpers/tmp.js";
import { randomVectors } from "./fixtures.js";

const skip = skipWithoutGensim();
const dir = tempDir("embedlm-vectors-");
const data = randomVectors(300, 24, 11);

function b64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}

function fromB64(s: string): Float32Array {
  const b = Buffer.from(s, "base64");
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function assertBitEqual(a: Float32Array, b: Float32Array): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) assert.fail(`value ${i}: ${a[i]} != ${b[i]}`);
}

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-5, `${what}: ${actual} vs gensim ${expected}`);
}

function assertSameNeighbours(
  ours: Array<[string, number]>,
  theirs: Array<[string, number]>,
  what: string,
): void {
  assert.deepEqual(
    ours.map((x) => x[0]),
    theirs.map((x) => x[0]),
    what,
  );
  for (const [i, x] of ours.entries()) assertClose(x[1], theirs[i][1], `${what} #${i}`);
}

describe("vector files against gensim", { skip }, () => {
  test("files gensim writes (text and binary) load bit for bit", () => {
    const text = join(dir, "g.txt");
    const binary = join(dir, "g.bin");
    gensim({ op: "write", words: data.words, dim: data.dim, values: b64(data.vectors), text, binary });
    for (const file of [text, binary]) {
      const back = readVectors(file);
      assert.equal(back.format, file === text ? "word2vec-text" : "word2vec-binary");
      assert.deepEqual(back.words, data.words);
      assertBitEqual(back.vectors, data.vectors);
    }
  });

  test("files embedlm writes (text and binary) load in gensim bit for bit", async () => {
    for (const format of ["word2vec-text", "word2vec-binary"] as const) {
      const file = join(dir, `ours.${format}`);
      await writeVectors(file, data, { format });
      const g = gensim<{ words: string[]; values: string }>({
        op: "dump",
        file,
        binary: format === "word2vec-binary",
      });
      assert.deepEqual(g.words, data.words);
      assertBitEqual(fromB64(g.values), data.vectors);
    }
  });
});

describe("queries against gensim", { skip }, () => {
  const file = join(dir, "q.bin");
  const kv = new KeyedVectors(data);
  const probe = Float32Array.from({ length: data.dim }, (_, j) => Math.sin(j + 1));
  const queries: Array<{ q: Record<string, unknown>; ours: () => unknown }> = [
    { q: { kind: "most_similar", positive: ["w10"] }, ours: () => kv.mostSimilar({ positive: ["w10"] }) },
    {
      q: { kind: "most_similar", positive: ["w20", "café"], negative: ["w30"], topn: 5 },
      ours: () => kv.mostSimilar({ positive: ["w20", "café"], negative: ["w30"], topn: 5 }),
    },
    {
      q: {
        kind: "most_similar",
        positive: [{ word: "w40", weight: 2 }, "w41"],
        negative: [{ word: "日本", weight: -0.5 }],
        topn: 12,
      },
      ours: () => kv.mostSimilar({ positive: [["w40", 2], "w41"], negative: [["日本", -0.5]], topn: 12 }),
    },
    {
      q: {
        kind: "most_similar",
        positive: ["w50", { vector: Array.from(probe), weight: 1 }],
        restrict_vocab: 60,
      },
      ours: () => kv.mostSimilar({ positive: ["w50", [probe, 1]], restrictVocab: 60 }),
    },
    {
      q: { kind: "similar_by_vector", vector: Array.from(probe), topn: 7 },
      ours: () => kv.similarByVector(probe, 7),
    },
    {
      q: { kind: "cosmul", positive: ["w60", "w61"], negative: ["w62"], topn: 8 },
      ours: () => kv.mostSimilarCosmul({ positive: ["w60", "w61"], negative: ["w62"], topn: 8 }),
    },
    { q: { kind: "cosmul", positive: ["w63"] }, ours: () => kv.mostSimilarCosmul({ positive: ["w63"] }) },
  ];
  const scalars: Array<{ q: Record<string, unknown>; ours: () => number | string | Float32Array }> = [
    {
      q: { kind: "doesnt_match", words: ["w1", "w2", "w3", "naïve", "w5"] },
      ours: () => kv.doesntMatch(["w1", "w2", "w3", "naïve", "w5"]),
    },
    { q: { kind: "similarity", w1: "w7", w2: "UPPER" }, ours: () => kv.similarity("w7", "UPPER") },
    {
      q: { kind: "n_similarity", ws1: ["w7", "w8"], ws2: ["w9", "w100", "w101"] },
      ours: () => kv.nSimilarity(["w7", "w8"], ["w9", "w100", "w101"]),
    },
    {
      q: { kind: "distances", word: "w12", others: ["w13", "w14", "w12"] },
      ours: () => kv.distances("w12", ["w13", "w14", "w12"]),
    },
    { q: { kind: "distances", word: "w15" }, ours: () => kv.distances("w15") },
    { q: { kind: "rank", w1: "w16", w2: "w17" }, ours: () => kv.rank("w16", "w17") },
    { q: { kind: "rank", w1: "w16", w2: "w16" }, ours: () => kv.rank("w16", "w16") },
  ];

  test("mostSimilar, similarByVector and mostSimilarCosmul rank and score as gensim", async () => {
    await writeVectors(file, data, { format: "word2vec-binary" });
    const g = gensim<{ results: Array<Array<[string, number]>> }>({
      op: "queries",
      file,
      binary: true,
      queries: queries.map((x) => x.q),
    });
    for (const [i, x] of queries.entries()) {
      assertSameNeighbours(x.ours() as Array<[string, number]>, g.results[i], JSON.stringify(x.q));
    }
  });

  test("doesntMatch, similarity, nSimilarity, distances and rank agree with gensim", async () => {
    await writeVectors(file, data, { format: "word2vec-binary" });
    const g = gensim<{ results: unknown[] }>({
      op: "queries",
      file,
      binary: true,
      queries: scalars.map((x) => x.q),
    });
    scalars.forEach((x, i) => {
      const ours = x.ours();
      const theirs = g.results[i];
      const what = JSON.stringify(x.q).slice(0, 80);
      if (ours instanceof Float32Array) {
        const t = theirs as number[];
        assert.equal(ours.length, t.length, what);
        for (const [k, v] of ours.entries()) assertClose(v, t[k], `${what} [${k}]`);
      } else if (typeof ours === "number" && !Number.isInteger(ours))
        assertClose(ours, theirs as number, what);
      else assert.equal(ours, theirs, what);
    });
  });
});
