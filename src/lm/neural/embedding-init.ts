// Initialising a language model's embedding table from word vectors (any format src/vectors reads).
import type { Initializer } from "../../nn/init.js";
import { EmbedlmError } from "../../util/errors.js";
import type { VectorData } from "../../vectors/formats/data.js";
import { type LoadOptions, readVectors } from "../../vectors/io.js";

/** How much of a model's vocabulary the vectors cover. */
export interface Coverage {
  /** Vocabulary words that got a vector (exactly or, with caseInsensitive, through their case). */
  covered: number;
  /** Of `covered`, the words found only through case folding. */
  caseFolded: number;
  /** Vocabulary size. */
  total: number;
  /** covered / total. */
  ratio: number;
  /** The first uncovered words in vocabulary order (the most frequent first in a frequency-sorted vocabulary). */
  uncovered: string[];
}

/** Vectors matched to a vocabulary: what an embedding initializer needs. */
export interface VectorInit {
  /** Vector size. */
  readonly dim: number;
  /** For each vocabulary id, its row in `vectors`, or -1 where the word has no vector. */
  readonly rows: Int32Array;
  /** [rows x dim] row-major (the vectors' matrix, not copied). */
  readonly vectors: Float32Array;
  readonly coverage: Coverage;
  /** Where the vectors came from (for messages). */
  readonly source?: string;
}

export interface MatchOptions {
  /**
   * A word without a vector of its own takes the vector of its lowercase form, or of the first
   * (most frequent) vector word equal to it ignoring case. Default false: exact matches only.
   */
  caseInsensitive?: boolean;
  /** How many uncovered words `coverage.uncovered` lists (default 10). */
  examples?: number;
  /** Name of the vectors' source, for messages (e.g. the file). */
  source?: string;
}

/**
 * Finds each vocabulary word's vector. A KeyedVectors or the data of any vector reader fits `vectors`.
 * No word covered at all means the vectors belong to another vocabulary (or language): an error.
 */
export function matchVectors(
  vocab: readonly string[],
  vectors: VectorData,
  opts: MatchOptions = {},
): VectorInit {
  const { words, dim } = vectors;
  const index = vectors.wordIndex ?? new Map(words.map((w, i) => [w, i]));
  let folded: Map<string, number> | undefined;
  if (opts.caseInsensitive) {
    folded = new Map();
    for (let i = 0; i < words.length; i++) {
      const key = words[i].toLowerCase();
      if (!folded.has(key)) folded.set(key, i);
    }
  }
  const examples = opts.examples ?? 10;
  const rows = new Int32Array(vocab.length);
  const uncovered: string[] = [];
  let covered = 0;
  let caseFolded = 0;
  for (let id = 0; id < vocab.length; id++) {
    const word = vocab[id];
    let row = index.get(word) ?? -1;
    if (row < 0 && folded !== undefined) {
      row = index.get(word.toLowerCase()) ?? folded.get(word.toLowerCase()) ?? -1;
      if (row >= 0) caseFolded++;
    }
    rows[id] = row;
    if (row >= 0) {
      covered++;
      const v = vectors.vectors.subarray(row * dim, (row + 1) * dim);
      const bad = v.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0)
        throw new EmbedlmError(`the vector of '${words[row]}' holds ${v[bad]} at component ${bad + 1}`, {
          file: opts.source,
          field: "vectors",
        });
    } else if (uncovered.length < examples) uncovered.push(word);
  }
  if (covered === 0 && vocab.length > 0) {
    const hint = opts.caseInsensitive ? "" : " (or try the case-insensitive match)";
    throw new EmbedlmError(
      `none of the ${vocab.length} vocabulary words has a vector (vocabulary: ${firstFew(vocab)}; vectors: ${firstFew(words)}): they were trained on another vocabulary${hint}`,
      { file: opts.source, field: "init vectors" },
    );
  }
  const total = vocab.length;
  return {
    dim,
    rows,
    vectors: vectors.vectors,
    coverage: { covered, caseFolded, total, ratio: total === 0 ? 0 : covered / total, uncovered },
    source: opts.source,
  };
}

function firstFew(words: readonly string[]): string {
  return `${words
    .slice(0, 5)
    .map((w) => `'${w}'`)
    .join(", ")}${words.length > 5 ? ", ..." : ""}`;
}

/** Reads a vectors file of any supported format (detected unless `format` is given) and matches it. */
export function loadVectorInit(
  file: string,
  vocab: readonly string[],
  opts: MatchOptions & LoadOptions = {},
): VectorInit {
  const { caseInsensitive, examples, source, ...load } = opts;
  const data = readVectors(file, load);
  return matchVectors(vocab, data, { caseInsensitive, examples, source: source ?? file });
}

/** One line for logs: "9,412 of 10,000 words (94.1%) have a vector; e.g. without: <unk>, <eos>". */
export function describeCoverage(c: Coverage): string {
  const pct = (100 * c.ratio).toFixed(1);
  let s = `${c.covered.toLocaleString("en-US")} of ${c.total.toLocaleString("en-US")} words (${pct}%) have a vector`;
  if (c.caseFolded > 0) s += ` (${c.caseFolded.toLocaleString("en-US")} through their case)`;
  if (c.uncovered.length > 0) s += `; e.g. without: ${c.uncovered.join(", ")}`;
  return s;
}

/**
 * The embedding initializer: every row drawn by `random` first (so an uncovered row gets exactly the
 * value a randomly initialised model would give it), then the covered rows overwritten by their vectors.
 */
export function vectorInitializer(init: VectorInit, random: Initializer): Initializer {
  return (data, shape, rng) => {
    const [rows, dim] = shape;
    if (rows !== init.rows.length || dim !== init.dim)
      throw new EmbedlmError(
        `the vectors were matched to ${init.rows.length} words of dimension ${init.dim}, the embedding is [${rows}, ${dim}]`,
        { file: init.source, field: "init vectors" },
      );
    random(data, shape, rng);
    for (let id = 0; id < rows; id++) {
      const r = init.rows[id];
      if (r >= 0) data.set(init.vectors.subarray(r * dim, (r + 1) * dim), id * dim);
    }
  };
}
