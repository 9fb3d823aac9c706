// The one streaming parser behind every text format (word2vec text, GloVe, fastText .vec): a line is
// a word and `dim` numbers separated by spaces or tabs. Bytes are parsed in place from fixed-size
// chunks straight into the matrix, so memory stays at the matrix plus one chunk.
import { isUtf8 } from "node:buffer";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { EmbedlmError } from "../../util/errors.js";
import {
  defaultAllocate,
  type LoadDtype,
  type ReadOptions,
  roundToFloat16,
  type VectorData,
  WordTable,
} from "./data.js";

/** Read size: large enough for few system calls, small next to the matrix. */
const CHUNK = 2 << 20;
const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/** Exact powers of ten: a <= 15-digit integer times or over one of these rounds once, correctly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Position just past the last number parsed by parseNumber (an out-parameter without allocation). */
let numberEnd = 0;

/**
 * Parses the number starting at buf[i] and ending at a space, tab or `end`; NaN when the bytes are
 * not a decimal number. With at most 15 digits and a small exponent the digits form an exact integer
 * and one multiplication or division by an exact power of ten rounds once, correctly; anything
 * longer goes through Number(), which also rounds once.
 */
function parseNumber(buf: Uint8Array, i: number, end: number): number {
  const start = i;
  let c = buf[i];
  let neg = false;
  if (c === 45) {
    neg = true;
    i++;
  } else if (c === 43) i++;
  let mant = 0;
  let digits = 0;
  let exp = 0;
  for (; i < end; i++) {
    const d = (buf[i] - 48) >>> 0;
    if (d > 9) break;
    mant = mant * 10 + d;
    digits++;
  }
  if (i < end && buf[i] === 46) {
    i++;
    for (; i < end; i++) {
      const d = (buf[i] - 48) >>> 0;
      if (d > 9) break;
      mant = mant * 10 + d;
      digits++;
      exp--;
    }
  }
  if (digits === 0) return Number.NaN;
  if (i < end) {
    c = buf[i];
    if (c === 101 || c === 69) {
      i++;
      let eneg = false;
      if (buf[i] === 45) {
        eneg = true;
        i++;
      } else if (buf[i] === 43) i++;
      let e = 0;
      let edigits = 0;
      for (; i < end; i++) {
        const d = (buf[i] - 48) >>> 0;
        if (d > 9) break;
        if (e < 100000) e = e * 10 + d;
        edigits++;
      }
      if (edigits === 0) return Number.NaN;
      exp += eneg ? -e : e;
      c = i < end ? buf[i] : SPACE;
    }
    if (c !== SPACE && c !== TAB) return Number.NaN;
  }
  numberEnd = i;
  if (digits > 15 || exp > 22 || exp < -22) return Number(latin1(buf, start, i));
  const v = exp >= 0 ? mant * POW10[exp] : mant / POW10[-exp];
  return neg ? -v : v;
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + from, to - from).toString("latin1");
}

/** Reads a file in chunks, handing out whole lines as [start, end) ranges of the current buffer. */
class LineSource {
  buf = Buffer.allocUnsafe(CHUNK);
  /** Bytes of `buf` holding data. */
  private filled = 0;
  /** Start of the next unread line in `buf`. */
  private pos = 0;
  private eof = false;
  private readonly fd: number;
  /** File offset of buf[0]. */
  private base = 0;
  lineNo = 0;
  lineStart = 0;
  lineEnd = 0;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, "r");
    } catch (e) {
      throw new EmbedlmError(`cannot open: ${(e as Error).message}`, { file });
    }
  }

  size(): number {
    return fstatSync(this.fd).size;
  }

  /** File offset of a position in the current buffer. */
  offsetOf(i: number): number {
    return this.base + i;
  }

  /** Advances to the next line (without its \n or \r\n); false at end of file. */
  next(): boolean {
    for (;;) {
      const nl = this.buf.indexOf(NL, this.pos);
      if (nl !== -1 && nl < this.filled) {
        this.lineStart = this.pos;
        this.lineEnd = nl > this.pos && this.buf[nl - 1] === CR ? nl - 1 : nl;
        this.pos = nl + 1;
        this.lineNo++;
        return true;
      }
      if (this.eof) {
        if (this.pos >= this.filled) return false;
        this.lineStart = this.pos;
        this.lineEnd = this.buf[this.filled - 1] === CR ? this.filled - 1 : this.filled;
        this.pos = this.filled;
        this.lineNo++;
        return true;
      }
      this.refill();
    }
  }

  private refill(): void {
    const rest = this.filled - this.pos;
    if (this.pos === 0 && rest === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, rest);
      this.buf = bigger;
    } else if (rest > 0) this.buf.copy(this.buf, 0, this.pos, this.filled);
    this.base += this.pos;
    this.pos = 0;
    this.filled = rest;
    const n = readSync(this.fd, this.buf, rest, this.buf.length - rest, null);
    if (n === 0) this.eof = true;
    this.filled += n;
    // A UTF-8 byte order mark (Windows editors write one) is not part of the first word.
    if (this.base === 0 && rest === 0 && hasBom(this.buf, this.filled)) this.pos = BOM.length;
    // Zero the byte after the data so lookahead past a line's end never reads stale bytes.
    if (this.filled < this.buf.length) this.buf[this.filled] = 0;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The UTF-8 byte order mark. */
