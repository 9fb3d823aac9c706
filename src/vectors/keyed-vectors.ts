// A vocabulary and its vectors, queried like gensim's KeyedVectors (camelCase names, same semantics).
import { EmbedlmError } from "../util/errors.js";
import type { AnnIndex } from "./ann.js";
import type { VectorData } from "./formats/data.js";
import { type Int8Rows, int8Bound, int8DotRows, int8TopK, quantizeQuery, quantizeRows } from "./int8-scan.js";
import { type LoadOptions, loadVectors, type SaveOptions, writeVectors } from "./io.js";
import { sharedVectorKernels, VectorKernels } from "./kernels.js";
import { scaledDotRows, selectTop, TopK } from "./topk.js";
import { WordIndex } from "./word-index.js";

/** A query term: a word, a vector, or either with a weight (gensim's (key, weight) tuples). */
export type Term = string | Float32Array | readonly [string | Float32Array, number];

/** (word, similarity) pairs, best first, as gensim returns them. */
export type Neighbours = Array<[string, number]>;

export interface MostSimilarOptions {
  /** Terms pulling towards the result (weight 1 unless given). */
  positive?: Term[];
  /** Terms pushing away (weight -1 unless given). */
  negative?: Term[];
  /** Number of results. Default 10. */
  topn?: number;
  /** Search only the first N words (the most frequent in a frequency-sorted vocabulary). */
  restrictVocab?: number;
  /** Search this approximate index instead of every row (gensim's `indexer`); not with restrictVocab. */
  indexer?: AnnIndex;
}

/**
 * out[r - from] = dot(vectors[r], q) * scale[r] for rows r in [from, to): the scan every query
 * runs, either the TypeScript reference (scaledDotRows) or the SIMD kernel (VectorKernels.scan).
 */
export type RowScanner = (
  vectors: Float32Array,
  dim: number,
  q: Float32Array,
  scale: Float32Array,
  from: number,
  to: number,
  out: Float32Array,
) => void;

/** Allocates in the kernels' memory when the matrix fits there, else in plain memory. */
function kernelAllocator(kernels: VectorKernels): (length: number) => Float32Array {
  return (length) => (VectorKernels.fits(length) ? kernels.allocate(length) : new Float32Array(length));
}

/** Rows per block in nearestMany: about half of a 1 MB L2 cache. */
const ROW_BLOCK_BYTES = 512 << 10;

export class KeyedVectors implements VectorData {
  readonly words: string[];
  readonly dim: number;
  private matrix: Float32Array;
  readonly counts?: Float64Array;
  private readonly keyToIndex: WordIndex;
  private invNorms?: Float32Array;
  private unit?: Float32Array;
  private scanner: RowScanner = scaledDotRows;
  private kernels?: VectorKernels;
  private int8Scan = false;
  private int8?: Int8Rows;

  constructor(data: VectorData) {
    const { words, dim, vectors, counts } = data;
    if (!Number.isInteger(dim) || dim < 1)
      throw new EmbedlmError(`expected dim >= 1, got ${dim}`, { field: "dim" });
    if (vectors.length !== words.length * dim) {
      throw new EmbedlmError(
        `${words.length} words x ${dim} needs ${words.length * dim} values, got ${vectors.length}`,
        { field: "vectors" },
      );
    }
    if (counts !== undefined && counts.length !== words.length) {
      throw new EmbedlmError(`${words.length} words but ${counts.length} counts`, { field: "counts" });
    }
    this.dim = dim;
    this.matrix = vectors;
    this.counts = counts;
    if (data.wordIndex?.words === words) this.keyToIndex = data.wordIndex;
    else {
      this.keyToIndex = new WordIndex(words.length);
      for (let i = 0; i < words.length; i++) {
        const first = this.keyToIndex.add(words[i]);
        if (first !== -1) {
          throw new EmbedlmError(`duplicate word '${words[i]}' (rows ${first + 1} and ${i + 1})`, {
            field: "words",
          });
        }
      }
    }
    this.words = this.keyToIndex.words;
  }

