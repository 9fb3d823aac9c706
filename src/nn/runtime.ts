import { availableParallelism } from "node:os";
import { wasmGemm } from "../kernels/gemm.js";
import { createRuntime, type KernelRuntime } from "../kernels/index.js";
import type { GemmFn } from "./gemm.js";
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
  readonly kernels: KernelRuntime;
  close(): Promise<void>;
}

export async function createNnRuntime(options: NnRuntimeOptions = {}): Promise<NnRuntime> {
  const threads = Math.max(1, options.threads ?? Math.min(4, availableParallelism()));
  const kernels = await createRuntime({ threads: threads - 1, relaxed: options.relaxed });
  return {
    arena: new Arena("float32", (n) => kernels.arena.f32(n)),
    gemm: wasmGemm(kernels, { threads }),
    kernels,
    close: () => kernels.close(),
  };
}
