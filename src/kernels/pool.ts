// A pool of persistent worker threads, each running the kernel module on the one shared memory.
// `call` runs one kernel on one worker; `run` runs a kernel on every worker at once (e.g. a GEMM
// split by columns, or one Hogwild training batch per thread) and resolves with each result.
// Calls to a busy worker queue behind its current call.

import { type KernelModule, kernelNames } from "./loader.js";
import {
  type ControlBlock,
  controlBlock,
  controlBuffer,
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

/** The part of a Worker the pool uses, satisfied by node:worker_threads and by browser workers. */
interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): unknown;
  ref?(): void;
  unref?(): void;
}

// Atomics.waitAsync (ES2024; in V8 since Node 16) lets the main thread await a worker without blocking.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;

// Atomics.wait throws on threads that may not block (a browser's main thread). start() checks this
// up front: otherwise join() would fail or not depending on whether the worker happened to be done,
// and leave that worker marked busy.
let blockingAllowed: boolean | undefined;
export function canBlock(): boolean {
  if (blockingAllowed === undefined) {
    try {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockingAllowed = true;
    } catch {
      blockingAllowed = false;
    }
  }
  return blockingAllowed;
}

async function spawn(data: unknown): Promise<WorkerLike> {
  const url = new URL("./worker.js", import.meta.url);
  if (isNode) {
    const { Worker } = await import("node:worker_threads");
    const w = new Worker(url, { workerData: data });
    // An idle pool never keeps the process alive (a forgotten close() cannot hang a CLI run); a
    // pending call refs its worker, since a pending Atomics.waitAsync does not keep Node's loop alive.
    w.unref();
    await new Promise<void>((resolve, reject) => {
      w.once("message", () => resolve());
      w.once("error", reject);
    });
    return w;
  }
  const w = new Worker(url, { type: "module" });
  await new Promise<void>((resolve, reject) => {
    w.onmessage = () => resolve();
    w.onerror = (e) => reject(new Error(e.message));
    w.postMessage(data);
  });
  return w;
}

/**
 * Starts every one of `starters` at once and resolves with them all; when any fails, stops those that
 * did start (a pool that failed to start would otherwise leave live worker threads behind) and
 * rejects with the first failure.
 */
export async function allOrNone<T>(
  starters: readonly (() => Promise<T>)[],
  stop: (t: T) => unknown,
): Promise<T[]> {
  const settled = await Promise.allSettled(starters.map((start) => start()));
  const failure = settled.find((r) => r.status === "rejected");
  if (failure === undefined) return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
  for (const r of settled) if (r.status === "fulfilled") stop(r.value);
  throw failure.reason;
}

export class KernelPool {
  private readonly names: Map<string, number>;
  private readonly queues: Promise<unknown>[];
  private readonly pending: number[];
  private closed = false;

  private constructor(
    private readonly workers: WorkerLike[],
    private readonly controls: ControlBlock[],
    names: string[],
  ) {
    this.names = new Map(names.map((n, i) => [n, i]));
    this.queues = workers.map(() => Promise.resolve());
    this.pending = workers.map(() => 0);
  }