  /**
   * Loads any supported format (detected from the file unless `format` is given), streaming. By
   * default the matrix goes straight into the WebAssembly kernels' memory and queries run on SIMD;
   * `kernels: false` keeps a plain Float32Array and the TypeScript scan.
   */
  static async load(
    file: string,
    opts: LoadOptions & { kernels?: boolean | VectorKernels; int8Scan?: boolean } = {},
  ): Promise<KeyedVectors> {
    const { kernels: which = true, int8Scan = false, ...rest } = opts;
    const kernels = which === true ? await sharedVectorKernels() : which === false ? undefined : which;
    const { format: _format, ...data } = await loadVectors(
      file,
      kernels
        ? { allocate: kernelAllocator(kernels), firstNonFinite: kernels.firstNonFinite, ...rest }
        : rest,
    );
    const kv = new KeyedVectors(data);
    if (kernels?.owns(kv.vectors)) kv.attach(kernels);
    kv.useInt8Scan(int8Scan);
    return kv;
  }

  /** [words.length x dim] row-major. */
  get vectors(): Float32Array {
    return this.matrix;
  }

  /**
   * Moves the matrix into the kernels' memory (a copy, unless it was allocated there) and scans it
   * with SIMD from now on. Default: the process-wide kernels.
   */
  async useKernels(kernels?: VectorKernels): Promise<void> {
    const k = kernels ?? (await sharedVectorKernels());
    this.matrix = k.adopt(this.matrix);
    this.attach(k);
  }

  /**
   * Exact queries (one at a time) scan an int8 copy of the unit rows first, a quarter of the float32
   * matrix's memory traffic, then rescore in float32 every row whose proven error bound lets it
   * reach the top (src/vectors/int8-scan.ts): results are those of the float32 scan, rankings and
   * scores. The copy (built at the next query) adds a quarter of the matrix to the memory. `false`
   * drops it.
   */
  useInt8Scan(on = true): void {
    this.int8Scan = on;
    if (!on) this.int8 = undefined;
  }

  private attach(kernels: VectorKernels): void {
    this.kernels = kernels;
    this.scanner = kernels.scan;
    this.int8 = undefined;
    this.invNorms = undefined;
    this.unit = undefined;
  }

  /** Saves atomically (default word2vec text; see SaveOptions). */
  save(file: string, opts: SaveOptions = {}): Promise<void> {
    return writeVectors(file, this, opts);
  }

