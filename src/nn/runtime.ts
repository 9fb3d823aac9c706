import { availableParallelism } from "node:os";
import { kernelPointer, wasmGemm } from "../kernels/gemm.js";
import { createRuntime, type KernelRuntime } from "../kernels/index.js";
import { EmbedlmError } from "../util/errors.js";
import type { GemmFn } from "./gemm.js";
import type { softmaxCrossEntropy } from "./loss.js";
import { Arena } from "./tensor.js";

export interface NnRuntimeOptions {
  /** Threads for large matrix products, the calling thread included (default: CPU cores, at most 4). */
  threads?: number;
  /** Use relaxed SIMD (fused multiply-add) when the engine has it (default true). */
  relaxed?: boolean;
}

/** Where float32 models run fast: an arena in the shared WebAssembly memory and the SIMD GEMM. */
export interface NnRuntime {
  /** Pass to `sequential(..., {arena, gemm})`. */
  readonly arena: Arena;
  readonly gemm: GemmFn;
  /** softmaxCrossEntropy (src/nn/loss.ts) as a fused SIMD kernel, rows split across the threads. */
  readonly softmaxCrossEntropy: typeof softmaxCrossEntropy;
  readonly kernels: KernelRuntime;
  close(): Promise<void>;
}

export async function createNnRuntime(options: NnRuntimeOptions = {}): Promise<NnRuntime> {
  const threads = Math.max(1, options.threads ?? Math.min(4, availableParallelism()));
  const kernels = await createRuntime({ threads: threads - 1, relaxed: options.relaxed });
  return {
    arena: new Arena("float32", (n) => kernels.arena.f32(n)),
    gemm: wasmGemm(kernels, { threads }),
    softmaxCrossEntropy: wasmSoftmaxCrossEntropy(kernels, threads),
    kernels,
    close: () => kernels.close(),
  };
}

function wasmSoftmaxCrossEntropy(rt: KernelRuntime, threads: number): typeof softmaxCrossEntropy {
  const parts = Math.min(threads, (rt.pool?.size ?? 0) + 1);
  let targetsBuf = rt.arena.i32(0);
  return (logits, targets, vocab, dlogits, opts = {}) => {
    const n = targets.length;
    if (targetsBuf.length < n) targetsBuf = rt.arena.i32(n);
    targetsBuf.set(targets);
    const ignore = opts.ignoreIndex ?? -100;
    let counted = 0;
    for (let i = 0; i < n; i++) {
      const t = targets[i];
      if (t === ignore) continue;
      if (t < 0 || t >= vocab)
        throw new EmbedlmError(`target ${t} out of range [0, ${vocab})`, { field: "targets" });
      counted++;
    }
    const g = (opts.scale ?? 1) / Math.max(counted, 1);
    const args = (r0: number, r1: number) => [
      r0,
      r1,
      vocab,
      kernelPointer(logits),
      targetsBuf.byteOffset,
      kernelPointer(dlogits),
      g,
      ignore,
    ];
    const p = n * vocab < 1 << 16 ? 1 : parts;
    const per = Math.ceil(n / p);
    for (let w = 1; w < p && w * per < n; w++)
      rt.pool!.start(w - 1, "softmaxCrossEntropyRows", args(w * per, Math.min(n, (w + 1) * per)));
    let total = rt.kernels.softmaxCrossEntropyRows(...args(0, Math.min(n, per)));
    for (let w = 1; w < p && w * per < n; w++) total += rt.pool!.join(w - 1);
    return total / Math.max(counted, 1);
  };
}
