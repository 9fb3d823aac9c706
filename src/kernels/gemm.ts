// The WebAssembly GEMM (assembly/gemm.ts) behind the same signature as the TypeScript reference
// (src/nn/gemm.ts): single-threaded for small products, split across the main thread and the pool's
// workers for large ones, always synchronous (the main thread blocks on Atomics while the workers
// finish). A shared product is cut into a few blocks per thread that the threads take from one
// counter (sgemmShared), so a thread the OS schedules late takes fewer blocks instead of being
// waited for. On one thread, large products are issued as several calls of a few milliseconds
// each: V8 tiers a WebAssembly function up only between calls.

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
  /** Target multiply-adds per kernel call on one thread (default 2^26). */
  chunk?: number;
  /** Blocks per thread a shared product is cut into, taken dynamically (default 3). */
  blocksPerThread?: number;
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
  const perThread = options.blocksPerThread ?? 3;
  const wsFloats = rt.kernels.sgemmWorkspace();
  const work = Array.from({ length: parts }, () => rt.arena.f32(wsFloats).byteOffset);
  // sgemmShared's descriptor (assembly/gemm.ts): calls are synchronous, so one serves every call.
  const desc = rt.arena.i32(16);
  const descF = new Float32Array(desc.buffer, desc.byteOffset, 16);
  const { sgemm, sgemmShared } = rt.kernels;
  const pool = rt.pool;

  return (transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) => {
    if (m <= 0 || n <= 0) return;
    const pa = kernelPointer(a, aOff);
    const pb = kernelPointer(b, bOff);
    const pc = kernelPointer(c, cOff);
    const ta = transA ? 1 : 0;
    const tb = transB ? 1 : 0;
    const flops = m * n * Math.max(k, 1);
    // Split along the longer side of C: column blocks (multiples of the micro-kernel's 12 columns,
    // assembly/gemm.ts's NR) or row blocks (of its 3 rows, MR).
    const byCols = n >= m;
    const len = byCols ? n : m;
    const align = byCols ? 12 : 3;
    // Every block packs the whole other operand again, so blocks keep at least MIN_BLOCK rows or
    // columns (packing then costs under ~2% of the multiply-adds).
    const maxBlocks = Math.max(1, Math.floor(len / MIN_BLOCK));
    if (pool === undefined || flops < threshold || maxBlocks === 1) {
      const blocks = Math.min(maxBlocks, Math.ceil(flops / chunk));
      const size = Math.ceil(len / blocks / align) * align;
      for (let s = 0; s < len; s += size) {
        const cnt = Math.min(size, len - s);
        // Columns s.. of op(B) and C, or rows s.. of op(A) and C (sgemmShared's block offsets).
        const [mb, nb, ab, bb, cb] = byCols
          ? [m, cnt, pa, pb + (tb ? s * ldb : s) * 4, pc + s * 4]
          : [cnt, n, pa + (ta ? s : s * lda) * 4, pb, pc + s * ldc * 4];
        sgemm(ta, tb, mb, nb, k, alpha, ab, lda, bb, ldb, beta, cb, ldc, work[0]);
      }
      return;
    }
    // Shared: every thread takes blocks from one counter until none is left.
    // ... but no more blocks than keep that repacking small beside the product (it reads memory at
    // a small fraction of the multiply-add rate): e.g. (400 x 10000) x (10000 x 200) gets one block
    // per thread, each packing the 10000 x 200 operand once.
    const other = byCols ? m * k : k * n;
    const most = Math.min(
      maxBlocks,
      Math.max(parts, Math.floor(flops / (256 * other))),
      Math.max(parts * perThread, Math.ceil(flops / chunk)),
    );
    // A whole number of blocks per thread: 3 equal blocks on 2 threads leave one thread idle for a
    // third of the product (measured: (700x400)x(400x800) scaled 1.46x on 2 threads).
    const blocks = most > parts ? most - (most % parts) : most;
    const size = Math.ceil(len / blocks / align) * align;
    desc.set([ta, tb, m, n, k, 0, pa, lda, pb, ldb, 0, pc, ldc, byCols ? 1 : 0, size, 0]);
    descF[5] = alpha;
    descF[10] = beta;
    const started = Math.min(parts - 1, Math.ceil(len / size) - 1);
    for (let w = 0; w < started; w++) pool.start(w, "sgemmShared", [desc.byteOffset, work[w + 1]]);
    pool.joinAfter(started, () => sgemmShared(desc.byteOffset, work[0]));
  };
}
