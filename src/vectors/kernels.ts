// The WebAssembly SIMD scan for KeyedVectors: the matrix is allocated in the kernel runtime's shared
// memory (so it exists once), and queries score its rows with vecScaledDotRows (assembly/vectors.ts)
// instead of the TypeScript reference scaledDotRows (src/vectors/topk.ts).
import { createRuntime, type KernelRuntime, kernelNames, loadKernelModule } from "../kernels/index.js";
import { controlBlock, controlBuffer, DONE, KERNEL, NARGS, SEQ, STATUS, STOP } from "../kernels/protocol.js";
import { EmbedlmError } from "../util/errors.js";
import { firstNonFinite } from "./formats/data.js";
import { type Int8Rows, type Int8Scanner, int8Stride } from "./int8-scan.js";
import type { RowScanner } from "./keyed-vectors.js";

/** Rows per kernel call: a few ms of work, so V8 tiers the module up and calls stay cheap. */
const ROWS_PER_CALL = 16384;
/** Scans shorter than this stay on the calling thread (a helper's wake-up would cost more). */
const PARALLEL_MIN_ROWS = 65536;

/**
 * A kernel worker (src/kernels/worker.ts, the pool's own) driven synchronously: the caller signals
 * it through its control block, scans its own share of the rows, then blocks on Atomics.wait until
 * the helper is done. Queries stay synchronous, as gensim's are; Node only (a browser's main thread
 * cannot block).
 */
class SyncHelper {
  private readonly c;
  private constructor(
    private readonly worker: { terminate(): unknown },
    control: SharedArrayBuffer,
    private readonly names: string[],
  ) {
    this.c = controlBlock(control);
  }

  static async start(memory: WebAssembly.Memory): Promise<SyncHelper> {
    const mod = await loadKernelModule();
    const control = controlBuffer();
    const { Worker } = await import("node:worker_threads");
    const w = new Worker(new URL("../kernels/worker.js", import.meta.url), {
      workerData: { module: mod.module, memory, control, experimental: mod.experimental },
    });
    w.unref();
    await new Promise<void>((resolve, reject) => {
      w.once("message", () => resolve());
      w.once("error", reject);
    });
    return new SyncHelper(w, control, kernelNames(mod.module));
  }

  /** Starts kernel(args) on the helper and returns at once. */
  start(kernel: string, args: number[]): void {
    const c = this.c;
    c.floats.set(args);
    c.ints[NARGS] = args.length;
    c.ints[KERNEL] = this.names.indexOf(kernel);
    Atomics.store(c.ints, SEQ, c.ints[SEQ] + 1);
    Atomics.notify(c.ints, SEQ);
  }

  /** Blocks until the call started last has finished. */
  finish(): void {
    const c = this.c;
    const seq = c.ints[SEQ];
    for (let done = Atomics.load(c.ints, DONE); done !== seq; done = Atomics.load(c.ints, DONE)) {
      Atomics.wait(c.ints, DONE, done);
    }
    if (c.ints[STATUS] !== 0) throw new Error(`${this.names[c.ints[KERNEL]]} failed on the helper thread`);
  }

  async stop(): Promise<void> {
    this.c.ints[KERNEL] = STOP;
    Atomics.store(this.c.ints, SEQ, this.c.ints[SEQ] + 1);
    Atomics.notify(this.c.ints, SEQ);
    await this.worker.terminate();
  }
}
/** The largest matrix the runtime's memory32 can hold beside its scratch. */
const MAX_MATRIX_BYTES = 4 * 1024 ** 3 - (64 << 20);

export class VectorKernels {
  /** Buffers of the arrays allocated here: only those can be scanned without a copy. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private scratch?: { q: Float32Array; out: Float32Array };
  private int8Query?: Int8Array;
  private scoreBuffer?: Float32Array;

  /** The helper threads started so far (scans use these). */
  private readonly helpers: SyncHelper[] = [];
  private readonly starting: Promise<void>;

  private constructor(
    readonly runtime: KernelRuntime,
    helpers: number,
  ) {
    const memory = runtime.arena.memory;
    this.starting = Promise.all(
      Array.from({ length: helpers }, async () => {
        this.helpers.push(await SyncHelper.start(memory));
      }),
    ).then(() => undefined);
    // A helper that fails to start leaves the scans to the other threads; ready() reports why.
    this.starting.catch(() => {});
  }

