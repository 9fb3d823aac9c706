// The full word2vec model on disk (embedlm's native format): enough to continue training to the
// same schedule. Layout: the line "embedlm-word2vec 1", one line of JSON (options, vocabulary,
// schedule state, per-thread random states, epoch history), then little-endian float32 matrices
// without row padding: syn0 [V x dim], syn1neg [V x dim] when negative > 0, syn1 [(V-1) x dim] when hs.

import { readFile } from "node:fs/promises";
import { withAtomicStream, writeChunk } from "../../util/atomic.js";
import { EmbedlmError } from "../../util/errors.js";
import type { EpochStats, ResolvedOptions } from "./options.js";

const MAGIC = "embedlm-word2vec 1\n";

export interface CheckpointState {
  options: ResolvedOptions;
  words: string[];
  counts: number[];
  /** Epochs completed. */
  epochsDone: number;
  /** In-vocabulary words handed to the kernels so far (drives the learning-rate schedule). */
  wordsDone: number;
  /** xoshiro128** state of each training thread. */
  threadRng: number[][];
  history: EpochStats[];
}

export interface Matrices {
  dim: number;
  stride: number;
  syn0: Float32Array;
  syn1neg: Float32Array;
  syn1: Float32Array;
}

/** Writes the checkpoint atomically (a temporary file renamed over `path`). */
export async function saveCheckpoint(path: string, state: CheckpointState, m: Matrices): Promise<void> {
  await withAtomicStream(path, async (out) => {
    await writeChunk(out, `${MAGIC}${JSON.stringify(state)}\n`);
    for (const mat of [m.syn0, m.syn1neg, m.syn1]) {
      const rows = mat.length / m.stride;
      const chunkRows = 4096;
      for (let r0 = 0; r0 < rows; r0 += chunkRows) {
        const n = Math.min(chunkRows, rows - r0);
        const buf = new Float32Array(n * m.dim);
        for (let r = 0; r < n; r++)
          buf.set(mat.subarray((r0 + r) * m.stride, (r0 + r) * m.stride + m.dim), r * m.dim);
        await writeChunk(out, new Uint8Array(buf.buffer));
      }
    }
  });
}

/** Reads a checkpoint; the matrices are copied into `alloc`ated rows of `stride` floats. */
export async function loadCheckpoint(
  path: string,
): Promise<{ state: CheckpointState; read: (into: Matrices) => void }> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    throw new EmbedlmError(`cannot read the checkpoint: ${(e as NodeJS.ErrnoException).code ?? e}`, {
      file: path,
    });
  }
  if (data.subarray(0, MAGIC.length).toString("latin1") !== MAGIC)
    throw new EmbedlmError("not an embedlm word2vec checkpoint", { file: path, offset: 0 });
  const nl = data.indexOf(10, MAGIC.length);
  let state: CheckpointState;
  try {
    state = JSON.parse(data.subarray(MAGIC.length, nl).toString("utf8")) as CheckpointState;
  } catch {
    throw new EmbedlmError("the checkpoint's header is not valid JSON", { file: path, line: 2 });
  }
  const o = state.options;
  const v = state.words.length;
  const sizes = [v, o.negative > 0 ? v : 0, o.hs ? Math.max(0, v - 1) : 0];
  const expected = nl + 1 + sizes.reduce((s, rows) => s + rows * o.vectorSize * 4, 0);
  if (data.length !== expected)
    throw new EmbedlmError(`the checkpoint has ${data.length} bytes, expected ${expected} (truncated?)`, {
      file: path,
    });
  return {
    state,
    read(into) {
      let off = nl + 1;
      [into.syn0, into.syn1neg, into.syn1].forEach((mat, i) => {
        const bytes = sizes[i] * into.dim * 4;
        const src = new Float32Array(data.buffer.slice(data.byteOffset + off, data.byteOffset + off + bytes));
        for (let r = 0; r < sizes[i]; r++)
          mat.set(src.subarray(r * into.dim, (r + 1) * into.dim), r * into.stride);
        off += bytes;
      });
    },
  };
}
