// GloVe's text format: word2vec text without the header line; the row count and dimension come
// from a first pass over the file.
import type { ReadOptions, VectorData } from "./data.js";
import { readTextVectors } from "./text-rows.js";
import { writeTextRows } from "./word2vec-text.js";

export function readGlove(file: string, opts: ReadOptions = {}): VectorData {
  return readTextVectors(file, { header: "none" }, opts);
}

export function writeGlove(file: string, data: VectorData): Promise<void> {
  return writeTextRows(file, data, false);
}