  /**
   * Starts a runtime and `threads - 1` helper threads (default: one per core, at most 4; in Node
   * only). Long scans are split between the calling thread and the helpers. The helpers start in
   * the background (a worker takes ~0.1-0.2 s to come up, which a load overlaps): each joins the
   * scans once it is up; `await ready()` waits for all of them.
   */
  static async create(opts: { threads?: number } = {}): Promise<VectorKernels> {
    const runtime = await createRuntime({ threads: 0 });
    const isNode = typeof process !== "undefined" && process.versions?.node !== undefined;
    let threads = 1;
    if (isNode) {
      const { availableParallelism } = await import("node:os");
      threads = opts.threads ?? Math.min(4, availableParallelism());
    }
    return new VectorKernels(runtime, Math.max(0, threads - 1));
  }

  /** Resolves when every helper thread is up (rejects if one failed to start). */
  ready(): Promise<void> {
    return this.starting;
  }

  /** Threads a long scan runs on now (the caller's included). */
  get threads(): number {
    return this.helpers.length + 1;
  }

  /** True when a matrix of `length` float32 fits in the runtime's memory. */
  static fits(length: number): boolean {
    return length * 4 <= MAX_MATRIX_BYTES;
  }

  /** Allocates a matrix in the shared memory (pass as the loaders' `allocate`). */
  readonly allocate = (length: number): Float32Array => {
    if (!VectorKernels.fits(length)) {
      throw new EmbedlmError(`${length} float32 do not fit in the 4 GiB WebAssembly memory`, {
        field: "vectors",
      });
    }
    const a = this.runtime.arena.f32(length);
    this.buffers.add(a.buffer);
    return a;
  };

  /** True when `vectors` lives in this runtime's memory. */
  owns(vectors: ArrayBufferView): boolean {
    return this.buffers.has(vectors.buffer);
  }

  /** A copy of `vectors` in the shared memory. */
  adopt(vectors: Float32Array): Float32Array {
    if (this.owns(vectors)) return vectors;
    const a = this.allocate(vectors.length);
    a.set(vectors);
    return a;
  }

  /**
   * The scanner for matrices (and scales) allocated here; same contract as scaledDotRows. Rows go
   * in chunks straight into `out` when it lives here too, else through a scratch block.
   */
  readonly scan: RowScanner = (vectors, dim, q, scale, from, to, out) => {
    if (!this.owns(vectors) || !this.owns(scale)) {
      throw new Error("VectorKernels.scan: the matrix or its scale is not in the kernel memory");
    }
    const direct = this.owns(out);
    const s = this.scratchFor(dim, direct ? 0 : Math.min(to - from, ROWS_PER_CALL));
    s.q.set(q.subarray(0, dim));
    const base = [vectors.byteOffset, dim, s.q.byteOffset, scale.byteOffset];
    if (direct) {
      this.split("vecScaledDotRows", from, to, (a, b) => [...base, a, b, out.byteOffset + 4 * (a - from)]);
      return;
    }
    const kernel = this.runtime.kernels.vecScaledDotRows;
    for (let r = from; r < to; r += ROWS_PER_CALL) {
      const end = Math.min(to, r + ROWS_PER_CALL);
      kernel(...base, r, end, s.out.byteOffset);
      out.set(s.out.subarray(0, end - r), r - from);
    }
  };

  /**
   * Runs `kernel` on rows [from, to), args(a, b) being its arguments for rows [a, b): a long run is
   * split in equal shares, the helpers taking the first ones and this thread the last (in calls of
   * ROWS_PER_CALL rows).
   */
  private split(kernel: string, from: number, to: number, args: (a: number, b: number) => number[]): void {
    const helpers = to - from >= PARALLEL_MIN_ROWS ? this.helpers : [];
    const share = Math.ceil((to - from) / (helpers.length + 1));
    helpers.forEach((h, i) => {
      h.start(kernel, args(from + i * share, from + (i + 1) * share));
    });
    const fn = this.runtime.kernels[kernel];
    for (let r = from + helpers.length * share; r < to; r += ROWS_PER_CALL) {
      fn(...args(r, Math.min(to, r + ROWS_PER_CALL)));
    }
    for (const h of helpers) h.finish();
  }