  /** Starts `threads` workers, each instantiating `kernels.module` on `memory`. */
  static async create(
    kernels: KernelModule,
    memory: WebAssembly.Memory,
    threads: number,
  ): Promise<KernelPool> {
    if (!Number.isInteger(threads) || threads < 1)
      throw new RangeError(`threads must be >= 1, got ${threads}`);
    const buffers = Array.from({ length: threads }, () => controlBuffer());
    const workers = await allOrNone(
      buffers.map(
        (control) => () =>
          spawn({ module: kernels.module, memory, control, experimental: kernels.experimental }),
      ),
      (w) => w.terminate(),
    );
    return new KernelPool(workers, buffers.map(controlBlock), kernelNames(kernels.module));
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Runs kernel `name` with `args` on worker `worker`; resolves with its return value. */
  call(worker: number, name: string, args: readonly number[]): Promise<number> {
    const k = this.names.get(name);
    if (k === undefined) throw new Error(`no kernel named ${name}`);
    if (args.length > MAX_ARGS) throw new RangeError(`at most ${MAX_ARGS} kernel arguments`);
    if (this.closed) throw new Error("the kernel pool is closed");
    if (this.pending[worker]++ === 0) this.workers[worker].ref?.();
    const next = this.queues[worker]
      .then(() => this.signal(worker, k, args))
      .finally(() => {
        if (--this.pending[worker] === 0) this.workers[worker].unref?.();
      });
    this.queues[worker] = next.catch(() => {});
    return next;
  }

  /** Runs kernel `name` on every worker at once, worker i with argsPerWorker[i]. */
  run(name: string, argsPerWorker: readonly (readonly number[])[]): Promise<number[]> {
    if (argsPerWorker.length > this.workers.length)
      throw new RangeError(`${argsPerWorker.length} argument lists for ${this.workers.length} workers`);
    return Promise.all(argsPerWorker.map((args, i) => this.call(i, name, args)));
  }

  /**
   * Starts kernel `name` on idle worker `worker` and returns at once; `join(worker)` blocks until it
   * is done. For synchronous callers on threads that may block (Node's main thread, workers), which
   * typically compute their own share in between (e.g. a GEMM split by columns).
   */
  start(worker: number, name: string, args: readonly number[]): void {
    const k = this.names.get(name);
    if (k === undefined) throw new Error(`no kernel named ${name}`);
    if (this.closed) throw new Error("the kernel pool is closed");
    if (!canBlock())
      throw new Error(
        "KernelPool.start/join wait in Atomics.wait, which this thread may not (a browser's main thread): " +
          "run synchronous multi-threaded kernels (e.g. GEMM) in a Worker, or use the pool's call/run",
      );
    if (this.pending[worker] !== 0) throw new Error(`worker ${worker} is busy`);
    this.pending[worker]++;
    const c = this.controls[worker];
    c.floats.set(args);
    c.ints[NARGS] = args.length;
    c.ints[KERNEL] = k;
    Atomics.store(c.ints, SEQ, c.ints[SEQ] + 1);
    Atomics.notify(c.ints, SEQ);
  }

  /** Blocks until the call begun by `start(worker, ...)` is done; returns its result. */
  join(worker: number): number {
    const c = this.controls[worker];
    const seq = c.ints[SEQ];
    spinWhile(c.ints, DONE, seq - 1);
    while (Atomics.load(c.ints, DONE) !== seq) Atomics.wait(c.ints, DONE, seq - 1);
    this.pending[worker]--;
    if (c.ints[STATUS] !== 0) {
      const msg = new TextDecoder().decode(c.error.slice(0, c.ints[ERROR_LENGTH]));
      throw new Error(`kernel ${[...this.names.keys()][c.ints[KERNEL]]} failed on worker ${worker}: ${msg}`);
    }
    return c.floats[MAX_ARGS];
  }

  /**
   * Runs `own` (the calling thread's share) while the calls begun by `start` on workers
   * 0..started-1 run, then joins every one of them, even after a failure: a worker left unjoined
   * would stay busy and refuse every later call. Returns own's result plus theirs; throws the
   * first error.
   */
  joinAfter(started: number, own: () => number): number {
    let total = 0;
    let failure: { error: unknown } | undefined;
    try {
      total = own();
    } catch (error) {
      failure = { error };
    }
    for (let w = 0; w < started; w++) {
      try {
        total += this.join(w);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return total;
  }

  private async signal(worker: number, kernel: number, args: readonly number[]): Promise<number> {
    const c = this.controls[worker];
    c.floats.set(args);
    c.ints[NARGS] = args.length;
    c.ints[KERNEL] = kernel;
    const seq = c.ints[SEQ] + 1;
    Atomics.store(c.ints, SEQ, seq);
    Atomics.notify(c.ints, SEQ);
    const waited = waitAsync(c.ints, DONE, seq - 1);
    if (waited.async) await waited.value;
    if (c.ints[STATUS] !== 0) {
      const msg = new TextDecoder().decode(c.error.slice(0, c.ints[ERROR_LENGTH]));
      throw new Error(`kernel ${[...this.names.keys()][kernel]} failed on worker ${worker}: ${msg}`);
    }
    return c.floats[MAX_ARGS];
  }

  /** Waits for pending calls, then stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.queues);
    for (let i = 0; i < this.workers.length; i++) {
      const c = this.controls[i];
      c.ints[KERNEL] = STOP;
      Atomics.store(c.ints, SEQ, c.ints[SEQ] + 1);
      Atomics.notify(c.ints, SEQ);
      await this.workers[i].terminate();
    }
  }
}
