// The full word2vec model on disk (embedlm's native format): enough to continue training to the
// same schedule. Layout: the line "embedlm-word2vec 1", one line of JSON (options, vocabulary,
// schedule state, per-thread random states, epoch history), then little-endian float32 matrices
// without row padding: syn0 [V x dim], syn1neg [V x dim] when negative > 0, syn1 [(V-1) x dim] when hs.

import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { Tokenizer, type TokenizerOptions } from "../../text/tokenizer.js";
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
  /**
   * The tokenizer's settings (`tokenizerSettings`), so a resumed run splits words as the first did.
   * Checkpoints written before it was saved lack it: they are read as the trainer's default
   * (`DEFAULT_TOKENIZER`), which is what the CLI used without --tokenizer/--lowercase; a run made
   * with other settings cannot be told apart.
   */
  tokenizer?: TokenizerOptions;
}

/** The trainer's tokenizer when none is given: word2vec.c's whitespace split, text as is. */
export const DEFAULT_TOKENIZER: TokenizerOptions = { mode: "whitespace" };

/**
 * A tokenizer's settings as plain JSON: whitespace mode keeps only what applies to it (mode,
 * lowercase, stopwords); the unicode mode keeps every setting, an unlimited maxLength left out.
 */
export function tokenizerSettings(t: Tokenizer): TokenizerOptions {
  const o = t.options;
  const out: TokenizerOptions =
    o.mode === "whitespace"
      ? { mode: o.mode, lowercase: o.lowercase }
      : { ...o, maxLength: Number.isFinite(o.maxLength) ? o.maxLength : undefined };
  if (o.stopwords !== undefined) out.stopwords = o.stopwords;
  for (const k of Object.keys(out) as (keyof TokenizerOptions)[]) if (out[k] === undefined) delete out[k];
  return out;
}

/**
 * The first tokenizer setting in which `a` and `b` differ (after filling defaults), with both
 * values, or undefined when they split words the same way.
 */
export function tokenizerDifference(
  a: TokenizerOptions,
  b: TokenizerOptions,
): { setting: string; a: unknown; b: unknown } | undefined {
  const sa = tokenizerSettings(new Tokenizer(a));
  const sb = tokenizerSettings(new Tokenizer(b));
  const keys = new Set([...Object.keys(sa), ...Object.keys(sb)]) as Set<keyof TokenizerOptions>;
  for (const k of keys) {
    if (JSON.stringify(sa[k]) !== JSON.stringify(sb[k])) return { setting: k, a: sa[k], b: sb[k] };
  }
  return undefined;
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

function parseHeader(path: string, data: Buffer, nl: number): CheckpointState {
  if (data.subarray(0, MAGIC.length).toString("latin1") !== MAGIC)
    throw new EmbedlmError("not an embedlm word2vec checkpoint", { file: path, offset: 0 });
  try {
    return JSON.parse(data.subarray(MAGIC.length, nl).toString("utf8")) as CheckpointState;
  } catch {
    throw new EmbedlmError("the checkpoint's header is not valid JSON", { file: path, line: 2 });
  }
}

/**
 * A checkpoint's header, the offset of its first matrix and the file's size, read without the
 * matrices. Each block read is searched for the header's end once (a million-word vocabulary makes a
 * header of tens of MB).
 */
async function readHeader(path: string): Promise<{ state: CheckpointState; dataAt: number; size: number }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw new EmbedlmError(`cannot read the checkpoint: ${(e as NodeJS.ErrnoException).code ?? e}`, {
      file: path,
    });
  }
  try {
    const { size } = await fh.stat();
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const buf = Buffer.alloc(1 << 16);
      const { bytesRead } = await fh.read(buf, 0, buf.length, length);
      const chunk = buf.subarray(0, bytesRead);
      chunks.push(chunk);
      const at = chunk.indexOf(10, Math.max(0, MAGIC.length - length));
      length += bytesRead;
      if (at >= 0 || bytesRead === 0) {
        const data = Buffer.concat(chunks);
        const end = at < 0 ? data.length : length - bytesRead + at;
        return { state: parseHeader(path, data, end), dataAt: end + 1, size };
      }
    }
  } finally {
    await fh.close();
  }
}

/** Reads only a checkpoint's header (options, vocabulary, schedule), not its matrices. */
export async function readCheckpointHeader(path: string): Promise<CheckpointState> {
  return (await readHeader(path)).state;
}

/**
 * Reads a checkpoint; `read` copies the matrices into rows of `stride` floats. The matrices are read
 * in blocks of rows, never the whole file at once: a large model's checkpoint can pass 2 GiB, more
 * than Node reads into one buffer, and the rows go straight to their place in the training memory.
 */
export async function loadCheckpoint(
  path: string,
): Promise<{ state: CheckpointState; read: (into: Matrices) => void }> {
  const { state, dataAt, size } = await readHeader(path);
  const o = state.options;
  const v = state.words.length;
  const sizes = [v, o.negative > 0 ? v : 0, o.hs ? Math.max(0, v - 1) : 0];
  const expected = dataAt + sizes.reduce((s, rows) => s + rows * o.vectorSize * 4, 0);
  if (size !== expected)
    throw new EmbedlmError(`the checkpoint has ${size} bytes, expected ${expected} (truncated?)`, {
      file: path,
    });
  return {
    state,
    read(into) {
      const fd = openSync(path, "r");
      try {
        let off = dataAt;
        const blockRows = 4096;
        const block = new Float32Array(blockRows * into.dim);
        const bytes = new Uint8Array(block.buffer);
        [into.syn0, into.syn1neg, into.syn1].forEach((mat, i) => {
          for (let r0 = 0; r0 < sizes[i]; r0 += blockRows) {
            const n = Math.min(blockRows, sizes[i] - r0);
            const want = n * into.dim * 4;
            for (let got = 0; got < want; ) {
              const k = readSync(fd, bytes, got, want - got, off + got);
              if (k === 0)
                throw new EmbedlmError("the checkpoint ended early", { file: path, offset: off + got });
              got += k;
            }
            for (let r = 0; r < n; r++)
              mat.set(block.subarray(r * into.dim, (r + 1) * into.dim), (r0 + r) * into.stride);
            off += want;
          }
        });
      } finally {
        closeSync(fd);
      }
    },
  };
}
