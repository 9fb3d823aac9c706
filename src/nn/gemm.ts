import type { SgemmFn } from "../kernels/gemm.js";

/** The signature every GEMM implementation (reference or WebAssembly) shares. */
export type GemmFn = SgemmFn;

/**
 * Reference single-matrix multiply, BLAS sgemm semantics on row-major storage:
 *   C[m,n] = alpha * op(A)[m,k] · op(B)[k,n] + beta * C[m,n]
 * op(A) = A (stored [m,k], row stride lda) or, when transA, A^T (A stored [k,m]); the same for B.
 * Matrices start at aOff/bOff/cOff. beta = 0 overwrites C (NaNs in C do not propagate).
 * Plain loops: the readable twin of the WebAssembly kernel and the float64 path of gradient checks.
 */
export const gemm: GemmFn = (
  transA,
  transB,
  m,
  n,
  k,
  alpha,
  a,
  aOff,
  lda,
  b,
  bOff,
  ldb,
  beta,
  c,
  cOff,
  ldc,
) => {
  for (let i = 0; i < m; i++) {
    const ci = cOff + i * ldc;
    if (beta === 0) c.fill(0, ci, ci + n);
    else if (beta !== 1) for (let j = 0; j < n; j++) c[ci + j] *= beta;
    for (let p = 0; p < k; p++) {
      const aip = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
      if (transB) {
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bOff + j * ldb + p];
      } else {
        const bp = bOff + p * ldb;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
  }
};
