// Tells the vector file formats apart from their first bytes, so users never have to say which one.
import { isUtf8 } from "node:buffer";
import { closeSync, openSync, readSync } from "node:fs";
import { cannotRead, EmbedlmError } from "../../util/errors.js";
import { NATIVE_MAGIC } from "./native.js";
import { BOM, hasBom } from "./text-rows.js";

/** Every format embedlm reads and writes. "fasttext" (.vec) is word2vec text by another name. */
export type VectorFormat = "word2vec-text" | "word2vec-binary" | "glove" | "fasttext" | "native";

export const VECTOR_FORMATS: readonly VectorFormat[] = [
  "word2vec-text",
  "word2vec-binary",
  "glove",
  "fasttext",
  "native",
];

const PROBE = 1 << 16;

export function detectFormat(file: string): VectorFormat {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new EmbedlmError(`cannot open: ${(e as Error).message}`, { file });
  }
  const buf = Buffer.alloc(PROBE);
  let n: number;
  try {
    n = readSync(fd, buf, 0, PROBE, 0);
  } catch (e) {
    throw cannotRead(e, file);
  } finally {
    closeSync(fd);
  }
  if (n === 0) throw new EmbedlmError("the file is empty", { file });
  if (n >= 8 && buf.toString("latin1", 0, 8) === NATIVE_MAGIC) return "native";
  const start = hasBom(buf, n) ? BOM.length : 0;
  let nl = buf.indexOf(10, start);
  if (nl === -1 || nl >= n) nl = n;
  const first = buf.toString("latin1", start, nl);
  const header = /^\s*(\d+)\s+(\d+)\s*$/.exec(first);
  if (!header) return "glove";
  const dim = Number(header[2]);
  // After the header: a text row is a word and `dim` printable fields up to the newline; a binary
  // row's word is followed by raw float32 bytes, which soon hold a control or non-ASCII byte.
  const rowEnd = buf.indexOf(10, nl + 1);
  if (rowEnd !== -1 && rowEnd < n && isTextRow(buf.subarray(nl + 1, rowEnd), dim)) return "word2vec-text";
  const space = buf.indexOf(32, nl + 1);
  if (space === -1 || space >= n) return "word2vec-text";
  const end = Math.min(n, space + 1 + 4 * dim);
  for (let i = space + 1; i < end; i++) {
    const c = buf[i];
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c >= 127) return "word2vec-binary";
  }
  return "word2vec-text";
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$/i;

/**
 * A text row: a UTF-8 word without control characters, then printable ASCII fields, `dim` of them
 * or at least two of which half or more are numbers (a malformed row, which the text reader then
 * reports with its line and field). A binary row's float bytes hold a newline now and then; the
 * bytes before it hardly ever read as two fields with a number among them.
 */
function isTextRow(line: Uint8Array, dim: number): boolean {
  let w = 0;
  while (w < line.length && line[w] !== 32 && line[w] !== 9) {
    if (line[w] < 32 || line[w] === 127) return false;
    w++;
  }
  if (w === 0 || !isUtf8(line.subarray(0, w))) return false;
  for (let i = w; i < line.length; i++) {
    const c = line[i];
    if ((c < 32 || c >= 127) && c !== 9 && c !== 13) return false;
  }
  const fields = Buffer.from(line.buffer, line.byteOffset + w, line.length - w)
    .toString("latin1")
    .trim()
    .split(/[ \t]+/)
    .filter((f) => f !== "");
  const numbers = fields.filter((f) => NUMBER.test(f)).length;
  return fields.length === dim || (fields.length >= 2 && 2 * numbers >= fields.length);
}