  /** Number of words. */
  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.keyToIndex.has(word);
  }

  /** Row of `word`, or -1. */
  index(word: string): number {
    return this.keyToIndex.get(word) ?? -1;
  }

  /** Word of row `i`. */
  word(i: number): string {
    if (!Number.isInteger(i) || i < 0 || i >= this.words.length) {
      throw new EmbedlmError(`row ${i} out of range [0, ${this.words.length})`, { field: "index" });
    }
    return this.words[i];
  }

  /** Row of `word`; throws naming `field` when it is not in the vocabulary. */
  indexOf(word: string, field = "word"): number {
    const i = this.keyToIndex.get(word);
    if (i === undefined) throw new EmbedlmError(`'${word}' is not in the vocabulary`, { field });
    return i;
  }

  /** The vector of `word` (a view into the matrix, not a copy). */
  get(word: string): Float32Array {
    const i = this.indexOf(word);
    return this.vectors.subarray(i * this.dim, (i + 1) * this.dim);
  }

  /** 1 / L2 norm of every row (0 for an all-zero row), computed once. */
  inverseNorms(): Float32Array {
    if (this.invNorms) return this.invNorms;
    const n = this.words.length;
    const dim = this.dim;
    // In the kernels' memory when they scan, since the kernel reads the norms too.
    const inv = this.kernels ? this.kernels.allocate(n) : new Float32Array(n);
    if (this.kernels) {
      this.kernels.inverseNorms(this.vectors, this.dim, inv);
      this.invNorms = inv;
      return inv;
    }
    const v = this.vectors;
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let j = r * dim, e = j + dim; j < e; j++) s += v[j] * v[j];
      inv[r] = s > 0 ? 1 / Math.sqrt(s) : 0;
    }
    this.invNorms = inv;
    return inv;
  }

  /**
   * Unit-length copy of the matrix. It doubles the memory, so it is kept for later calls only with
   * `keep: true`; queries never need it (they scale dot products by inverseNorms instead).
   */
  unitVectors(opts: { keep?: boolean } = {}): Float32Array {
    if (this.unit) return this.unit;
    const inv = this.inverseNorms();
    const out = new Float32Array(this.vectors.length);
    for (let r = 0; r < this.words.length; r++) {
      const s = inv[r];
      for (let j = r * this.dim, e = j + this.dim; j < e; j++) out[j] = this.vectors[j] * s;
    }
    if (opts.keep) this.unit = out;
    return out;
  }

  /** Unit-length copy of `word`'s vector. */
  unitVector(word: string): Float32Array {
    const i = this.indexOf(word);
    const s = this.inverseNorms()[i];
    const out = new Float32Array(this.dim);
    for (let j = 0; j < this.dim; j++) out[j] = this.vectors[i * this.dim + j] * s;
    return out;
  }

  /** Cosine similarity of two words. */
  similarity(w1: string, w2: string): number {
    const a = this.indexOf(w1, "w1");
    const b = this.indexOf(w2, "w2");
    return this.rowDot(a, b) * this.inverseNorms()[a] * this.inverseNorms()[b];
  }

  /** 1 - similarity. */
  distance(w1: string, w2: string): number {
    return 1 - this.similarity(w1, w2);
  }

  /**
   * Cosine similarity of every row in [0, restrictVocab) to `q` (q need not be unit length; the
   * result is dot / |row| / |q|, and 0 for all-zero rows). Like gensim's most_similar with topn=None.
   */
  cosineSimilarities(q: Float32Array, restrictVocab = this.words.length): Float32Array {
    this.checkQuery(q);
    const to = this.restrict(restrictVocab);
    const unitQ = normalized(q);
    const out = new Float32Array(to);
    this.scanner(this.vectors, this.dim, unitQ, this.inverseNorms(), 0, to, out);
    return out;
  }

  /**
   * The `topn` rows in [0, restrictVocab) most cosine-similar to `q`, skipping `exclude`:
   * the scan every query below shares.
   */
  nearest(
    q: Float32Array,
    opts: { topn?: number; restrictVocab?: number; exclude?: Iterable<number> } = {},
  ): { indices: number[]; scores: number[] } {
    const exclude = [...(opts.exclude ?? [])];
    return this.nearestMany([q], {
      topn: opts.topn,
      restrictVocab: opts.restrictVocab,
      excludes: [exclude],
    })[0];
  }

  /**
   * nearest() for many queries in one pass over the matrix: rows are scanned in blocks that stay in
   * cache while every query visits them (the analogy evaluation's workload).
   */
  nearestMany(
    queries: Float32Array[],
    opts: { topn?: number; restrictVocab?: number; excludes?: number[][] } = {},
  ): Array<{ indices: number[]; scores: number[] }> {
    const topn = opts.topn ?? 10;
    const to = this.restrict(opts.restrictVocab);
    const inv = this.inverseNorms();
    const units = queries.map((q) => {
      this.checkQuery(q);
      return normalized(q);
    });
    const excludes = queries.map((_, k) => new Set(opts.excludes?.[k] ?? []));
    if (this.int8Scan && units.length === 1) {
      const top = this.int8Nearest(units[0], to, Math.min(to, topn + excludes[0].size));
      if (top) return [bestExcluding(top, excludes[0], topn)];
    }
    const tops = queries.map((_, k) => new TopK(Math.min(to, topn + excludes[k].size)));
    // One query scans everything at once; several share cache-sized blocks of rows.
    const block = queries.length === 1 ? to : Math.max(1, Math.floor(ROW_BLOCK_BYTES / (4 * this.dim)));
    const scores = this.kernels?.scores(block) ?? new Float32Array(block);
    for (let from = 0; from < to; from += block) {
      const end = Math.min(to, from + block);
      const out = scores.subarray(0, end - from);
      for (let k = 0; k < units.length; k++) {
        this.scanner(this.vectors, this.dim, units[k], inv, from, end, out);
        selectTop(out, from, tops[k]);
      }
    }
    return tops.map((top, k) => bestExcluding(top, excludes[k], topn));
  }

  /**
   * The k best of rows [0, to) for the unit query v through the int8 copy (see useInt8Scan), or
   * undefined when so many rows need rescoring that the float32 scan is cheaper.
   */
  private int8Nearest(v: Float32Array, to: number, k: number): TopK | undefined {
    const inv = this.inverseNorms();
    this.int8 ??= this.kernels
      ? this.kernels.quantize(this.vectors, this.dim, inv, this.size)
      : quantizeRows(this.vectors, this.dim, inv, this.size);
    const rows = this.int8;
    const { w, t, err } = quantizeQuery(v, rows.stride);
    const approx = this.kernels?.scores(to) ?? new Float32Array(to);
    (this.kernels?.scanInt8 ?? int8DotRows)(rows, w, t, 0, to, approx);
    const one = new Float32Array(1);
    const exact = (r: number): number => {
      this.scanner(this.vectors, this.dim, v, inv, r, r + 1, one);
      return one[0];
    };
    const bound = int8Bound(this.dim, rows.maxErr, Math.sqrt(dot(v, v)), err);
    return int8TopK(approx, k, bound, exact, to >> 4);
  }

  /**
   * gensim's most_similar (3CosAdd): the weighted mean of the terms' unit vectors, normalised, then the
   * nearest words by cosine, leaving out the input words.
   */
  mostSimilar(opts: MostSimilarOptions): Neighbours {
    const topn = checkTopn(opts.topn);
    if (topn === 0) return [];
    const terms = this.weightedTerms(opts.positive ?? [], opts.negative ?? []);
    const mean = new Float64Array(this.dim);
    let total = 0;
    for (const t of terms) {
      const v = t.index >= 0 ? this.unitVector(this.words[t.index]) : t.vector!;
      for (let j = 0; j < this.dim; j++) mean[j] += t.weight * v[j];
      total += Math.abs(t.weight);
    }
    const q = new Float32Array(this.dim);
    for (let j = 0; j < this.dim; j++) q[j] = total > 0 ? mean[j] / total : mean[j];
    const exclude = terms.filter((t) => t.index >= 0).map((t) => t.index);
    let r: { indices: number[]; scores: number[] };
    if (opts.indexer) {
      if (opts.restrictVocab !== undefined) {
        throw new EmbedlmError("restrictVocab does not apply to an approximate index", {
          field: "restrictVocab",
        });
      }
      r = opts.indexer.search(normalized(q), topn, exclude);
    } else r = this.nearest(q, { topn, restrictVocab: opts.restrictVocab, exclude });
    return r.indices.map((i, k) => [this.words[i], r.scores[k]]);
  }

  /** Nearest words to one word (gensim's similar_by_word). */
  similarByWord(word: string, topn = 10, restrictVocab?: number): Neighbours {
    return this.mostSimilar({ positive: [word], topn, restrictVocab });
  }

  /** Nearest words to a vector; no word is left out (gensim's similar_by_vector). */
  similarByVector(vector: Float32Array, topn = 10, restrictVocab?: number): Neighbours {
    return this.mostSimilar({ positive: [vector], topn, restrictVocab });
  }

  /**
   * gensim's most_similar_cosmul (3CosMul, Levy & Goldberg): the product of (1 + cos) / 2 over the
   * positive terms divided by the product over the negative ones (+ 1e-6). Terms are words or
   * vectors: a weighted term is an error. Unlike gensim 4.2, which ignores it here, restrictVocab
   * limits the search.
   */
  mostSimilarCosmul(opts: MostSimilarOptions): Neighbours {
    const topn = checkTopn(opts.topn);
    if (topn === 0) return [];
    const pos = this.cosmulTerms(opts.positive ?? [], "positive");
    const neg = this.cosmulTerms(opts.negative ?? [], "negative");
    const exclude: number[] = [];
    for (const t of [...(opts.positive ?? []), ...(opts.negative ?? [])]) {
      const key = termKey(t);
      if (typeof key === "string") exclude.push(this.indexOf(key));
    }
    const r = this.cosmulNearest(pos, neg, { topn, restrictVocab: opts.restrictVocab, exclude });
    return r.indices.map((i, k) => [this.words[i], r.scores[k]]);
  }

  /** The 3CosMul scan behind mostSimilarCosmul, on vectors already resolved (words as unit vectors). */
  cosmulNearest(
    positive: Float32Array[],
    negative: Float32Array[],
    opts: { topn?: number; restrictVocab?: number; exclude?: Iterable<number> } = {},
  ): { indices: number[]; scores: number[] } {
    if (positive.length === 0) {
      throw new EmbedlmError("cannot compute similarity with no positive input", { field: "positive" });
    }
    const topn = opts.topn ?? 10;
    const to = this.restrict(opts.restrictVocab);
    const inv = this.inverseNorms();
    const product = (terms: Float32Array[]): Float64Array => {
      const acc = new Float64Array(to).fill(1);
      const dots = this.kernels?.scores(to) ?? new Float32Array(to);
      for (const t of terms) {
        this.scanner(this.vectors, this.dim, t, inv, 0, to, dots);
        for (let i = 0; i < to; i++) acc[i] *= (1 + dots[i]) / 2;
      }
      return acc;
    };
    const num = product(positive);
    const den = product(negative);
    const scores = new Float32Array(to);
    for (let i = 0; i < to; i++) scores[i] = num[i] / (den[i] + 0.000001);
    const exclude = new Set(opts.exclude ?? []);
    const top = new TopK(Math.min(to, topn + exclude.size));
    selectTop(scores, 0, top);
    return bestExcluding(top, exclude, topn);
  }

  /**
   * The word furthest from the mean of the others' unit vectors (gensim's doesnt_match). Words not
   * in the vocabulary are ignored, as gensim does; `ignored` lists them.
   */
  doesntMatch(words: string[]): string {
    return this.rankByCentrality(words).ranked.at(-1)![1];
  }

  /** The words ranked by cosine to the normalised mean of their unit vectors, closest first. */
  rankByCentrality(words: string[]): { ranked: Array<[number, string]>; ignored: string[] } {
    const used = words.filter((w) => this.has(w));
    const ignored = words.filter((w) => !this.has(w));
    if (used.length === 0)
      throw new EmbedlmError("none of the words is in the vocabulary", { field: "words" });
    const units = used.map((w) => this.unitVector(w));
    const mean = new Float32Array(this.dim);
    for (const u of units) for (let j = 0; j < this.dim; j++) mean[j] += u[j];
    const m = normalized(mean);
    const ranked: Array<[number, string]> = units.map((u, k) => [dot(u, m), used[k]]);
    // gensim sorts (similarity, word) tuples in reverse: ties fall to the larger word.
    ranked.sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
    return { ranked, ignored };
  }

  /** Cosine distances (1 - cos) from a word or vector to `others`, or to every word when empty. */
  distances(wordOrVector: string | Float32Array, others: string[] = []): Float32Array {
    const q = typeof wordOrVector === "string" ? this.get(wordOrVector) : wordOrVector;
    if (others.length === 0) {
      const sims = this.cosineSimilarities(q);
      for (let i = 0; i < sims.length; i++) sims[i] = 1 - sims[i];
      return sims;
    }
    const uq = normalized(q);
    const inv = this.inverseNorms();
    return Float32Array.from(others, (w) => {
      const i = this.indexOf(w, "others");
      return 1 - dot(uq, this.vectors.subarray(i * this.dim, (i + 1) * this.dim)) * inv[i];
    });
  }

  /** Words closer to w1 than w2 is (gensim's closer_than), in row order. */
  closerThan(w1: string, w2: string): string[] {
    const i1 = this.indexOf(w1, "w1");
    const i2 = this.indexOf(w2, "w2");
    const d = this.distances(w1);
    const out: string[] = [];
    for (let i = 0; i < d.length; i++) if (d[i] < d[i2] && i !== i1) out.push(this.words[i]);
    return out;
  }

  /** 1 + the number of words closer to w1 than w2 is (gensim's rank). */
  rank(w1: string, w2: string): number {
    return this.closerThan(w1, w2).length + 1;
  }

  /** Cosine similarity of the means of two word lists (raw vectors, as gensim's n_similarity). */
  nSimilarity(ws1: string[], ws2: string[]): number {
    if (ws1.length === 0 || ws2.length === 0) {
      throw new EmbedlmError("both word lists must be non-empty", {
        field: ws1.length === 0 ? "ws1" : "ws2",
      });
    }
    const mean = (ws: string[], field: string): Float32Array => {
      const m = new Float64Array(this.dim);
      for (const w of ws) {
        const i = this.indexOf(w, field);
        for (let j = 0; j < this.dim; j++) m[j] += this.vectors[i * this.dim + j];
      }
      return Float32Array.from(m, (x) => x / ws.length);
    };
    return dot(normalized(mean(ws1, "ws1")), normalized(mean(ws2, "ws2")));
  }

  private rowDot(a: number, b: number): number {
    const d = this.dim;
    let s = 0;
    for (let j = 0; j < d; j++) s += this.vectors[a * d + j] * this.vectors[b * d + j];
    return s;
  }

  private restrict(restrictVocab: number | undefined): number {
    if (restrictVocab === undefined) return this.words.length;
    if (!Number.isInteger(restrictVocab) || restrictVocab < 1) {
      throw new EmbedlmError(`expected an integer >= 1, got ${restrictVocab}`, { field: "restrictVocab" });
    }
    return Math.min(restrictVocab, this.words.length);
  }

  private checkQuery(q: Float32Array): void {
    if (q.length !== this.dim) {
      throw new EmbedlmError(`expected a vector of length ${this.dim}, got ${q.length}`, { field: "vector" });
    }
  }

  private weightedTerms(
    positive: Term[],
    negative: Term[],
  ): Array<{ index: number; vector?: Float32Array; weight: number }> {
    const out: Array<{ index: number; vector?: Float32Array; weight: number }> = [];
    const add = (t: Term, sign: number, field: string) => {
      const key = termKey(t);
      const weight = isWeighted(t) ? t[1] : sign;
      if (typeof key === "string") out.push({ index: this.indexOf(key, field), weight });
      else {
        this.checkQuery(key);
        out.push({ index: -1, vector: key, weight });
      }
    };
    for (const t of positive) add(t, 1, "positive");
    for (const t of negative) add(t, -1, "negative");
    if (out.length === 0)
      throw new EmbedlmError("cannot compute a mean with no input", { field: "positive" });
    return out;
  }

  private cosmulTerms(terms: Term[], field: string): Float32Array[] {
    return terms.map((t) => {
      // A weight has no place in a product of cosines (gensim's most_similar_cosmul takes none):
      // dropping it silently would answer another question.
      if (isWeighted(t)) {
        const what = typeof t[0] === "string" ? `'${t[0]}'` : "a vector";
        throw new EmbedlmError(
          `3CosMul takes no weights, got ${what} with weight ${t[1]}; pass the word or vector alone, or use mostSimilar for weighted terms`,
          { field },
        );
      }
      const key = termKey(t);
      if (typeof key === "string") return this.unitVector(this.words[this.indexOf(key, field)]);
      this.checkQuery(key);
      return key;
    });
  }
}

/** The best `topn` of `top` that are not in `exclude` (top holds topn + |exclude| candidates). */
function bestExcluding(
  top: TopK,
  exclude: Set<number>,
  topn: number,
): { indices: number[]; scores: number[] } {
  const best = top.sorted();
  const indices: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < best.indices.length && indices.length < topn; i++) {
    if (exclude.has(best.indices[i])) continue;
    indices.push(best.indices[i]);
    scores.push(best.scores[i]);
  }
  return { indices, scores };
}

function isWeighted(t: Term): t is readonly [string | Float32Array, number] {
  return Array.isArray(t);
}

function termKey(t: Term): string | Float32Array {
  return isWeighted(t) ? t[0] : (t as string | Float32Array);
}

function checkTopn(topn: number | undefined): number {
  if (topn === undefined) return 10;
  if (!Number.isInteger(topn) || topn < 0)
    throw new EmbedlmError(`expected an integer >= 0, got ${topn}`, { field: "topn" });
  return topn;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/** Unit-length copy (a zero vector stays zero, as gensim's unitvec leaves it). */
function normalized(v: Float32Array): Float32Array {
  const n = Math.sqrt(dot(v, v));
  return n > 0 ? Float32Array.from(v, (x) => x / n) : Float32Array.from(v);
}
