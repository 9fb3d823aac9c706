import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createRuntime, type KernelRuntime } from "../../src/kernels/index.js";
import { allocateModel, type ModelLayout, type ModelViews } from "../../src/train/word2vec/layout.js";
import { cbowBatchRef, skipgramBatchRef } from "../../src/train/word2vec/reference.js";
import { sigmoidTables, tableIndex } from "../../src/train/word2vec/tables.js";
import { Rng } from "../../src/util/rng.js";

let plain: KernelRuntime;
let relaxed: KernelRuntime;
before(async () => {
  plain = await createRuntime({ threads: 0, relaxed: false });
  relaxed = await createRuntime({ threads: 0, relaxed: true });
  assert.ok(relaxed.relaxed && !plain.relaxed);
});
after(async () => {
  await plain.close();
  await relaxed.close();
});

function zipfCounts(v: number): Float64Array {
  const c = new Float64Array(v);
  for (let i = 0; i < v; i++) c[i] = Math.floor(5000 / (i + 1)) + 1;
  return c;
}

function randomTokens(rng: Rng, v: number, n: number): Int32Array {
  const t = new Int32Array(n);
  for (let i = 0; i < n; i++)
    t[i] = rng.next() < 0.05 ? -1 : Math.min(v - 1, Math.floor(v * rng.next() ** 2));
  return t;
}

function cloneViews(m: ModelLayout): ModelViews {
  return { ...m, syn0: m.syn0.slice(), syn1neg: m.syn1neg.slice(), syn1: m.syn1.slice() };
}

function assertClose(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  assert.ok(worst <= tol, `${what}: max difference ${worst} > ${tol}`);
}

const cases = [
  { name: "skip-gram NS", cbow: false, hs: false, negative: 5, dim: 16, sample: 1e-2 },
  { name: "skip-gram HS", cbow: false, hs: true, negative: 0, dim: 10, sample: 0 },
  { name: "skip-gram NS+HS", cbow: false, hs: true, negative: 3, dim: 7, sample: 1e-3 },
  { name: "CBOW NS (mean)", cbow: true, hs: false, negative: 5, dim: 12, sample: 1e-2 },
  { name: "CBOW HS (sum)", cbow: true, hs: true, negative: 0, dim: 9, sample: 0, sum: true },
];

for (const c of cases) {
  for (const build of ["plain", "relaxed"]) {
    test(`${c.name} kernel (${build} SIMD) equals the TypeScript reference`, () => {
      const rt = build === "plain" ? plain : relaxed;
      // Summation order (and fused multiply-adds in the relaxed build) differ in the last bits; over
      // thousands of updates that occasionally moves a score across a sigmoid-table cell (a step of
      // ~0.006 * alpha in one gradient). A wrong row, sign or order shows up as differences of ~0.1.
      const tol = 2e-3;
      const rng = new Rng(11);
      const v = 60;
      const spec = {
        counts: zipfCounts(v),
        dim: c.dim,
        window: 4,
        negative: c.negative,
        hs: c.hs,
        sample: c.sample,
        nsExponent: 0.75,
        cbowMean: !c.sum,
      };
      const m = allocateModel(rt.arena, spec, 1, 4096, () => rng.next());
      // make the output layers non-zero so every gradient path is exercised
      for (let i = 0; i < m.syn1neg.length; i++)
        if (i % m.stride < c.dim) m.syn1neg[i] = rng.uniform(-0.3, 0.3);
      for (let i = 0; i < m.syn1.length; i++) if (i % m.stride < c.dim) m.syn1[i] = rng.uniform(-0.3, 0.3);
      for (let i = 0; i < m.syn0.length; i++) if (i % m.stride < c.dim) m.syn0[i] *= 20;
      const th = m.threads[0];
      th.rng.set([1, 2, 3, 4]);
      const ref = cloneViews(m);
      const refThread = { rng: th.rng.slice(), tallies: th.tallies.slice() };
      const batch = m.batches[0][0];
      for (let round = 0; round < 3; round++) {
        const tokens = randomTokens(rng, v, 1500);
        batch.set(tokens);
        const alpha = 0.05 - 0.01 * round;
        const kernel = c.cbow ? rt.kernels.cbowBatch : rt.kernels.skipgramBatch;
        const kept = kernel(m.ptr, th.ptr, batch.byteOffset, tokens.length, alpha);
        const refKept = (c.cbow ? cbowBatchRef : skipgramBatchRef)(
          ref,
          refThread,
          tokens,
          Math.fround(alpha),
        );
        assert.equal(kept, refKept, "kept words");
        assert.deepEqual(Array.from(th.rng), Array.from(refThread.rng), "random state");
      }
      assert.ok(th.tallies[1] > 1000, `predictions ${th.tallies[1]} ref ${refThread.tallies[1]}`);
      assert.equal(
        th.tallies[1],
        refThread.tallies[1],
        `predictions ${th.tallies[1]} ref ${refThread.tallies[1]}`,
      );
      assert.ok(Math.abs(th.tallies[0] - refThread.tallies[0]) <= 1e-3 * refThread.tallies[0], "loss");
      assertClose(m.syn0, ref.syn0, tol, "syn0");
      assertClose(m.syn1neg, ref.syn1neg, tol, "syn1neg");
      assertClose(m.syn1, ref.syn1, tol, "syn1");
      // padding columns stay zero
      for (let w = 0; w < v; w++)
        for (let j = c.dim; j < m.stride; j++) assert.equal(m.syn0[w * m.stride + j], 0);
    });
  }
}

