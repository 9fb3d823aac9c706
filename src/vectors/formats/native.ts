// embedlm's own format, laid out so the matrix loads with one read straight into its final place:
//
//   "EMBEDLMV" | u32 LE header length H | H bytes of JSON header | vocabulary: words joined by "\n"
//   | counts: float64 LE per word (if header.counts) | zero padding to a multiple of 64 | matrix
//
// The matrix is [count x dim] row-major little-endian: float32, float16, or int8 with a float32
// scale per row (stored first, count x f32, then count x dim int8; value = q * scale).
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { withAtomicStream, writeChunk } from "../../util/atomic.js";
import { EmbedlmError } from "../../util/errors.js";
import {
  applyDtype,
  defaultAllocate,
  firstNonFinite,
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

export function readNative(file: string, opts: ReadOptions = {}): VectorData {
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
    const vbuf = Buffer.allocUnsafe(h.vocabBytes);
    readFully(fd, vbuf, vocabAt, file);
    const all = h.vocabBytes === 0 ? [] : vbuf.toString("utf8").split("\n");
    if (all.length !== count) {
      throw new EmbedlmError(`the vocabulary holds ${all.length} words but the header says ${count}`, {
        file,
        offset: vocabAt,
      });
    }
    const table = new WordTable(file, "error");
    // One location for every word (the error names the row): a string per word cost ~0.2 s at 400k words.
    const where = { offset: vocabAt, field: "vocabulary" };
    for (let i = 0; i < rows; i++) table.add(all[i], where);
    let counts: Float64Array | undefined;
    if (h.counts) {
      counts = new Float64Array(rows);
      readFully(fd, new Uint8Array(counts.buffer), countsAt, file);
    }
    const vectors = (opts.allocate ?? defaultAllocate)(rows * dim);
    const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
    if (dtype === "float32") readFully(fd, bytes, dataAt, file);
    else readConverted(fd, file, dtype, dataAt, rows, count, dim, vectors);
    const bad = (opts.firstNonFinite ?? firstNonFinite)(vectors);
    if (bad !== -1) {
      const r = Math.floor(bad / dim);
      const j = bad % dim;
      throw new EmbedlmError(`value ${vectors[bad]} is not finite`, {
        file,
        offset: dataAt + scalesBytes + (r * dim + j) * valueBytes(dtype),
        field: `'${all[r]}' value ${j + 1}`,
      });
    }
    applyDtype(vectors, 0, vectors.length, opts.dtype ?? "float32");
    return { words: table.words, dim, vectors, counts, wordIndex: table.index };
  } finally {
    closeSync(fd);
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
