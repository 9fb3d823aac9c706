import { checkInt, checkNumber, EmbedlmError } from "../util/errors.js";

/** Options of phrase detection, with gensim `Phrases` names and defaults. */
export interface PhrasesOptions {
  /** Bigrams (and their words) seen fewer times are never joined. Default 5. */
  minCount?: number;
  /** Pairs scoring above this are joined. Default 10 ("default" scoring) / 0.5 is typical for "npmi". */
  threshold?: number;
  /** Glue between the joined words. Default "_" (new_york). */
  delimiter?: string;
  /**
   * "default": word2phrase / gensim original_scorer, (count(ab) - minCount) / (count(a) count(b)) * |V|
   * with |V| the number of distinct unigrams and bigrams counted; "npmi": normalized pointwise mutual
   * information in [-1, 1] (Bouma 2009), as gensim's npmi_scorer.
   */
  scoring?: "default" | "npmi";
  /** When the count table grows past this many entries, rare ones are pruned (gensim max_vocab_size). Default 40M. */
  maxVocabSize?: number;
}

/**
 * Counts of (a, b) word-id pairs in an open-addressing hash table over typed arrays: no string and
 * no boxed number per pair, which a Map would cost on every token.
 */
class PairCounts {
  private table = new Int32Array(1 << 16).fill(-1);
  first = new Int32Array(1 << 15);
  second = new Int32Array(1 << 15);
  count = new Float64Array(1 << 15);
  size = 0;

  private slot(a: number, b: number): number {
    const mask = this.table.length - 1;
    let i = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b)) & mask;
    for (;;) {
      const e = this.table[i];
      if (e < 0 || (this.first[e] === a && this.second[e] === b)) return i;
      i = (i + 1) & mask;
    }
  }

  get(a: number, b: number): number {
    const e = this.table[this.slot(a, b)];
    return e < 0 ? 0 : this.count[e];
  }

  add(a: number, b: number): void {
    const i = this.slot(a, b);
    const e = this.table[i];
    if (e >= 0) {
      this.count[e]++;
      return;
    }
    if (this.size === this.first.length) {
      const n = this.size * 2;
      const f = new Int32Array(n);
      f.set(this.first);
      this.first = f;
      const sc = new Int32Array(n);
      sc.set(this.second);
      this.second = sc;
      const c = new Float64Array(n);
      c.set(this.count);
      this.count = c;
    }
    this.first[this.size] = a;
    this.second[this.size] = b;
    this.count[this.size] = 1;
    this.table[i] = this.size++;
    if (this.size * 2 > this.table.length) this.rebuild(this.table.length * 2);
  }

  /**
   * Drops pairs counted fewer than `floor` times or holding a dropped word (`newId` -1), keeping the
   * others' order, and renumbers their words through `newId`.
   */
  prune(floor: number, newId: Int32Array): void {
    let n = 0;
    for (let e = 0; e < this.size; e++) {
      const a = newId[this.first[e]];
      const b = newId[this.second[e]];
      if (this.count[e] < floor || a < 0 || b < 0) continue;
      this.first[n] = a;
      this.second[n] = b;
      this.count[n] = this.count[e];
      n++;
    }
    this.size = n;
    this.rebuild(this.table.length);
  }

  private rebuild(capacity: number): void {
    this.table = new Int32Array(capacity).fill(-1);
    const size = this.size;
    this.size = 0;
    for (let e = 0; e < size; e++) {
      this.table[this.slot(this.first[e], this.second[e])] = e;
      this.size++;
    }
  }
}

/**
 * Bigram phrase detection like word2phrase and gensim `Phrases`: count unigrams and bigrams over a
 * stream of sentences (`learn`), then join adjacent pairs that score above the threshold, left to
 * right, greedily (`transform`, or `apply` as a stream transform). Run it twice for trigrams.
 */
export class Phrases {
  readonly minCount: number;
  readonly threshold: number;
  readonly delimiter: string;
  readonly scoring: "default" | "npmi";
  private readonly maxVocabSize: number;
  private readonly ids = new Map<string, number>();
  private words: string[] = [];
  private unigram = new Float64Array(1024);
  private readonly bigram = new PairCounts();
  private corpusWords = 0;
  private minReduce = 1;

  constructor(opts: PhrasesOptions = {}) {
    this.minCount = checkInt("minCount", opts.minCount ?? 5, 1);
    this.scoring = opts.scoring ?? "default";
    if (this.scoring !== "default" && this.scoring !== "npmi") {
      throw new EmbedlmError(`expected 'default' or 'npmi', got '${this.scoring}'`, { field: "scoring" });
    }
    this.threshold = checkNumber("threshold", opts.threshold ?? 10, this.scoring === "npmi" ? -1 : 0);
    this.delimiter = opts.delimiter ?? "_";
    this.maxVocabSize = checkInt("maxVocabSize", opts.maxVocabSize ?? 40_000_000, 2);
  }