test("CBOW sum (cbowMean false) adds error / count to each context row, the mean adds the whole error (gensim)", () => {
  // Words 0 1 2 in one sentence, window 1: only word 1 has a Huffman path (node 0, code 0), so the one
  // update is word 1 predicted from its context rows 0 and 2.
  const dim = 4;
  const syn0Init = [0.1, -0.2, 0.3, 0.05, 0, 0, 0, 0, 0.2, 0.1, -0.4, 0.25];
  const syn1Init = [0.5, 0.4, -0.3, 0.2, 0, 0, 0, 0];
  for (const cbowMean of [false, true]) {
    const m: ModelViews = {
      vocabSize: 3,
      dim,
      stride: dim,
      window: 1,
      negative: 0,
      hs: true,
      cbowMean,
      syn0: Float32Array.from(syn0Init),
      syn1neg: new Float32Array(3 * dim),
      syn1: Float32Array.from(syn1Init),
      keep: undefined,
      aliasProb: new Float32Array(3),
      aliasIdx: new Int32Array(3),
      codes: Uint8Array.from([0]),
      points: Int32Array.from([0]),
      offsets: Int32Array.from([0, 0, 0]),
      lengths: Int32Array.from([0, 1, 0]),
      ...sigmoidTables(),
    };
    const alpha = Math.fround(0.05);
    const kept = cbowBatchRef(
      m,
      { rng: Uint32Array.from([1, 2, 3, 4]), tallies: new Float64Array(2) },
      Int32Array.from([0, 1, 2, -1]),
      alpha,
    );
    assert.equal(kept, 3);
    const count = 2;
    const h = [0, 1, 2, 3].map((j) => (syn0Init[j] + syn0Init[8 + j]) / (cbowMean ? count : 1));
    const f = h.reduce((s, x, j) => s + x * syn1Init[j], 0);
    const g = (1 - m.sigmoid[tableIndex(f)]) * alpha;
    assert.ok(Math.abs(g) > 0.01, `gradient ${g}`);
    for (let j = 0; j < dim; j++) {
      const want = (g * syn1Init[j]) / (cbowMean ? 1 : count);
      for (const row of [0, 2]) {
        const got = m.syn0[row * dim + j] - syn0Init[row * dim + j];
        assert.ok(Math.abs(got - want) < 1e-6, `mean ${cbowMean} row ${row} col ${j}: ${got} vs ${want}`);
      }
      assert.equal(m.syn0[dim + j], 0, "word 1 is no context row");
    }
  }
});
