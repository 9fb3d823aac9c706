// The SIMD scan (assembly/vectors.ts) against its TypeScript reference (dotRows).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { firstNonFinite } from "../../src/vectors/formats/data.js";
import { KeyedVectors, scaledDotRows, writeVectors } from "../../src/vectors/index.js";
import { VectorKernels } from "../../src/vectors/kernels.js";
import { tempDir } from "../helpers/tmp.js";
import { randomVectors } from "./fixtures.js";

const dir = tempDir("embedlm-vectors-");
let kernels: VectorKernels | undefined;
after(async () => {
  await kernels?.close();
});

test("vecScaledDotRows equals scaledDotRows for every dimension remainder and row range", async () => {
  kernels = await VectorKernels.create();
  for (const dim of [1, 3, 4, 7, 24, 301]) {
    const data = randomVectors(37, dim, dim);
    const m = kernels.adopt(data.vectors);
    const scale = kernels.adopt(Float32Array.from({ length: 37 }, (_, i) => 0.5 + i / 10));
    const q = randomVectors(1, dim, 100 + dim).vectors;
    for (const [from, to] of [
      [0, 37],
      [5, 6],
      [3, 30],
      [36, 37],
    ]) {
      const want = new Float32Array(to - from);
      const got = new Float32Array(to - from);
      scaledDotRows(m, dim, q, scale, from, to, want);
      kernels.scan(m, dim, q, scale, from, to, got);
      const direct = kernels.scores(to - from);
      kernels.scan(m, dim, q, scale, from, to, direct);
      assert.deepEqual(Array.from(direct), Array.from(got));
      for (let i = 0; i < want.length; i++) {
        const tol = 1e-5 * Math.max(1, Math.abs(want[i]));
        assert.ok(
          Math.abs(got[i] - want[i]) <= tol,
          `dim ${dim} rows ${from}-${to} #${i}: ${got[i]} vs ${want[i]}`,
        );
      }
    }
  }
});

test("a long scan split between the caller and a helper thread equals the reference", async () => {
  const k = await VectorKernels.create({ threads: 2 });
  try {
    await k.ready();
    assert.equal(k.threads, 2);
    const rows = 70001;
    const dim = 12;
    const m = k.adopt(randomVectors(rows, dim, 3).vectors);
    const scale = k.adopt(Float32Array.from({ length: rows }, (_, i) => 1 + (i % 7)));
    const q = randomVectors(1, dim, 4).vectors;
    const want = new Float32Array(rows - 3);
    scaledDotRows(m, dim, q, scale, 3, rows, want);
    for (let round = 0; round < 3; round++) {
      const got = k.scores(rows - 3);
      got.fill(Number.NaN);
      k.scan(m, dim, q, scale, 3, rows, got);
      for (let i = 0; i < want.length; i++) {
        if (!(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i]))))
          assert.fail(`row ${i + 3}: ${got[i]} vs ${want[i]}`);
      }
    }
  } finally {
    await k.close();
  }
});

test("vecInverseNorms and vecFirstNonFinite equal their references", async () => {
  kernels ??= await VectorKernels.create();
  const data = randomVectors(301, 7, 12);
  data.vectors.fill(0, 14, 21); // an all-zero row
  const m = kernels.adopt(data.vectors);
  const inv = kernels.allocate(301);
  kernels.inverseNorms(m, 7, inv);
  const ref = new KeyedVectors({ ...data, vectors: Float32Array.from(data.vectors) }).inverseNorms();
  assert.equal(inv[2], 0);
  for (let i = 0; i < 301; i++) assert.ok(Math.abs(inv[i] - ref[i]) <= 1e-6 * ref[i], `row ${i}`);
  assert.equal(kernels.firstNonFinite(m), -1);
  for (const [at, bad] of [
    [0, Number.NaN],
    [1000, Number.POSITIVE_INFINITY],
    [2106, Number.NEGATIVE_INFINITY],
    [2100, Number.NaN],
  ] as const) {
    const v = kernels.adopt(Float32Array.from(data.vectors));
    v[at] = bad;
    assert.equal(kernels.firstNonFinite(v), at);
    assert.equal(firstNonFinite(v), at);
  }
});

test("queries on the SIMD scan return what the TypeScript scan returns", async () => {
  kernels ??= await VectorKernels.create();
  const data = randomVectors(40000, 20, 9);
  const file = join(dir, "k.bin");
  await writeVectors(file, data, { format: "word2vec-binary" });
  const simd = await KeyedVectors.load(file, { kernels });
  const plain = await KeyedVectors.load(file, { kernels: false });
  assert.ok(kernels.owns(simd.vectors));
  assert.ok(!kernels.owns(plain.vectors));
  for (const opts of [
    { positive: ["w100"] },
    { positive: ["w7", "w8"], negative: ["w9"], topn: 20 },
    { positive: ["w11"], restrictVocab: 20000 },
  ]) {
    const a = simd.mostSimilar(opts);
    const b = plain.mostSimilar(opts);
    assert.deepEqual(
      a.map((x) => x[0]),
      b.map((x) => x[0]),
    );
    for (const [i, x] of a.entries()) assert.ok(Math.abs(x[1] - b[i][1]) < 1e-5);
  }
  const moved = new KeyedVectors(data);
  await moved.useKernels(kernels);
  assert.ok(kernels.owns(moved.vectors));
  assert.deepEqual(
    moved.mostSimilarCosmul({ positive: ["w21", "w22"], negative: ["w23"] }).map((x) => x[0]),
    plain.mostSimilarCosmul({ positive: ["w21", "w22"], negative: ["w23"] }).map((x) => x[0]),
  );
});
