// Approximate nearest neighbours for large vocabularies: an HNSW graph from usearch (a maintained
// C++ library with SIMD distance kernels, shipped prebuilt in its npm package), over cosine
// distance, keyed by row number. mostSimilar({indexer}) searches it instead of scanning every row.
import { Index, type ScalarKind } from "usearch";
import { writeAtomicWith } from "../util/atomic.js";
import { EmbedlmError } from "../util/errors.js";

/** The part of KeyedVectors the index reads. */
interface Rows {
  readonly words: string[];
  readonly dim: number;
  readonly vectors: Float32Array;
}

export interface AnnOptions {
  /** Graph degree (HNSW M). Default 16. */
  connectivity?: number;
  /** Candidates kept while inserting (HNSW efConstruction). Default 64. */
  expansionAdd?: number;
  /**
   * Candidates kept while searching (HNSW ef): higher is slower and more exact. Default 64. Fixed
   * for the index's life (usearch's JS binding cannot change it): to try another, save the index
   * and load it with this option.
   */
  expansionSearch?: number;
  /** How the index stores its copy of the vectors: f32, f16 (half the memory) or i8. Default f32. */
  quantization?: "f32" | "f16" | "i8";
  /** Threads for building (0: all cores). Default 0. */
  threads?: number;
}

export class AnnIndex {
  private constructor(
    private readonly index: Index,
    readonly size: number,
    readonly dim: number,
  ) {}

  /** Indexes every row of `kv` (rows with an all-zero vector are indexed too; their cosine is undefined). */
  static build(kv: Rows, opts: AnnOptions = {}): AnnIndex {
    const index = new Index({
      dimensions: kv.dim,
      metric: "cos" as never,
      quantization: (opts.quantization ?? "f32") as ScalarKind,
      connectivity: opts.connectivity ?? 16,
      expansion_add: opts.expansionAdd ?? 64,
      expansion_search: opts.expansionSearch ?? 64,
      multi: false,
    });
    const n = kv.words.length;
    const keys = new BigUint64Array(n);
    for (let i = 0; i < n; i++) keys[i] = BigInt(i);
    if (n > 0) index.add(keys, kv.vectors, opts.threads ?? 0);
    return new AnnIndex(index, n, kv.dim);
  }

  /**
   * The `topn` rows nearest to `q` by cosine, best first, leaving out `exclude`; scores are cosine
   * similarities (1 - usearch's cosine distance).
   */
  search(
    q: Float32Array,
    topn: number,
    exclude: Iterable<number> = [],
  ): { indices: number[]; scores: number[] } {
    if (q.length !== this.dim) {
      throw new EmbedlmError(`expected a vector of length ${this.dim}, got ${q.length}`, { field: "vector" });
    }
    const skip = new Set(exclude);
    const k = Math.min(this.size, topn + skip.size);
    const indices: number[] = [];
    const scores: number[] = [];
    if (k === 0) return { indices, scores };
    const m = this.index.search(q, k, 1);
    for (let i = 0; i < m.keys.length && indices.length < topn; i++) {
      const row = Number(m.keys[i]);
      if (skip.has(row)) continue;
      indices.push(row);
      scores.push(1 - m.distances[i]);
    }
    return { indices, scores };
  }

  /**
   * Saves the graph (usearch's own format) to reuse it with the same vectors; through a temporary
   * file, so a failed save leaves an earlier index at `path` as it was.
   */
  async save(path: string): Promise<void> {
    await writeAtomicWith(path, (tmp) => this.index.save(tmp));
  }

  /** Loads a graph saved for `kv` (the same rows in the same order), built with the same `quantization`. */
  static load(
    path: string,
    kv: Rows,
    opts: Pick<AnnOptions, "expansionSearch" | "quantization"> = {},
  ): AnnIndex {
    const index = new Index({
      dimensions: kv.dim,
      metric: "cos" as never,
      quantization: (opts.quantization ?? "f32") as ScalarKind,
      connectivity: 0,
      expansion_add: 0,
      expansion_search: opts.expansionSearch ?? 64,
      multi: false,
    });
    try {
      index.load(path);
    } catch (e) {
      throw new EmbedlmError(`cannot load the index: ${(e as Error).message}`, { file: path });
    }
    if (index.size() !== kv.words.length) {
      throw new EmbedlmError(`the index holds ${index.size()} vectors but the model has ${kv.words.length}`, {
        file: path,
      });
    }
    return new AnnIndex(index, kv.words.length, kv.dim);
  }
}
