// The int8 first pass of exact queries: kernels against their references, the error bound, and
// results identical to the float32 scan, near-ties included.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { KeyedVectors, scaledDotRows, TopK } from "../../src/vectors/index.js";
import {
  int8Bound,
  int8DotRows,
  int8TopK,
  quantizeQuery,
  quantizeRows,
} from "../../src/vectors/int8-scan.js";
import { VectorKernels } from "../../src/vectors/kernels.js";
import { randomVectors } from "./fixtures.js";

let kernels: VectorKernels | undefined;
after(async () => {
  await kernels?.close();
});

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  return Float32Array.from(v, (x) => x / Math.sqrt(n));
}

/**
 * Random rows plus adversarial near-ties around row 0 (`base`): exact copies (equal float32 scores,
 * decided by the row number), copies scaled by powers of two (the same direction), copies one ulp
 * away in one value, and rows with one outlier value (a coarse int8 step, the largest residual).
 */
function tiedVectors(n: number, dim: number): { words: string[]; dim: number; vectors: Float32Array } {
  const data = randomVectors(n, dim, 21);
  const v = data.vectors;
  const base = v.slice(0, dim);
  const rng = new Rng(5);
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  for (let i = 0; i < 60; i++) {
    const r = 1 + rng.int(n - 1);
    const row = v.subarray(r * dim, (r + 1) * dim);
    row.set(base);
    if (i % 4 === 1) for (let j = 0; j < dim; j++) row[j] *= 2 ** (rng.int(5) - 2);
    if (i % 4 === 2) {
      const j = rng.int(dim);
      f[0] = row[j];
      bits[0] += rng.int(2) ? 1 : -1;
      row[j] = f[0];
    }
    if (i % 4 === 3) row[rng.int(dim)] = 40 * (rng.int(2) ? 1 : -1);
  }
  return data;
}

test("vecQuantizeRows and vecInt8DotRows equal their references (the scan split across threads too)", async () => {
  kernels ??= await VectorKernels.create({ threads: 2 });
  await kernels.ready();
  for (const [rows, dim] of [
    [70001, 12],
    [301, 37],
    [64, 16],
    [40, 3],
  ]) {
    const data = randomVectors(rows, dim, rows + dim);
    data.vectors.fill(0, dim, 2 * dim); // an all-zero row: scale 0, codes 0
    const kv = new KeyedVectors(data);
    await kv.useKernels(kernels);
    const inv = kv.inverseNorms();
    const want = quantizeRows(kv.vectors, dim, Float32Array.from(inv), rows);
    const got = kernels.quantize(kv.vectors, dim, inv, rows);
    assert.equal(got.stride, want.stride);
    assert.deepEqual(Array.from(got.scales), Array.from(want.scales));
    assert.deepEqual(
      Buffer.from(got.codes.buffer, got.codes.byteOffset, got.codes.length),
      Buffer.from(want.codes.buffer),
    );
    assert.ok(Math.abs(got.maxErr - want.maxErr) <= 1e-6 * want.maxErr, `${got.maxErr} vs ${want.maxErr}`);
    const q = quantizeQuery(unit(randomVectors(1, dim, 3).vectors), got.stride);
    const a = new Float32Array(rows);
    int8DotRows(want, q.w, q.t, 0, rows, a);
    const b = kernels.scores(rows);
    kernels.scanInt8(got, q.w, q.t, 0, rows, b);
    assert.deepEqual(Array.from(b), Array.from(a));
  }
});

test("the int8 score is within int8Bound of the float32 score, on every row", async () => {
  kernels ??= await VectorKernels.create();
  const dim = 37;
  const data = tiedVectors(3000, dim);
  const plain = new KeyedVectors({ ...data, vectors: Float32Array.from(data.vectors) });
  const simd = new KeyedVectors(data);
  await simd.useKernels(kernels);
  const inv = plain.inverseNorms();
  const rows = quantizeRows(plain.vectors, dim, inv, plain.size);
  for (const seed of [1, 2, 3]) {
    const v = unit(randomVectors(1, dim, seed).vectors);
    const q = quantizeQuery(v, rows.stride);
    let nv = 0;
    for (const x of v) nv += x * x;
    const bound = int8Bound(dim, rows.maxErr, Math.sqrt(nv), q.err);
    assert.ok(bound < 0.2, `a bound of ${bound} would prune nothing`);
    const approx = new Float32Array(plain.size);
    int8DotRows(rows, q.w, q.t, 0, plain.size, approx);
    const ts = plain.cosineSimilarities(v);
    const wasm = simd.cosineSimilarities(v);
    for (let r = 0; r < plain.size; r++) {
      for (const s of [ts[r], wasm[r]]) {
        if (!(Math.abs(s - approx[r]) <= bound))
          assert.fail(`row ${r}: ${s} vs int8 ${approx[r]}, bound ${bound}`);
      }
    }
  }
});

