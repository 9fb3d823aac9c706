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

const SEP = "\u0000";

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
  private readonly counts = new Map<string, number>();
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

  /** Counts one pass of sentences; may be called for several sources. */
  async learn(source: AsyncIterable<readonly string[]> | Iterable<readonly string[]>): Promise<this> {
    const counts = this.counts;
    for await (const s of source) {
      for (let i = 0; i < s.length; i++) {
        counts.set(s[i], (counts.get(s[i]) ?? 0) + 1);
        if (i > 0) {
          const key = s[i - 1] + SEP + s[i];
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      this.corpusWords += s.length;
      if (counts.size > this.maxVocabSize) this.prune();
    }
    return this;
  }

  /** gensim's pruning: drop entries below a rising floor until the table fits again. */
  private prune(): void {
    for (const [k, c] of this.counts) if (c < this.minReduce) this.counts.delete(k);
    this.minReduce++;
  }

  /** Number of distinct unigrams and bigrams counted. */
  get vocabSize(): number {
    return this.counts.size;
  }

  /** The score of joining `a b`, or -Infinity when either word or the pair is below minCount. */
  score(a: string, b: string): number {
    const ca = this.counts.get(a) ?? 0;
    const cb = this.counts.get(b) ?? 0;
    const cab = this.counts.get(a + SEP + b) ?? 0;
    if (ca === 0 || cb === 0 || cab < this.minCount) return Number.NEGATIVE_INFINITY;
    if (this.scoring === "npmi") {
      const n = this.corpusWords;
      const pab = cab / n;
      return Math.log(pab / ((ca / n) * (cb / n))) / -Math.log(pab);
    }
    return ((cab - this.minCount) / (ca * cb)) * this.counts.size;
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
    for (const [k, c] of this.counts) {
      const sep = k.indexOf(SEP);
      if (sep < 0) continue;
      const score = this.score(k.slice(0, sep), k.slice(sep + 1));
      if (score > this.threshold) out.push({ phrase: k.replace(SEP, this.delimiter), count: c, score });
    }
    return out.sort((x, y) => y.score - x.score);
  }
}
