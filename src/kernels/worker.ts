// A persistent kernel worker: instantiates the kernel module on the shared memory, then waits on its
// control block (protocol.ts) and runs whatever kernel the pool asks for, until told to stop.
// Runs under Node's worker_threads and as a browser module worker.

import { instantiateKernels, kernelNames } from "./loader.js";
import {
  type ControlBlock,
  controlBlock,
  DONE,
  ERROR_LENGTH,
  KERNEL,
  MAX_ARGS,
  NARGS,
  SEQ,
  STATUS,
  STOP,
  spinWhile,
} from "./protocol.js";

interface Init {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  experimental: boolean;
}

type Kernel = (...args: number[]) => number;

// Instantiating writes the module's data segments into the shared memory, so it happens before the
// worker reports ready, never while other threads train.
function instantiate(init: Init): Kernel[] {
  const exports = instantiateKernels(init.module, init.memory);
  return kernelNames(init.module).map((name) => exports[name]);
}

function serve(init: Init, fns: Kernel[]): void {
  const c: ControlBlock = controlBlock(init.control);
  const encoder = new TextEncoder();
  let seq = 0;
  for (;;) {
    if (!spinWhile(c.ints, SEQ, seq)) Atomics.wait(c.ints, SEQ, seq);
    seq = Atomics.load(c.ints, SEQ);
    const k = c.ints[KERNEL];
    if (k === STOP) break;
    try {
      const args = Array.from(c.floats.subarray(0, c.ints[NARGS]));
      c.floats[MAX_ARGS] = fns[k](...args) ?? 0;
      c.ints[STATUS] = 0;
    } catch (e) {
      const msg = encoder.encode(String((e as Error).message ?? e)).subarray(0, c.error.length);
      c.error.set(msg);
      c.ints[ERROR_LENGTH] = msg.length;
      c.ints[STATUS] = 1;
    }
    Atomics.store(c.ints, DONE, seq);
    Atomics.notify(c.ints, DONE);
  }
}

async function start(): Promise<void> {
  if (typeof process !== "undefined" && process.versions?.node !== undefined) {
    const { parentPort, workerData } = await import("node:worker_threads");
    const init = workerData as Init;
    if (init.experimental) (await import("node:v8")).setFlagsFromString("--experimental-wasm-relaxed-simd");
    const fns = instantiate(init);
    parentPort?.postMessage("ready");
    serve(init, fns);
  } else {
    const scope = globalThis as unknown as {
      onmessage: ((e: MessageEvent<Init>) => void) | null;
      postMessage(m: unknown): void;
    };
    scope.onmessage = (e) => {
      scope.onmessage = null;
      const fns = instantiate(e.data);
      scope.postMessage("ready");
      serve(e.data, fns);
    };
  }
}

await start();
