// Finds, chooses and compiles the WebAssembly kernel module, in Node and in a browser.
//
// Two builds ship in dist/wasm: kernels-relaxed.wasm (relaxed SIMD: fused multiply-add) and
// kernels.wasm (plain SIMD). The relaxed one is used when the engine validates it. Node 20 keeps
// relaxed SIMD behind a V8 flag that NODE_OPTIONS rejects but v8.setFlagsFromString accepts before
// compiling (and must be set in every worker too: see worker.ts); newer engines have it natively.

export interface KernelModule {
  /** The compiled module; post it to workers to instantiate it there. */
  module: WebAssembly.Module;
  /** True when the relaxed-SIMD build was chosen. */
  relaxed: boolean;
  /** True when Node's experimental relaxed-SIMD flag had to be set (workers set it too). */
  experimental: boolean;
}

export interface LoadOptions {
  /** Use relaxed SIMD when the engine supports it (default true); false forces the plain build. */
  relaxed?: boolean;
}

const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;

/** Turns on relaxed SIMD in Node 20's V8 (no-op in browsers). */
export async function enableRelaxedSimd(): Promise<void> {
  if (!isNode) return;
  const v8 = await import("node:v8");
  v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
}

async function readWasm(name: string): Promise<Uint8Array<ArrayBuffer>> {
  // dist/src/kernels/loader.js -> dist/wasm/NAME
  const url = new URL(`../../wasm/${name}`, import.meta.url);
  if (isNode) {
    const { readFile } = await import("node:fs/promises");
    try {
      return new Uint8Array(await readFile(url));
    } catch (e) {
      throw new Error(
        `cannot read the kernel module ${url.pathname} (run npm run build): ${(e as Error).message}`,
      );
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch the kernel module ${url}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

const cache = new Map<boolean, Promise<KernelModule>>();

/** Compiles the kernel module once per process (cached), preferring the relaxed-SIMD build. */
export function loadKernelModule(options: LoadOptions = {}): Promise<KernelModule> {
  const wantRelaxed = options.relaxed ?? true;
  let p = cache.get(wantRelaxed);
  if (p === undefined) {
    p = (async () => {
      if (wantRelaxed) {
        const bytes = await readWasm("kernels-relaxed.wasm");
        let experimental = false;
        if (!WebAssembly.validate(bytes) && isNode) {
          await enableRelaxedSimd();
          experimental = true;
        }
        if (WebAssembly.validate(bytes))
          return { module: await WebAssembly.compile(bytes), relaxed: true, experimental };
      }
      const bytes = await readWasm("kernels.wasm");
      return { module: await WebAssembly.compile(bytes), relaxed: false, experimental: false };
    })();
    cache.set(wantRelaxed, p);
  }
  return p;
}

/** The kernels' exports: every kernel is a function of numbers (pointers, sizes, scalars). */
export type KernelExports = Record<string, (...args: number[]) => number>;

/** Instantiates the module on `memory` (its only import, `env.memory`). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const out: KernelExports = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    if (typeof value === "function") out[name] = value as (...args: number[]) => number;
  }
  return out;
}

/** The exported kernel names in module order: main thread and workers index kernels by it. */
export function kernelNames(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module)
    .filter((e) => e.kind === "function")
    .map((e) => e.name);
}