export const BOM = [0xef, 0xbb, 0xbf];

/** Whether the first `n` bytes of `buf` start with a UTF-8 byte order mark. */
export function hasBom(buf: Uint8Array, n: number): boolean {
  return n >= BOM.length && BOM.every((b, i) => buf[i] === b);
}

/** ASCII bytes only: valid UTF-8 without allocating a view to ask isUtf8 (most words of most files). */
function isAscii(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] >= 0x80) return false;
  return true;
}

function isBlank(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== SPACE && buf[i] !== TAB) return false;
  return true;
}

/** Looks like binary data (control bytes other than tab): the usual sign of a binary file read as text. */
function looksBinary(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c < 32 && c !== TAB) return true;
  }
  return !isUtf8(buf.subarray(from, to));
}

const BINARY_HINT =
  "the data is not text (control bytes or invalid UTF-8): this looks like a word2vec binary file; load it with format word2vec-binary (CLI --format word2vec-binary)";

/** Splits the header line "COUNT DIM" of word2vec text/binary and fastText .vec files. */
export function parseHeader(line: string, file: string): { count: number; dim: number } {
  const parts = line.trim().split(/\s+/);
  const ok = parts.length === 2 && parts.every((p) => /^\d+$/.test(p));
  if (!ok) {
    throw new EmbedlmError(`expected a header 'COUNT DIM' (two integers), got '${line.slice(0, 80)}'`, {
      file,
      line: 1,
    });
  }
  const count = Number(parts[0]);
  const dim = Number(parts[1]);
  if (dim < 1) throw new EmbedlmError("the header gives dimension 0", { file, line: 1 });
  return { count, dim };
}

/**
 * Parses one row's numbers into vectors[row*dim ...], rounded to the load dtype; throws with line
 * and column on any problem, a value the dtype cannot hold included.
 */
function parseRow(
  src: LineSource,
  wordEnd: number,
  vectors: Float32Array,
  at: number,
  dim: number,
  dtype: LoadDtype,
): void {
  const buf = src.buf;
  const end = src.lineEnd;
  let i = wordEnd;
  for (let j = 0; j < dim; j++) {
    while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
    if (i >= end) {
      throw new EmbedlmError(`expected ${dim} values after the word, found ${j}`, {
        file: src.file,
        line: src.lineNo,
      });
    }
    const v = parseNumber(buf, i, end);
    // The stored value is checked: a finite double can still overflow float32 or float16.
    const stored = dtype === "float16" ? roundToFloat16(v) : Math.fround(v);
    if (stored - stored !== 0) {
      let e = i;
      while (e < end && buf[e] !== SPACE && buf[e] !== TAB) e++;
      const token = Buffer.from(buf.subarray(i, e)).toString("utf8").slice(0, 40);
      const where = { file: src.file, line: src.lineNo, field: `value ${j + 1}` };
      if (looksBinary(buf, src.lineStart, end)) throw new EmbedlmError(BINARY_HINT, where);
      if (Number.isNaN(v) && !/^[+-]?(nan|inf|infinity)$/i.test(token))
        throw new EmbedlmError(`expected a number, got '${token}'`, where);
      if (v - v === 0) {
        const largest = dtype === "float16" ? "65504" : "3.4028235e38";
        throw new EmbedlmError(`value '${token}' is too large for ${dtype} (largest ${largest})`, where);
      }
      throw new EmbedlmError(`value '${token}' is not finite (NaN or infinity)`, where);
    }
    vectors[at + j] = stored;
    i = numberEnd;
  }
  if (!isBlank(buf, i, end)) {
    let n = dim;
    while (i < end) {
      while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
      if (i < end) n++;
      while (i < end && buf[i] !== SPACE && buf[i] !== TAB) i++;
    }
    throw new EmbedlmError(`expected ${dim} values after the word, found ${n}`, {
      file: src.file,
      line: src.lineNo,
    });
  }
}

/** Finds the end of the word at the start of the current line (the first space or tab). */
function wordEndOf(src: LineSource): number {
  const buf = src.buf;
  let i = src.lineStart;
  while (i < src.lineEnd && buf[i] !== SPACE && buf[i] !== TAB) i++;
  return i;
}

