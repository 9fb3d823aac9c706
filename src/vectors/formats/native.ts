// embedlm's own format, laid out so the matrix loads with one read straight into its final place:
//
//   "EMBEDLMV" | u32 LE header length H | H bytes of JSON header | vocabulary: words joined by "\n"
//   | counts: float64 LE per word (if header.counts) | zero padding to a multiple of 64 | matrix
//
// The matrix is [count x dim] row-major little-endian: float32, float16, or int8 with a float32
// scale per row (stored first, count x f32, then count x dim int8; value = q * scale).
import { isUtf8 } from "node:buffer";
import { closeSync, fstatSync, openSync, read, readSync } from "node:fs";
import { withAtomicStream, writeChunk } from "../../util/atomic.js";
import { EmbedlmError } from "../../util/errors.js";
import { hashLines } from "../word-index.js";
import {
  checkAndRound,
  defaultAllocate,
  float16Bits,
  float16ToNumber,
  type ReadOptions,
  type VectorData,
  WordTable,
} from "./data.js";

export const NATIVE_MAGIC = "EMBEDLMV";
const ALIGN = 64;

/** How the native format stores values. */
export type NativeDtype = "float32" | "float16" | "int8";

interface NativeHeader {
  format: "embedlm-vectors";
  version: 1;
  count: number;
  dim: number;
  dtype: NativeDtype;
  counts: boolean;
  vocabBytes: number;
}

const BIG_READ = 1 << 30;

function readFully(fd: number, into: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(BIG_READ, into.length - done), position + done);
    if (n === 0) {
      throw new EmbedlmError(`the file ends ${into.length - done} bytes early (truncated)`, {
        file,
        offset: position + done,
      });
    }
    done += n;
  }
}

function valueBytes(dtype: NativeDtype): number {
  return dtype === "float32" ? 4 : dtype === "float16" ? 2 : 1;
}

/** Where the parts of an opened native file lie (the header checked against the file size). */
interface NativeFile {
  file: string;
  fd: number;
  count: number;
  dim: number;
  dtype: NativeDtype;
  header: NativeHeader;
  vocabAt: number;
  countsAt: number;
  dataAt: number;
  scalesBytes: number;
  /** Rows to read (count, or `limit` when smaller). */
  rows: number;
}

function openNative(file: string, opts: ReadOptions): NativeFile {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new EmbedlmError(`cannot open: ${(e as Error).message}`, { file });
  }
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(12);
    readFully(fd, head, 0, file);
    if (head.toString("latin1", 0, 8) !== NATIVE_MAGIC)
      throw new EmbedlmError("not an embedlm vectors file (bad magic bytes)", { file, offset: 0 });
    const hlen = head.readUInt32LE(8);
    if (12 + hlen > size)
      throw new EmbedlmError("the header runs past the end of the file", { file, offset: 8 });
    const hbuf = Buffer.alloc(hlen);
    readFully(fd, hbuf, 12, file);
    let h: NativeHeader;
    try {
      h = JSON.parse(hbuf.toString("utf8")) as NativeHeader;
    } catch {
      throw new EmbedlmError("the JSON header does not parse", { file, offset: 12 });
    }
    const okDtype = h.dtype === "float32" || h.dtype === "float16" || h.dtype === "int8";
    if (
      h.format !== "embedlm-vectors" ||
      h.version !== 1 ||
      !Number.isInteger(h.count) ||
      h.count < 0 ||
      !Number.isInteger(h.dim) ||
      h.dim < 1 ||
      !okDtype ||
      !Number.isInteger(h.vocabBytes)
    ) {
      throw new EmbedlmError(`unsupported or invalid header ${hbuf.toString("utf8").slice(0, 200)}`, {
        file,
        offset: 12,
      });
    }
    const { count, dim, dtype } = h;
    const vocabAt = 12 + hlen;
    const countsAt = vocabAt + h.vocabBytes + ((8 - ((vocabAt + h.vocabBytes) % 8)) % 8);
    const countsEnd = h.counts ? countsAt + 8 * count : vocabAt + h.vocabBytes;
    const dataAt = countsEnd + ((ALIGN - (countsEnd % ALIGN)) % ALIGN);
    const scalesBytes = dtype === "int8" ? 4 * count : 0;
    const expected = dataAt + scalesBytes + count * dim * valueBytes(dtype);
    if (size !== expected) {
      throw new EmbedlmError(
        `the header describes ${count} x ${dim} ${dtype} (${expected} bytes) but the file has ${size} bytes${size < expected ? " (truncated)" : ""}`,
        { file, offset: 12 },
      );
    }
    const rows = Math.min(count, opts.limit ?? Number.POSITIVE_INFINITY);
    return { file, fd, count, dim, dtype, header: h, vocabAt, countsAt, dataAt, scalesBytes, rows };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The vocabulary (all `count` words, and the table of the first `rows`) and the counts. */
