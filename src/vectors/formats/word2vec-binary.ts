// word2vec's binary format (the C tool's -binary 1, gensim's binary=True): a text header "COUNT DIM\n",
// then per word: the word's UTF-8 bytes, one space, DIM little-endian float32 (4*DIM bytes), and a
// newline that word2vec.c writes and gensim does not (readers skip it before the next word).
import { isUtf8 } from "node:buffer";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { withAtomicStream, writeChunk } from "../../util/atomic.js";
import { EmbedlmError } from "../../util/errors.js";
import { checkAndRound, defaultAllocate, type ReadOptions, type VectorData, WordTable } from "./data.js";
import { parseHeader } from "./text-rows.js";

const CHUNK = 8 << 20;
/** Longest word accepted: no real vocabulary has longer, and a missing space shows up fast. */
const MAX_WORD_BYTES = 4096;

export function readWord2vecBinary(file: string, opts: ReadOptions = {}): VectorData {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new EmbedlmError(`cannot open: ${(e as Error).message}`, { file });
  }
  try {
    const size = fstatSync(fd).size;
    let buf = Buffer.allocUnsafe(CHUNK);
    let filled = readSync(fd, buf, 0, buf.length, 0);
    let base = 0;
    const nl = buf.indexOf(10);
    if (nl === -1 || nl >= filled || nl > 100) {
      throw new EmbedlmError("expected a header line 'COUNT DIM'", { file, offset: 0 });
    }
    const { count, dim } = parseHeader(buf.toString("latin1", 0, nl), file);
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    const rows = Math.min(count, limit);
    const rowBytes = 4 * dim;
    if (nl + 1 + rows * (rowBytes + 2) > size) {
      throw new EmbedlmError(
        `the header promises ${count} rows of ${dim} float32 but the file has only ${size} bytes (truncated, or a text file: use format word2vec-text)`,
        { file, offset: 0 },
      );
    }
    const vectors = (opts.allocate ?? defaultAllocate)(rows * dim);
    const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
    const table = new WordTable(file, opts.duplicates ?? "error");
    // File offset of each kept row's values, to point at a NaN found after the whole matrix is read.
    const rowOffsets = new Float64Array(rows);
    let pos = nl + 1;
    let eof = filled < buf.length;
    // Makes at least `need` bytes available from `pos`; false if the file ends first.
    const ensure = (need: number): boolean => {
      while (filled - pos < need && !eof) {
        const rest = filled - pos;
        if (need > buf.length) {
          const bigger = Buffer.allocUnsafe(Math.max(need, buf.length * 2));
          buf.copy(bigger, 0, pos, filled);
          buf = bigger;
        } else buf.copy(buf, 0, pos, filled);
        base += pos;
        pos = 0;
        filled = rest;
        const n = readSync(fd, buf, filled, buf.length - filled, base + filled);
        if (n === 0) eof = true;
        filled += n;
      }
      return filled - pos >= need;
    };
    // `read` counts rows in the file, `row` those kept (duplicates skipped under policy "first").
    let read = 0;
    let row = 0;
    for (; read < rows; read++) {
      // Skip the newline (or stray whitespace) between records.
      for (;;) {
        if (!ensure(1)) {
          throw new EmbedlmError(
            `the file ends after ${read} rows but the header promises ${count} (truncated?)`,
            {
              file,
              offset: base + pos,
            },
          );
        }
        const c = buf[pos];
        if (c !== 10 && c !== 13 && c !== 32) break;
        pos++;
      }
      const wordStart = base + pos;
      let space = -1;
      for (;;) {
        const avail = filled - pos;
        const end = pos + Math.min(avail, MAX_WORD_BYTES + 1);
        space = buf.indexOf(32, pos);
        if (space !== -1 && space < end) break;
        if (avail > MAX_WORD_BYTES || eof) {
          throw new EmbedlmError(
            eof && avail <= MAX_WORD_BYTES
              ? `the file ends inside a word after ${read} rows (truncated?)`
              : `no space after ${MAX_WORD_BYTES} bytes: not a word (header count too large, or not a word2vec binary file)`,
            { file, offset: wordStart },
          );
        }
        ensure(avail + 1);
      }
      const wordBytes = buf.subarray(pos, space);
      if (!isUtf8(wordBytes)) {
        throw new EmbedlmError(`row ${read + 1}: the word is not valid UTF-8 (a misaligned record?)`, {
          file,
          offset: wordStart,
        });
      }
      const word = wordBytes.toString("utf8");
      pos = space + 1;
      if (!ensure(rowBytes)) {
        throw new EmbedlmError(
          `the file ends inside the vector of '${word}' (row ${read + 1}): ${filled - pos} of ${rowBytes} bytes (truncated?)`,
          { file, offset: base + pos },
        );
      }
      if (read === 0 && isPrintable(buf.subarray(pos, pos + rowBytes))) {
        throw new EmbedlmError(
          "the first vector's bytes are all printable text: this looks like a word2vec text file; load it with format word2vec-text",
          { file, offset: base + pos },
        );
      }
      const at = row * dim;
      bytes.set(buf.subarray(pos, pos + rowBytes), at * 4);
      rowOffsets[row] = base + pos;
      pos += rowBytes;
      if (table.add(word, { offset: wordStart })) row++;
    }
    if (opts.limit === undefined) {
      for (;;) {
        if (!ensure(1)) break;
        const c = buf[pos];
        if (c !== 10 && c !== 13 && c !== 32) {
          throw new EmbedlmError(
            `the header promises ${count} rows but more data follows (header and body disagree)`,
            { file, offset: base + pos },
          );
        }
        pos++;
      }
    }
    const out = row === rows ? vectors : vectors.subarray(0, row * dim);
    const bad = checkAndRound(out, opts);
    if (bad !== undefined) {
      const r = Math.floor(bad.index / dim);
      const j = bad.index % dim;
      throw new EmbedlmError(`value ${out[bad.index]} ${bad.problem}`, {
        file,
        offset: rowOffsets[r] + 4 * j,
        field: `'${table.words[r]}' value ${j + 1}`,
      });
    }
    return { words: table.words, dim, vectors: out, wordIndex: table.index };
  } finally {
    closeSync(fd);
  }
}

/** Text bytes (what a text file's first row is made of), never the raw floats of a binary row. */
function isPrintable(b: Uint8Array): boolean {
  return b.every((c) => (c >= 32 && c < 127) || c === 9 || c === 10 || c === 13);
}

/** Writes the binary format with word2vec.c's newline after each vector; atomic. */
export async function writeWord2vecBinary(file: string, data: VectorData): Promise<void> {
  const { words, dim, vectors } = data;
  const bytes = new Uint8Array(vectors.buffer, vectors.byteOffset, vectors.byteLength);
  await withAtomicStream(file, async (out) => {
    await writeChunk(out, `${words.length} ${dim}\n`);
    let chunk = Buffer.allocUnsafe(CHUNK);
    let used = 0;
    for (let r = 0; r < words.length; r++) {
      const need = Buffer.byteLength(words[r]) + 2 + 4 * dim;
      if (used + need > chunk.length) {
        await writeChunk(out, chunk.subarray(0, used));
        chunk = Buffer.allocUnsafe(Math.max(CHUNK, need));
        used = 0;
      }
      used += chunk.write(words[r], used, "utf8");
      chunk[used++] = 32;
      chunk.set(bytes.subarray(r * dim * 4, (r + 1) * dim * 4), used);
      used += 4 * dim;
      chunk[used++] = 10;
    }
    if (used > 0) await writeChunk(out, chunk.subarray(0, used));
  });
}