test("int8TopK returns the float32 scan's top k, near-ties and equal scores included", () => {
  const dim = 37;
  const kv = new KeyedVectors(tiedVectors(3000, dim));
  const inv = kv.inverseNorms();
  const rows = quantizeRows(kv.vectors, dim, inv, kv.size);
  const queries = [unit(kv.vectors.slice(0, dim)), unit(randomVectors(1, dim, 8).vectors)];
  // Halfway between row 0 and a random row: scores of the tie group sit in the middle of the pack.
  const mid = Float32Array.from(queries[0], (x, j) => x + queries[1][j]);
  queries.push(unit(mid));
  for (const v of queries) {
    const full = new Float32Array(kv.size);
    scaledDotRows(kv.vectors, dim, v, inv, 0, kv.size, full);
    const q = quantizeQuery(v, rows.stride);
    let nv = 0;
    for (const x of v) nv += x * x;
    const bound = int8Bound(dim, rows.maxErr, Math.sqrt(nv), q.err);
    for (const to of [kv.size, 1000]) {
      const approx = new Float32Array(to);
      int8DotRows(rows, q.w, q.t, 0, to, approx);
      for (const k of [1, 10, 40, 100]) {
        const want = new TopK(k);
        for (let r = 0; r < to; r++) want.push(full[r], r);
        let rescored = 0;
        const got = int8TopK(
          approx,
          k,
          bound,
          (r) => {
            rescored++;
            return full[r];
          },
          Number.POSITIVE_INFINITY,
        );
        assert.ok(got, "int8TopK gave up");
        assert.deepEqual(got.sorted(), want.sorted(), `k ${k} to ${to}`);
        assert.ok(rescored < to / 2, `k ${k}: rescored ${rescored} of ${to} rows`);
      }
    }
  }
});

test("mostSimilar with the int8 scan returns exactly what the float32 scan returns", async () => {
  kernels ??= await VectorKernels.create();
  const data = tiedVectors(3000, 37);
  const plain = new KeyedVectors({ ...data, vectors: Float32Array.from(data.vectors) });
  const simd = new KeyedVectors(data);
  await simd.useKernels(kernels);
  const queries = [
    { positive: ["café"] },
    { positive: ["café"], topn: 50 },
    { positive: ["w100", "café"], negative: ["w9"], topn: 20 },
    { positive: ["w11"], restrictVocab: 1000 },
    { positive: [plain.vectors.slice(37, 74)], topn: 1 },
    { positive: ["w12"], topn: 2999 }, // too many candidates: the float32 scan answers
  ];
  for (const kv of [plain, simd]) {
    const want = queries.map((q) => kv.mostSimilar(q));
    // Which queries the int8 pass answered (it returns undefined to hand one to the float32 scan):
    // without this, a pass that always gave up would compare float32 with float32 and pass.
    const private_ = kv as unknown as { int8Nearest: (...a: unknown[]) => unknown };
    const int8Nearest = private_.int8Nearest;
    let answered = false;
    private_.int8Nearest = function (this: unknown, ...a: unknown[]) {
      const top = int8Nearest.apply(this, a);
      answered = top !== undefined;
      return top;
    };
    kv.useInt8Scan();
    const byInt8: boolean[] = [];
    const got = queries.map((q) => {
      answered = false;
      const r = kv.mostSimilar(q);
      byInt8.push(answered);
      return r;
    });
    kv.useInt8Scan(false);
    delete (private_ as { int8Nearest?: unknown }).int8Nearest;
    assert.deepEqual(byInt8, [true, true, true, true, true, false]);
    assert.deepEqual(got, want);
  }
});
