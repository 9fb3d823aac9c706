// word2vec's text format (also fastText's .vec and gensim's save_word2vec_format(binary=False)):
// a header line "COUNT DIM", then one line per word: the word and DIM numbers separated by spaces.
import { withAtomicStream, writeChunk } from "../../util/atomic.js";
import type { ReadOptions, VectorData } from "./data.js";
import { formatFloat32, readTextVectors } from "./text-rows.js";

export function readWord2vecText(file: string, opts: ReadOptions = {}): VectorData {
  return readTextVectors(file, { header: "header" }, opts);
}

/**
 * Rows per write (about 128 KB at dim 100): enough to amortise the stream. Larger chunks cost memory:
 * with 2048 rows, saving 14k x 100 vectors as text raised word2vec training's peak RSS from 109 to 140 MB.
 */
const ROWS_PER_CHUNK = 128;

/**
 * Writes the text lines "word v1 v2 ...\n" (with `header`, first "COUNT DIM\n") atomically; values
 * are printed as the shortest decimal that reads back as the same float32.
 */
export async function writeTextRows(file: string, data: VectorData, header: boolean): Promise<void> {
  const { words, dim, vectors } = data;
  await withAtomicStream(file, async (out) => {
    if (header) await writeChunk(out, `${words.length} ${dim}\n`);
    const parts = new Array<string>(dim + 1);
    let chunk: string[] = [];
    for (let r = 0; r < words.length; r++) {
      parts[0] = words[r];
      const at = r * dim;
      for (let j = 0; j < dim; j++) parts[j + 1] = formatFloat32(vectors[at + j]);
      chunk.push(parts.join(" "));
      if (chunk.length === ROWS_PER_CHUNK || r === words.length - 1) {
        await writeChunk(out, `${chunk.join("\n")}\n`);
        chunk = [];
      }
    }
  });
}

export function writeWord2vecText(file: string, data: VectorData): Promise<void> {
  return writeTextRows(file, data, true);
}
