// The WebAssembly GEMM (assembly/gemm.ts) behind the same signature as the TypeScript reference
// (src/nn/gemm.ts): single-threaded for small products, split across the main thread and the pool's
// workers for large ones, always synchronous (the main thread blocks on Atomics while the workers
// finish their share). Large products are issued as several calls of a few milliseconds each: V8
// tiers a WebAssembly function up only between calls, so one long first call would run unoptimized.

import type { KernelRuntime } from "./index.js";

type Buf = Float32Array | Float64Array;

const MIN_BLOCK = 64;

/** row-major sgemm: C = alpha * op(A) op(B) + beta * C, matrices at element offsets aOff/bOff/cOff. */
export type SgemmFn = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Buf,
  aOff: number,
  lda: number,
  b: Buf,
  bOff: number,
  ldb: number,
  beta: number,
  c: Buf,
  cOff: number,
  ldc: number,
) => void;

export interface GemmOptions {
  /** Threads sharing a large product: the calling thread plus up to threads - 1 pool workers (default: all). */
  threads?: number;
  /** Products below this many multiply-adds run on the calling thread alone (default 2^19). */
  parallelThreshold?: number;
  /** Target multiply-adds per kernel call when a product is split (default 2^26). */
  chunk?: number;
}

/** The byte pointer of element `off` of a float32 view of the kernel memory. */
export function kernelPointer(buf: Buf, off = 0): number {
  if (!(buf instanceof Float32Array) || !(buf.buffer instanceof SharedArrayBuffer))
    throw new TypeError(
      "WebAssembly kernels need float32 buffers in the kernel memory (allocate them from the runtime's arena)",
    );
  return buf.byteOffset + off * 4;
}

/** A GEMM on `rt`'s kernels; buffers must be Float32Array views of `rt.arena`. */
export function wasmGemm(rt: KernelRuntime, options: GemmOptions = {}): SgemmFn {
  const workers = Math.max(
    0,
    Math.min((options.threads ?? Number.POSITIVE_INFINITY) - 1, rt.pool?.size ?? 0),
  );
  const parts = workers + 1;
  const threshold = options.parallelThreshold ?? 1 << 19;
  const chunk = options.chunk ?? 1 << 26;
  const wsFloats = rt.kernels.sgemmWorkspace();
  const work = Array.from({ length: parts }, () => rt.arena.f32(wsFloats).byteOffset);
  const sgemm = rt.kernels.sgemm;
  const pool = rt.pool;

  return (transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) => {
    if (m <= 0 || n <= 0) return;
    const pa = kernelPointer(a, aOff);
    const pb = kernelPointer(b, bOff);
    const pc = kernelPointer(c, cOff);
    const ta = transA ? 1 : 0;
    const tb = transB ? 1 : 0;
    const flops = m * n * Math.max(k, 1);
    // Split along the longer side of C: column blocks (multiples of 8) or row blocks.
    const byCols = n >= m;
    const len = byCols ? n : m;
    const align = byCols ? 8 : 4;
    const p = pool === undefined || flops < threshold ? 1 : parts;
    // Every call packs the whole other operand again, so blocks keep at least MIN_BLOCK rows or
    // columns (packing then costs under ~2% of the multiply-adds).
    const blocks = Math.min(Math.max(1, Math.floor(len / MIN_BLOCK)), Math.max(Math.ceil(flops / chunk), p));
    const size = Math.ceil(len / blocks / align) * align;
    const args = (start: number, count: number): number[] =>
      byCols
        ? [
            ta,
            tb,
            m,
            count,
            k,
            alpha,
            pa,
            lda,
            pb + (tb ? start * ldb : start) * 4,
            ldb,
            beta,
            pc + start * 4,
            ldc,
          ]
        : [
            ta,
            tb,
            count,
            n,
            k,
            alpha,
            pa + (ta ? start : start * lda) * 4,
            lda,
            pb,
            ldb,
            beta,
            pc + start * ldc * 4,
            ldc,
          ];
    // In rounds: the calling thread takes one block, worker w - 1 the w-th block after it.
    for (let s = 0; s < len; s += size * p) {
      let started = 0;
      for (let w = 1; w < p; w++) {
        const start = s + w * size;
        if (start >= len) break;
        pool!.start(w - 1, "sgemm", [...args(start, Math.min(size, len - start)), work[w]]);
        started++;
      }
      sgemm(...args(s, Math.min(size, len - s)), work[0]);
      for (let w = 0; w < started; w++) pool!.join(w);
    }
  };
}