function readVocabulary(f: NativeFile): { all: string[]; table: WordTable; counts?: Float64Array } {
  const { file, fd, header: h, count, vocabAt, rows } = f;
  const vbuf = Buffer.allocUnsafe(h.vocabBytes);
  readFully(fd, vbuf, vocabAt, file);
  if (!isUtf8(vbuf)) throw new EmbedlmError("the vocabulary is not valid UTF-8", { file, offset: vocabAt });
  const all = h.vocabBytes === 0 ? [] : vbuf.toString("utf8").split("\n");
  if (all.length !== count) {
    throw new EmbedlmError(`the vocabulary holds ${all.length} words but the header says ${count}`, {
      file,
      offset: vocabAt,
    });
  }
  const hashes = new Int32Array(count);
  if (count > 0) hashLines(vbuf, hashes);
  const table = new WordTable(file, "error", rows);
  // One location for every word (the error names the row): a string per word cost ~0.2 s at 400k words.
  const where = { offset: vocabAt, field: "vocabulary" };
  for (let i = 0; i < rows; i++) table.add(all[i], where, hashes[i]);
  let counts: Float64Array | undefined;
  if (h.counts) {
    counts = new Float64Array(rows);
    readFully(fd, new Uint8Array(counts.buffer), f.countsAt, file);
  }
  return { all, table, counts };
}

/** The checks and the dtype rounding every loaded matrix goes through. */
function finish(
  f: NativeFile,
  vocab: { all: string[]; table: WordTable; counts?: Float64Array },
  vectors: Float32Array,
  opts: ReadOptions,
): VectorData {
  const { file, dim, dtype } = f;
  const bad = checkAndRound(vectors, opts);
  if (bad !== undefined) {
    const r = Math.floor(bad.index / dim);
    const j = bad.index % dim;
    throw new EmbedlmError(`value ${vectors[bad.index]} ${bad.problem}`, {
      file,
      offset: f.dataAt + f.scalesBytes + (r * dim + j) * valueBytes(dtype),
      field: `'${vocab.all[r]}' value ${j + 1}`,
    });
  }
  const { table, counts } = vocab;
  return { words: table.words, dim, vectors, counts, wordIndex: table.index };
}

export function readNative(file: string, opts: ReadOptions = {}): VectorData {
  return readOpened(openNative(file, opts), opts);
}

function readOpened(f: NativeFile, opts: ReadOptions): VectorData {
  const { file } = f;
  try {
    const vocab = readVocabulary(f);
    const vectors = (opts.allocate ?? defaultAllocate)(f.rows * f.dim);
    if (f.dtype === "float32") {
      readFully(f.fd, new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength), f.dataAt, file);
    } else readConverted(f.fd, file, f.dtype, f.dataAt, f.rows, f.count, f.dim, vectors);
    return finish(f, vocab, vectors, opts);
  } finally {
    closeSync(f.fd);
  }
}

/** Bytes per read of readNativeParallel: the thread pool runs four at a time. */
const PARALLEL_PART = 32 << 20;

/**
 * readNative with the float32 matrix read in parts on libuv's thread pool, while this thread builds
 * the vocabulary: the page faults of filling fresh memory (most of a load from the page cache) are
 * taken on every core. Other dtypes are read as readNative reads them.
 */
export async function readNativeParallel(
  file: string,
  opts: ReadOptions = {},
  partBytes = PARALLEL_PART,
): Promise<VectorData> {
  const f = openNative(file, opts);
  if (f.dtype !== "float32") return readOpened(f, opts);
  const vectors = (opts.allocate ?? defaultAllocate)(f.rows * f.dim);
  const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  const readPart = (at: number, end: number): Promise<void> =>
    new Promise((resolve, reject) => {
      read(f.fd, bytes, at, end - at, f.dataAt + at, (e, n) => {
        if (e) reject(new EmbedlmError(`read failed: ${e.message}`, { file, offset: f.dataAt + at }));
        else if (n === 0) {
          reject(new EmbedlmError("the file ends early (truncated)", { file, offset: f.dataAt + at }));
        } else if (at + n < end) readPart(at + n, end).then(resolve, reject);
        else resolve();
      });
    });
  const parts: Promise<void>[] = [];
  for (let at = 0; at < bytes.length; at += partBytes) {
    parts.push(readPart(at, Math.min(bytes.length, at + partBytes)));
  }
  try {
    const vocab = readVocabulary(f);
    await Promise.all(parts);
    return finish(f, vocab, vectors, opts);
  } finally {
    // The descriptor stays open until no read can still use it.
    await Promise.allSettled(parts);
    closeSync(f.fd);
  }
}

