// The WebAssembly SIMD scan for KeyedVectors: the matrix is allocated in the kernel runtime's shared
// memory (so it exists once), and queries score its rows with vecScaledDotRows (assembly/vectors.ts)
// instead of the TypeScript reference scaledDotRows (src/vectors/topk.ts).
import { createRuntime, type KernelRuntime } from "../kernels/index.js";
import { EmbedlmError } from "../util/errors.js";
import type { RowScanner } from "./keyed-vectors.js";

/** Rows per kernel call: a few ms of work, so V8 tiers the module up and calls stay cheap. */
const ROWS_PER_CALL = 16384;
/** The largest matrix the runtime's memory32 can hold beside its scratch. */
const MAX_MATRIX_BYTES = 4 * 1024 ** 3 - (64 << 20);

export class VectorKernels {
  /** Buffers of the arrays allocated here: only those can be scanned without a copy. */
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private scratch?: { q: Float32Array; out: Float32Array };
  private scoreBuffer?: Float32Array;

  private constructor(readonly runtime: KernelRuntime) {}

  /** Starts a runtime on the main thread (the queries are synchronous, so they run there). */
  static async create(): Promise<VectorKernels> {
    return new VectorKernels(await createRuntime({ threads: 0 }));
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
  owns(vectors: Float32Array): boolean {
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
    const kernel = this.runtime.kernels.vecScaledDotRows;
    for (let r = from; r < to; r += ROWS_PER_CALL) {
      const end = Math.min(to, r + ROWS_PER_CALL);
      if (direct)
        kernel(
          vectors.byteOffset,
          dim,
          s.q.byteOffset,
          scale.byteOffset,
          r,
          end,
          out.byteOffset + 4 * (r - from),
        );
      else {
        kernel(vectors.byteOffset, dim, s.q.byteOffset, scale.byteOffset, r, end, s.out.byteOffset);
        out.set(s.out.subarray(0, end - r), r - from);
      }
    }
  };

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

  close(): Promise<void> {
    return this.runtime.close();
  }
}

let shared: Promise<VectorKernels> | undefined;

/** One runtime per process for the vectors (created on first use). */
export function sharedVectorKernels(): Promise<VectorKernels> {
  shared ??= VectorKernels.create();
  return shared;
}
