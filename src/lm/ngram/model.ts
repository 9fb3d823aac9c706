import type { LanguageModel, LmVocab } from "../model.js";
import type { NgramTrie } from "./trie.js";

/** log10 of "impossible" in ARPA files (`<s>` as a unigram). */
export const ARPA_ZERO = -99;

/** What a model records about its making (ARPA files carry none of it). */
export interface NgramInfo {
  /** Smoothing name, when the model was trained here. */
  smoothing?: string;
  /** Anything the smoothing learned (e.g. KN discounts). */
  smoothingInfo?: Record<string, unknown>;
  /** Stupid backoff's alpha: scores are normalised per context to give probabilities. */
  unnormalized?: boolean;
}

/**
 * A backoff n-gram model in ARPA form over a sorted trie: for each n-gram log10 P(w|h) and, for
 * n-grams that are contexts, the log10 backoff weight. P(w | h) is found as SRILM and KenLM do: the
 * longest suffix s of h with (s w) in the model gives log10 P(w|s) plus the backoff weights of the
 * contexts longer than s that are in the model. Storage: 4 (word) + 4 (log10 P) bytes per n-gram,
 * plus 4 (child offset) + 4 (backoff) for orders below the highest.
 */
export class NgramModel implements LanguageModel {
  readonly kind = "ngram";
  readonly order: number;
  readonly contextSize: number;
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  /** Cache of per-context normalisers for unnormalised (stupid backoff) scores, by order and node. */
  private readonly normalizers: Float64Array[] = [];
  private rootNormalizer = Number.NaN;
  // distribution(): unigram probabilities, and per-word stamps of the words already assigned.
  private unigramProbs: Float64Array | undefined;
  private marks: Int32Array | undefined;
  private stamp = 0;

  constructor(
    readonly vocab: LmVocab,
    readonly trie: NgramTrie,
    /** log10 P per order and node (index 0 unused). */
    readonly logp: Float32Array[],
    /** log10 backoff per order and node, orders 1..order-1. */
    readonly backoff: Float32Array[],
    readonly info: NgramInfo = {},
  ) {
    this.order = trie.order;
    this.contextSize = this.order - 1;
    this.bos = required(vocab, "<s>");
    this.eos = required(vocab, "</s>");
    this.unk = required(vocab, "<unk>");
  }

  /** Number of n-grams per order (index 0 unused). */
  counts(): number[] {
    const out = [0];
    for (let k = 1; k <= this.order; k++) out.push(this.trie.size(k));
    return out;
  }

  /**
   * The ARPA score log10 P(word | ids[from..to)); only the last order-1 context words count.
   * Unnormalised for stupid backoff.
   */
  score10(word: number, ids: ArrayLike<number>, from: number, to: number): number {
    if (to - from > this.contextSize) from = to - this.contextSize;
    return backoffScore(this.trie, this.logp, this.backoff, word, ids, from, to);
  }

  logProb(word: number, context: ArrayLike<number>): number {
    if (word < 0 || word >= this.vocab.size) word = this.unk;
    let log10 = this.score10(word, context, 0, context.length);
    if (this.info.unnormalized) log10 -= Math.log10(this.normalizer(context, 0, context.length));
    return log10 * Math.LN10;
  }