  /** The int8 copy of rows [0, rows) of `vectors` scaled by `inv` (vecQuantizeRows), allocated here. */
  quantize(vectors: Float32Array, dim: number, inv: Float32Array, rows: number): Int8Rows {
    const stride = int8Stride(dim);
    const bytes = this.runtime.arena.u8(rows * stride);
    this.buffers.add(bytes.buffer);
    const codes = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    const scales = this.allocate(rows);
    const kernel = this.runtime.kernels.vecQuantizeRows;
    let maxErr = 0;
    for (let r = 0; r < rows; r += ROWS_PER_CALL) {
      const end = Math.min(rows, r + ROWS_PER_CALL);
      const args = [
        vectors.byteOffset,
        dim,
        inv.byteOffset,
        r,
        end,
        codes.byteOffset,
        stride,
        scales.byteOffset,
      ];
      maxErr = Math.max(maxErr, kernel(...args));
    }
    return { dim, stride, codes, scales, maxErr };
  }

  /** int8DotRows on the SIMD kernel vecInt8DotRows, across threads; `out` must be allocated here. */
  readonly scanInt8: Int8Scanner = (rows, w, t, from, to, out) => {
    if (!this.owns(rows.codes) || !this.owns(out)) {
      throw new Error("VectorKernels.scanInt8: the codes or the output are not in the kernel memory");
    }
    if (!this.int8Query || this.int8Query.length < rows.stride) {
      const b = this.runtime.arena.u8(rows.stride);
      this.int8Query = new Int8Array(b.buffer, b.byteOffset, b.length);
    }
    const wq = this.int8Query;
    wq.set(w.subarray(0, rows.stride));
    const base = [rows.codes.byteOffset, rows.stride, wq.byteOffset, rows.scales.byteOffset, t];
    this.split("vecInt8DotRows", from, to, (a, b) => [...base, a, b, out.byteOffset + 4 * (a - from)]);
  };

  /** Index of the first NaN or infinite value, or -1 (SIMD for arrays allocated here). */
  readonly firstNonFinite = (values: Float32Array): number => {
    if (!this.owns(values)) return firstNonFinite(values);
    const kernel = this.runtime.kernels.vecFirstNonFinite;
    const step = 1 << 24;
    for (let i = 0; i < values.length; i += step) {
      const n = Math.min(step, values.length - i);
      const bad = kernel(values.byteOffset + 4 * i, n);
      if (bad !== -1) return i + bad;
    }
    return -1;
  };

  /** out[r] = 1 / ‖row r‖ (0 for all-zero rows); both arrays allocated here. */
  inverseNorms(vectors: Float32Array, dim: number, out: Float32Array): void {
    const kernel = this.runtime.kernels.vecInverseNorms;
    for (let r = 0; r < out.length; r += ROWS_PER_CALL) {
      kernel(vectors.byteOffset, dim, r, Math.min(out.length, r + ROWS_PER_CALL), out.byteOffset);
    }
  }

  /** A scores buffer in the kernel memory, reused while it is big enough (the scan then writes straight into it). */
  scores(length: number): Float32Array {
    if (!this.scoreBuffer || this.scoreBuffer.length < length) this.scoreBuffer = this.allocate(length);
    return this.scoreBuffer.subarray(0, length);
  }

  private scratchFor(dim: number, rows: number): { q: Float32Array; out: Float32Array } {
    const s = this.scratch;
    if (s && s.q.length >= dim && s.out.length >= rows) return s;
    this.scratch = {
      q: this.runtime.arena.f32(Math.max(dim, s?.q.length ?? 0)),
      out: this.runtime.arena.f32(Math.max(rows, s?.out.length ?? 0)),
    };
    return this.scratch;
  }

  async close(): Promise<void> {
    await this.starting.catch(() => {});
    await Promise.all(this.helpers.map((h) => h.stop()));
    await this.runtime.close();
  }
}

let shared: Promise<VectorKernels> | undefined;

/** One runtime per process for the vectors (created on first use). */
export function sharedVectorKernels(): Promise<VectorKernels> {
  shared ??= VectorKernels.create();
  return shared;
}