/** Reads float16 or int8 rows in blocks and widens them to float32. */
function readConverted(
  fd: number,
  file: string,
  dtype: "float16" | "int8",
  dataAt: number,
  rows: number,
  count: number,
  dim: number,
  vectors: Float32Array,
): void {
  const width = valueBytes(dtype);
  let scales: Float32Array | undefined;
  let at = dataAt;
  if (dtype === "int8") {
    scales = new Float32Array(rows);
    readFully(fd, new Uint8Array(scales.buffer), dataAt, file);
    at += 4 * count;
  }
  const blockRows = Math.max(1, Math.floor((8 << 20) / (dim * width)));
  const block = Buffer.allocUnsafe(blockRows * dim * width);
  for (let r0 = 0; r0 < rows; r0 += blockRows) {
    const n = Math.min(blockRows, rows - r0);
    const view = block.subarray(0, n * dim * width);
    readFully(fd, view, at + r0 * dim * width, file);
    if (dtype === "float16") {
      for (let i = 0; i < n * dim; i++) vectors[r0 * dim + i] = float16ToNumber(view.readUInt16LE(2 * i));
    } else {
      for (let r = 0; r < n; r++) {
        const s = scales![r0 + r];
        for (let j = 0; j < dim; j++) vectors[(r0 + r) * dim + j] = view.readInt8(r * dim + j) * s;
      }
    }
  }
}

/** Writes the native format (see the top of this file) atomically. */
export async function writeNative(
  file: string,
  data: VectorData,
  dtype: NativeDtype = "float32",
): Promise<void> {
  const { words, dim, vectors, counts } = data;
  const count = words.length;
  const vocab = Buffer.from(words.join("\n"), "utf8");
  const header: NativeHeader = {
    format: "embedlm-vectors",
    version: 1,
    count,
    dim,
    dtype,
    counts: counts !== undefined,
    vocabBytes: vocab.length,
  };
  const hbuf = Buffer.from(JSON.stringify(header), "utf8");
  const head = Buffer.alloc(12);
  head.write(NATIVE_MAGIC, 0, "latin1");
  head.writeUInt32LE(hbuf.length, 8);
  await withAtomicStream(file, async (out) => {
    let at = 0;
    const put = async (b: Uint8Array) => {
      await writeChunk(out, b);
      at += b.length;
    };
    await put(head);
    await put(hbuf);
    await put(vocab);
    if (counts) {
      await put(new Uint8Array((8 - (at % 8)) % 8));
      await put(new Uint8Array(counts.buffer, counts.byteOffset, counts.byteLength));
    }
    await put(new Uint8Array((ALIGN - (at % ALIGN)) % ALIGN));
    if (dtype === "float32") {
      // Views, not copies: the matrix is not touched until the stream has taken every piece.
      const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
      for (let i = 0; i < bytes.length; i += 64 << 20) await put(bytes.subarray(i, i + (64 << 20)));
      return;
    }
    const blockRows = Math.max(1, Math.floor((8 << 20) / (dim * 4)));
    if (dtype === "int8") {
      const scales = new Float32Array(count);
      for (let r = 0; r < count; r++) {
        let m = 0;
        for (let j = 0; j < dim; j++) m = Math.max(m, Math.abs(vectors[r * dim + j]));
        scales[r] = m / 127;
      }
      await put(new Uint8Array(scales.buffer));
      for (let r0 = 0; r0 < count; r0 += blockRows) {
        const n = Math.min(blockRows, count - r0);
        const q = new Int8Array(n * dim);
        for (let r = 0; r < n; r++) {
          const s = scales[r0 + r];
          const inv = s === 0 ? 0 : 1 / s;
          for (let j = 0; j < dim; j++) q[r * dim + j] = Math.round(vectors[(r0 + r) * dim + j] * inv);
        }
        await put(new Uint8Array(q.buffer));
      }
      return;
    }
    for (let r0 = 0; r0 < count; r0 += blockRows) {
      const n = Math.min(blockRows, count - r0);
      const h16 = new Uint16Array(n * dim);
      for (let i = 0; i < n * dim; i++) h16[i] = float16Bits(vectors[r0 * dim + i]);
      await put(new Uint8Array(h16.buffer));
    }
  });
}