  sentenceLogProbs(words: Int32Array): Float64Array {
    const ids = new Int32Array(words.length + 1);
    ids[0] = this.bos;
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      ids[i + 1] = w < 0 || w >= this.vocab.size ? this.unk : w;
    }
    const out = new Float64Array(words.length);
    for (let i = 1; i < ids.length; i++) {
      const from = Math.max(0, i - this.contextSize);
      let log10 = this.score10(ids[i], ids, from, i);
      if (this.info.unnormalized) log10 -= Math.log10(this.normalizer(ids, from, i));
      out[i - 1] = log10 * Math.LN10;
    }
    return out;
  }

  distribution(context: ArrayLike<number>, out = new Float64Array(this.vocab.size)): Float64Array {
    const trie = this.trie;
    const v = this.vocab.size;
    const to = context.length;
    const from = Math.max(0, to - this.contextSize);
    if (this.unigramProbs === undefined) {
      this.unigramProbs = new Float64Array(v);
      for (let w = 0; w < v; w++) this.unigramProbs[w] = w === this.bos ? 0 : 10 ** this.logp[1][w];
      this.marks = new Int32Array(v);
    }
    const marks = this.marks as Int32Array;
    const stamp = ++this.stamp;
    // Longest context first: a word takes the probability of the longest context that has seen it,
    // times the backoff weights of the longer contexts present. O(children + V), not O(order V).
    let scale = 1;
    for (let s = from; s < to; s++) {
      const node = trie.find(context, s, to);
      if (node < 0) continue;
      const len = to - s;
      const starts = trie.childStart[len];
      const words = trie.words[len + 1];
      const lp = this.logp[len + 1];
      for (let e = starts[node]; e < starts[node + 1]; e++) {
        const w = words[e];
        if (marks[w] !== stamp) {
          marks[w] = stamp;
          out[w] = scale * 10 ** lp[e];
        }
      }
      scale *= 10 ** this.backoff[len][node];
    }
    const p1 = this.unigramProbs;
    for (let w = 0; w < v; w++) if (marks[w] !== stamp) out[w] = scale * p1[w];
    if (this.info.unnormalized) {
      let sum = 0;
      for (let w = 0; w < v; w++) sum += out[w];
      for (let w = 0; w < v; w++) out[w] /= sum;
    }
    return out;
  }

  /**
   * Sum over words of 10^score10(w | ids[from..to)), cached per context node, by the recursion
   * Z(h) = sum over seen w of S(w|h) + bo(h) (Z(h') - sum over seen w of S(w|h')).
   */
  private normalizer(ids: ArrayLike<number>, from: number, to: number): number {
    if (to - from > this.contextSize) from = to - this.contextSize;
    const trie = this.trie;
    for (let s = from; s < to; s++) {
      const node = trie.find(ids, s, to);
      if (node < 0) continue;
      const len = to - s;
      let cache = this.normalizers[len];
      if (cache === undefined) {
        cache = new Float64Array(trie.size(len)).fill(Number.NaN);
        this.normalizers[len] = cache;
      }
      if (!Number.isNaN(cache[node])) return cache[node];
      const lower = this.normalizer(ids, s + 1, to);
      const starts = trie.childStart[len];
      const words = trie.words[len + 1];
      const lp = this.logp[len + 1];
      let here = 0;
      let below = 0;
      for (let e = starts[node]; e < starts[node + 1]; e++) {
        here += 10 ** lp[e];
        below += 10 ** this.score10(words[e], ids, s + 1, to);
      }
      const z = here + 10 ** this.backoff[len][node] * (lower - below);
      cache[node] = z;
      return z;
    }
    if (Number.isNaN(this.rootNormalizer)) {
      let z = 0;
      for (let w = 0; w < this.vocab.size; w++) if (w !== this.bos) z += 10 ** this.logp[1][w];
      this.rootNormalizer = z;
    }
    return this.rootNormalizer;
  }
}

/**
 * log10 P(word | ids[from..to)) by the ARPA backoff rule over the orders the arrays hold (the context
 * must be no longer than the highest order minus one).
 */
export function backoffScore(
  trie: NgramTrie,
  logp: Float32Array[],
  backoff: Float32Array[],
  word: number,
  ids: ArrayLike<number>,
  from: number,
  to: number,
): number {
  let acc = 0;
  for (let s = from; s < to; s++) {
    const node = trie.find(ids, s, to);
    if (node < 0) continue;
    const len = to - s;
    const child = trie.child(len, node, word);
    if (child >= 0) return acc + logp[len + 1][child];
    acc += backoff[len][node];
  }
  return acc + logp[1][word];
}

function required(vocab: LmVocab, word: string): number {
  const id = vocab.id(word);
  if (id < 0) throw new Error(`the model's vocabulary lacks ${word}`);
  return id;
}
