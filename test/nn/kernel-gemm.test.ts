import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { wasmGemm } from "../../src/kernels/gemm.js";
import { createRuntime, type KernelRuntime } from "../../src/kernels/index.js";
import { gemm as reference } from "../../src/nn/gemm.js";
import { Rng } from "../../src/util/rng.js";

let rt: KernelRuntime;
/** The plain-SIMD build (no fused multiply-add), which engines without relaxed SIMD run. */
let plain: KernelRuntime;
before(async () => {
  rt = await createRuntime({ threads: 1 });
  plain = await createRuntime({ threads: 0, relaxed: false });
});
after(async () => {
  await rt.close();
  await plain.close();
});

const rng = new Rng(17);

function check(
  r: KernelRuntime,
  gemm: ReturnType<typeof wasmGemm>,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  alpha: number,
  beta: number,
): void {
  const pad = 5;
  const lda = (transA ? m : k) + 3;
  const ldb = (transB ? k : n) + 1;
  const ldc = n + 2;
  const a = r.arena.f32(pad + (transA ? k : m) * lda);
  const b = r.arena.f32(pad + (transB ? n : k) * ldb);
  const c = r.arena.f32(pad + m * ldc);
  for (const x of [a, b, c]) for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
  const want = Float64Array.from(c);
  reference(
    transA,
    transB,
    m,
    n,
    k,
    alpha,
    Float64Array.from(a),
    pad,
    lda,
    Float64Array.from(b),
    pad,
    ldb,
    beta,
    want,
    pad,
    ldc,
  );
  gemm(transA, transB, m, n, k, alpha, a, pad, lda, b, pad, ldb, beta, c, pad, ldc);
  for (let i = 0; i < c.length; i++) {
    const tol = 1e-5 * (1 + Math.sqrt(k)) * (1 + Math.abs(want[i]));
    assert.ok(
      Math.abs(c[i] - want[i]) <= tol,
      `${m}x${n}x${k} ${transA} ${transB} [${i}]: ${c[i]} vs ${want[i]}`,
    );
  }
}

test("WebAssembly sgemm equals the reference: transposes, alpha/beta, strides, edge tiles, k > block", () => {
  for (const r of [rt, plain]) {
    const g = wasmGemm(r, { threads: 1 });
    for (const [m, n, k] of [
      [1, 1, 1],
      [5, 8, 3],
      [7, 13, 5],
      [13, 29, 300],
      [20, 26, 9],
      [150, 530, 20],
    ])
      for (const transA of [false, true])
        for (const transB of [false, true])
          for (const [alpha, beta] of [
            [1, 0],
            [0.5, 1],
            [-1.5, 0.25],
          ])
            check(r, g, m, n, k, transA, transB, alpha, beta);
  }
});

test("WebAssembly sgemm split across the calling thread and a worker, by columns and by rows", () => {
  const g = wasmGemm(rt, { threads: 2, parallelThreshold: 0, chunk: 4096 });
  for (const [m, n, k] of [
    [9, 203, 17], // 2 blocks, one per thread
    [203, 9, 17],
    [64, 64, 64], // too small to split: one block on the calling thread
    [9, 2000, 300], // 7 blocks rounded down to 6: each thread takes blocks from the shared counter
    [2000, 9, 300],
  ])
    for (const transA of [false, true])
      for (const transB of [false, true]) check(rt, g, m, n, k, transA, transB, 1.25, 0.5);
});

test("WebAssembly sgemm rejects buffers outside the kernel memory", () => {
  const g = wasmGemm(rt, { threads: 1 });
  const x = new Float32Array(4);
  assert.throws(() => g(false, false, 2, 2, 1, 1, x, 0, 1, x, 0, 2, 0, x, 0, 2), TypeError);
});

test("WebAssembly sgemm with beta 0 overwrites C without reading it (NaN does not propagate)", () => {
  const g = wasmGemm(rt, { threads: 1 });
  const a = rt.arena.f32(7 * 300);
  const b = rt.arena.f32(300 * 9);
  a.fill(0.5);
  b.fill(2);
  const c = rt.arena.f32(7 * 9).fill(Number.NaN);
  g(false, false, 7, 9, 300, 1, a, 0, 300, b, 0, 9, 0, c, 0, 9);
  assert.ok(c.every((v) => v === 300));
});

test("sgemmPackB fills exactly sgemmPackedSize floats, and sgemmPacked with it equals the reference", () => {
  const k8 = rt.kernels;
  for (const [m, n, k] of [
    [4, 256, 64],
    [5, 64, 256],
    [7, 530, 300],
    [3, 13, 1],
  ])
    for (const transB of [false, true]) {
      const a = rt.arena.f32(m * k);
      const b = rt.arena.f32(k * n);
      for (const x of [a, b]) for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
      // The packed operand, then a canary the packing must not touch.
      const size = k8.sgemmPackedSize(k, n);
      const packed = rt.arena.f32(size + 64).fill(Number.NaN);
      k8.sgemmPackB(transB ? 1 : 0, k, n, b.byteOffset, transB ? k : n, packed.byteOffset);
      assert.ok(
        packed.subarray(0, size).every((v) => !Number.isNaN(v)),
        `${k}x${n}: a packed float left unwritten`,
      );
      assert.ok(
        packed.subarray(size).every((v) => Number.isNaN(v)),
        `${k}x${n}: packing wrote past sgemmPackedSize`,
      );
      const c = rt.arena.f32(m * n);
      const work = rt.arena.f32(k8.sgemmWorkspace());
      k8.sgemmPacked(0, m, n, k, 1, a.byteOffset, k, packed.byteOffset, 0, c.byteOffset, n, work.byteOffset);
      const want = new Float64Array(m * n);
      reference(
        false,
        transB,
        m,
        n,
        k,
        1,
        Float64Array.from(a),
        0,
        k,
        Float64Array.from(b),
        0,
        transB ? k : n,
        0,
        want,
        0,
        n,
      );
      for (let i = 0; i < c.length; i++)
        assert.ok(
          Math.abs(c[i] - want[i]) <= 1e-5 * (1 + Math.sqrt(k)),
          `${m}x${n}x${k} [${i}]: ${c[i]} vs ${want[i]}`,
        );
    }
});
