import assert from "node:assert/strict";
import { test } from "node:test";
import { gemm } from "../../src/nn/gemm.js";
import { Rng } from "../../src/util/rng.js";

const rng = new Rng(11);
const rand = (n: number) => Float64Array.from({ length: n }, () => rng.normal());

test("reference gemm: every transpose combination, alpha/beta, offsets and row strides", () => {
  for (const [m, n, k] of [
    [1, 1, 1],
    [3, 5, 4],
    [7, 2, 9],
  ]) {
    // Logical A [m,k], B [k,n]; build them by formula so the expected product is independent of gemm.
    const A = (i: number, p: number) => Math.sin(i * 1.3 + p * 0.7 + 0.1);
    const B = (p: number, j: number) => Math.cos(p * 0.9 - j * 0.4 + 0.2);
    for (const transA of [false, true])
      for (const transB of [false, true]) {
        const pad = 3;
        const lda = (transA ? m : k) + 2;
        const ldb = (transB ? k : n) + 1;
        const ldc = n + 3;
        const a = new Float64Array(pad + (transA ? k : m) * lda);
        const b = new Float64Array(pad + (transB ? n : k) * ldb);
        for (let i = 0; i < m; i++)
          for (let p = 0; p < k; p++) a[pad + (transA ? p * lda + i : i * lda + p)] = A(i, p);
        for (let p = 0; p < k; p++)
          for (let j = 0; j < n; j++) b[pad + (transB ? j * ldb + p : p * ldb + j)] = B(p, j);
        const c0 = rand(pad + m * ldc);
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 1],
          [-2, 0.25],
        ]) {
          const c = Float64Array.from(c0);
          gemm(transA, transB, m, n, k, alpha, a, pad, lda, b, pad, ldb, beta, c, pad, ldc);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < n; j++) {
              let s = 0;
              for (let p = 0; p < k; p++) s += A(i, p) * B(p, j);
              const want = alpha * s + beta * c0[pad + i * ldc + j];
              assert.ok(Math.abs(c[pad + i * ldc + j] - want) < 1e-12, `${transA} ${transB} ${i},${j}`);
            }
          // Padding between rows and before the matrix is untouched.
          for (let i = 0; i < pad; i++) assert.equal(c[i], c0[i]);
          for (let i = 0; i < m; i++)
            for (let j = n; j < ldc && pad + i * ldc + j < c.length; j++)
              assert.equal(c[pad + i * ldc + j], c0[pad + i * ldc + j]);
        }
      }
  }
});

test("reference gemm with beta 0 overwrites NaN in C", () => {
  const c = new Float32Array([Number.NaN]);
  gemm(false, false, 1, 1, 1, 1, new Float32Array([2]), 0, 1, new Float32Array([3]), 0, 1, 0, c, 0, 1);
  assert.equal(c[0], 6);
});