export interface TextLayout {
  /** "header": the first line is "COUNT DIM" (word2vec, fastText .vec); "none": GloVe. */
  header: "header" | "none";
}

/** Reads a text vector file (see TextLayout); validates everything the issue lists as bad input. */
export function readTextVectors(file: string, layout: TextLayout, opts: ReadOptions = {}): VectorData {
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  const dtype = opts.dtype ?? "float32";
  const src = new LineSource(file);
  try {
    let count: number;
    let dim: number;
    if (layout.header === "header") {
      if (!src.next()) throw new EmbedlmError("the file is empty", { file });
      if (looksBinary(src.buf, src.lineStart, src.lineEnd))
        throw new EmbedlmError(BINARY_HINT, { file, line: 1 });
      ({ count, dim } = parseHeader(src.buf.toString("utf8", src.lineStart, src.lineEnd), file));
      // Each row needs at least a one-byte word and "d " per value: a bigger count cannot be true.
      const minBytes = Math.min(count, limit) * (2 * dim + 2);
      if (minBytes > src.size()) {
        throw new EmbedlmError(
          `the header promises ${count} rows of ${dim} values but the file has only ${src.size()} bytes (truncated, or not a text file)`,
          { file, line: 1 },
        );
      }
    } else {
      ({ count, dim } = scanHeaderless(file, limit));
    }
    const rows = Math.min(count, limit);
    const vectors = (opts.allocate ?? defaultAllocate)(rows * dim);
    const table = new WordTable(file, opts.duplicates ?? "error");
    // `read` counts rows in the file, `row` those kept (duplicates skipped under policy "first").
    let read = 0;
    let row = 0;
    for (; read < rows; read++) {
      if (!src.next()) {
        throw new EmbedlmError(
          `the file ends after ${read} rows but ${layout.header === "header" ? "the header promises" : "it had"} ${count} (truncated?)`,
          { file, line: src.lineNo + 1 },
        );
      }
      if (src.lineEnd === src.lineStart || isBlank(src.buf, src.lineStart, src.lineEnd)) {
        throw new EmbedlmError("empty line where a row was expected", { file, line: src.lineNo });
      }
      const wordEnd = wordEndOf(src);
      if (!isAscii(src.buf, src.lineStart, wordEnd) && !isUtf8(src.buf.subarray(src.lineStart, wordEnd))) {
        throw new EmbedlmError(BINARY_HINT, { file, line: src.lineNo });
      }
      const word = src.buf.toString("utf8", src.lineStart, wordEnd);
      parseRow(src, wordEnd, vectors, row * dim, dim, dtype);
      if (table.add(word, { line: src.lineNo })) row++;
    }
    if (opts.limit === undefined) {
      while (src.next()) {
        if (!isBlank(src.buf, src.lineStart, src.lineEnd)) {
          throw new EmbedlmError(
            `the header promises ${count} rows but the file has more (header and body disagree)`,
            { file, line: src.lineNo },
          );
        }
      }
    }
    const out = row === rows ? vectors : vectors.subarray(0, row * dim);
    return { words: table.words, dim, vectors: out, wordIndex: table.index };
  } finally {
    src.close();
  }
}

/** First pass over a headerless file: the number of non-blank lines (up to `limit`) and the width of the first. */
function scanHeaderless(file: string, limit: number): { count: number; dim: number } {
  const src = new LineSource(file);
  try {
    let count = 0;
    let dim = 0;
    while (count < limit && src.next()) {
      if (isBlank(src.buf, src.lineStart, src.lineEnd)) continue;
      if (count === 0) {
        if (looksBinary(src.buf, src.lineStart, src.lineEnd))
          throw new EmbedlmError(BINARY_HINT, { file, line: 1 });
        const fields = src.buf
          .toString("utf8", src.lineStart, src.lineEnd)
          .trim()
          .split(/[ \t]+/);
        dim = fields.length - 1;
        if (dim < 1) throw new EmbedlmError("expected a word followed by its values", { file, line: 1 });
      }
      count++;
    }
    if (count === 0) throw new EmbedlmError("the file is empty", { file });
    return { count, dim };
  } finally {
    src.close();
  }
}

/**
 * The shortest decimal that reads back as the same float32 (what numpy's repr prints), so text files
 * round-trip exactly without printing 17 digits.
 */
export function formatFloat32(v: number): string {
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  let p = 7;
  if (Math.fround(Number(v.toPrecision(p))) === v) {
    while (p > 1 && Math.fround(Number(v.toPrecision(p - 1))) === v) p--;
  } else {
    while (p < 9 && Math.fround(Number(v.toPrecision(p))) !== v) p++;
  }
  return v.toPrecision(p);
}