  private idOf(w: string): number {
    let id = this.ids.get(w);
    if (id === undefined) {
      id = this.words.length;
      this.ids.set(w, id);
      this.words.push(w);
      if (id === this.unigram.length) {
        const bigger = new Float64Array(id * 2);
        bigger.set(this.unigram);
        this.unigram = bigger;
      }
    }
    return id;
  }

  /** Counts one pass of sentences; may be called for several sources. */
  async learn(source: AsyncIterable<readonly string[]> | Iterable<readonly string[]>): Promise<this> {
    const bigram = this.bigram;
    for await (const s of source) {
      let prev = -1;
      for (let i = 0; i < s.length; i++) {
        const id = this.idOf(s[i]);
        this.unigram[id]++;
        if (prev >= 0) bigram.add(prev, id);
        prev = id;
      }
      this.corpusWords += s.length;
      if (this.vocabSize > this.maxVocabSize) this.prune();
    }
    return this;
  }

  /**
   * gensim's prune_vocab: every entry, word or pair, counted fewer times than a floor that rises with
   * each pruning is dropped. A dropped word's pairs are below the floor too (a pair is never counted
   * more often than its words); a word seen again later is counted from zero, as in gensim.
   */
  private prune(): void {
    const floor = this.minReduce++;
    const newId = new Int32Array(this.words.length);
    let n = 0;
    for (let i = 0; i < this.words.length; i++) {
      const w = this.words[i];
      if (this.unigram[i] < floor) {
        this.ids.delete(w);
        newId[i] = -1;
        continue;
      }
      newId[i] = n;
      this.ids.set(w, n);
      this.words[n] = w;
      this.unigram[n++] = this.unigram[i];
    }
    this.words.length = n;
    this.unigram.fill(0, n);
    this.bigram.prune(floor, newId);
  }

  /**
   * Word counts seen by `learn`, in first-seen order (saves a separate counting pass); exact unless
   * the table outgrew maxVocabSize and was pruned.
   */
  unigramCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (let i = 0; i < this.words.length; i++) out.set(this.words[i], this.unigram[i]);
    return out;
  }

  /** Number of distinct unigrams and bigrams counted (gensim's len(vocab), used in the score). */
  get vocabSize(): number {
    return this.words.length + this.bigram.size;
  }

  /** The score of joining `a b`, or -Infinity when the pair was seen fewer than minCount times. */
  score(a: string, b: string): number {
    const ia = this.ids.get(a);
    const ib = this.ids.get(b);
    if (ia === undefined || ib === undefined) return Number.NEGATIVE_INFINITY;
    return this.scoreIds(ia, ib, this.bigram.get(ia, ib));
  }

  private scoreIds(ia: number, ib: number, cab: number): number {
    if (cab < this.minCount) return Number.NEGATIVE_INFINITY;
    const ca = this.unigram[ia];
    const cb = this.unigram[ib];
    if (this.scoring === "npmi") {
      const n = this.corpusWords;
      const pab = cab / n;
      return Math.log(pab / ((ca / n) * (cb / n))) / -Math.log(pab);
    }
    return ((cab - this.minCount) / (ca * cb)) * this.vocabSize;
  }

  /** Joins phrases in one sentence, left to right: a pair that is joined is not paired again. */
  transform(sentence: readonly string[]): string[] {
    const out: string[] = [];
    let i = 0;
    while (i < sentence.length) {
      if (i + 1 < sentence.length && this.score(sentence[i], sentence[i + 1]) > this.threshold) {
        out.push(sentence[i] + this.delimiter + sentence[i + 1]);
        i += 2;
      } else out.push(sentence[i++]);
    }
    return out;
  }

  /** The stream transform: sentences in, sentences with phrases joined out. */
  async *apply(
    source: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
  ): AsyncIterable<string[]> {
    for await (const s of source) yield this.transform(s);
  }

  /** The phrases found with their scores, best first (what gensim's export_phrases lists). */
  phrases(): { phrase: string; count: number; score: number }[] {
    const out: { phrase: string; count: number; score: number }[] = [];
    const pairs = this.bigram;
    for (let e = 0; e < pairs.size; e++) {
      const ia = pairs.first[e];
      const ib = pairs.second[e];
      const c = pairs.count[e];
      const score = this.scoreIds(ia, ib, c);
      if (score > this.threshold) {
        out.push({ phrase: this.words[ia] + this.delimiter + this.words[ib], count: c, score });
      }
    }
    return out.sort((x, y) => y.score - x.score);
  }
}
