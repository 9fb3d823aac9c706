// Compute runtime: the kernel module, one shared memory with an arena allocator, the kernels
// instantiated on the main thread, and (optionally) a pool of worker threads on the same memory.

import { Arena, type ArenaOptions, RESERVED } from "./arena.js";
import { instantiateKernels, type KernelExports, loadKernelModule } from "./loader.js";
import { KernelPool } from "./pool.js";

export { Arena, type ArenaOptions, MAX_PAGES, RESERVED } from "./arena.js";
export {
  enableRelaxedSimd,
  instantiateKernels,
  type KernelExports,
  type KernelModule,
  kernelNames,
  loadKernelModule,
} from "./loader.js";
export { KernelPool } from "./pool.js";

export interface RuntimeOptions extends ArenaOptions {
  /** Worker threads to start (0: main thread only). */
  threads?: number;
  /** Prefer the relaxed-SIMD build when supported (default true). */
  relaxed?: boolean;
}

export interface KernelRuntime {
  arena: Arena;
  /** The kernels on the main thread (for small calls and for tests). */
  kernels: KernelExports;
  /** Worker threads on the same memory, or undefined when threads is 0. */
  pool: KernelPool | undefined;
  /** True when the relaxed-SIMD build runs. */
  relaxed: boolean;
  close(): Promise<void>;
}

/** Creates the shared memory, instantiates the kernels on it and starts `threads` workers. */
export async function createRuntime(options: RuntimeOptions = {}): Promise<KernelRuntime> {
  // Browsers hide SharedArrayBuffer on pages that are not cross-origin isolated; say how to fix it
  // instead of failing later on a missing global.
  if (typeof SharedArrayBuffer === "undefined")
    throw new Error(
      "the kernel runtime needs SharedArrayBuffer: serve the page with the headers " +
        "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp",
    );
  const mod = await loadKernelModule({ relaxed: options.relaxed });
  const arena = new Arena(options);
  const kernels = instantiateKernels(mod.module, arena.memory);
  const dataEnd = kernels.heapBase();
  if (dataEnd > RESERVED)
    throw new Error(
      `the kernel module's static data ends at ${dataEnd}, above the ${RESERVED} bytes the arena reserves`,
    );
  const threads = options.threads ?? 0;
  const pool = threads > 0 ? await KernelPool.create(mod, arena.memory, threads) : undefined;
  return {
    arena,
    kernels,
    pool,
    relaxed: mod.relaxed,
    close: async () => {
      await pool?.close();
    },
  };
}
