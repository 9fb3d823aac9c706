import type { Corpus } from "../../text/corpus.js";
import { sentences } from "../../text/sentences.js";
import { Tokenizer } from "../../text/tokenizer.js";
import { WordScanner, type WordSink } from "../../text/word-scanner.js";
import { checkInt, EmbedlmError } from "../../util/errors.js";
import { ByteTable } from "../../vocab/byte-table.js";
import { Vocab } from "../../vocab/vocab.js";
import { BoundaryError } from "../model.js";
import { NgramCounter } from "./counter.js";
import { estimateModel } from "./estimate.js";
import type { NgramModel } from "./model.js";
import { type Smoothing, smoothingByName } from "./smoothing.js";
import { WordList } from "./words.js";

/** Options of `trainNgram` (KenLM lmplz / SRILM ngram-count names in the comments). */
export interface NgramOptions {
  /** n, the order (`-o` / `-order`), 1..16. Default 5. */
  order?: number;
  /** "kn" (interpolated modified Kneser-Ney, default), "wb", "addk", "stupid", or a Smoothing object. */
  smoothing?: string | Smoothing;
  /** add-k's k (default 1) or stupid backoff's alpha (default 0.4). */
  k?: number;
  /**
   * KenLM `--prune`: `prune[i]` is the count threshold of order i+1; n-grams seen that many times or
   * fewer are dropped (the last value repeats for higher orders; unigrams are never pruned). Default none.
   */
  prune?: readonly number[];
  /**
   * A closed vocabulary (e.g. `Vocab.load` of a "word count" file): other words become `<unk>`.
   * Default: every word of the corpus.
   */
  vocab?: Vocab;
  /** Words seen fewer times become `<unk>` (needs a second pass over the corpus). Default 1. */
  minCount?: number;
  /** Keep at most this many words (specials included), the most frequent. Default: no limit. */
  maxSize?: number;
}

/** Special words, first in every vocabulary trained here. */
export const SPECIALS = ["<unk>", "<s>", "</s>"] as const;

/** A corpus that can be read more than once: a function returning a fresh stream of token lists. */
export type SentenceSource = () => AsyncIterable<readonly string[]> | Iterable<readonly string[]>;

/** What every training entry point settles first: the smoothing, the order, the starting words. */
async function setUp(
  opts: NgramOptions,
  pass: () => AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
) {
  const order = checkInt("order", opts.order ?? 5, 1, 16);
  const name = typeof opts.smoothing === "object" ? undefined : (opts.smoothing ?? "kn");
  // Options that would change nothing are errors, not silently dropped.
  if (opts.k !== undefined && name !== "addk" && name !== "stupid")
    throw new EmbedlmError(`applies to smoothing addk and stupid only, not ${name ?? "a Smoothing object"}`, {
      field: "k",
    });
  if (opts.vocab && (opts.minCount !== undefined || opts.maxSize !== undefined))
    throw new EmbedlmError(
      "minCount and maxSize do not apply to a closed vocabulary (vocab): cut the vocabulary file",
      {
        field: "vocab",
      },
    );
  const smoothing = typeof opts.smoothing === "object" ? opts.smoothing : smoothingByName(name!, opts.k);
  const cutoffs: number[] = [];
  if (opts.prune && opts.prune.length > 0) {
    for (let i = 0; i < opts.prune.length; i++) checkInt(`prune[${i}]`, opts.prune[i], 0);
    if (opts.prune[0] !== 0)
      throw new EmbedlmError("unigrams cannot be pruned: the first threshold must be 0", { field: "prune" });
    for (let k = 1; k <= order; k++) cutoffs[k] = opts.prune[Math.min(k, opts.prune.length) - 1] + 1;
  }
  const words = new WordList(SPECIALS);
  let closed = false;
  if (opts.vocab) {
    for (const w of opts.vocab.words) words.add(w);
    closed = true;
  } else if ((opts.minCount ?? 1) > 1 || opts.maxSize !== undefined) {
    checkInt("minCount", opts.minCount ?? 1, 1);
    const cut = await Vocab.build(pass(), {
      minCount: opts.minCount,
      maxSize: opts.maxSize,
      specials: SPECIALS,
    });
    for (const w of cut.words) words.add(w);
    closed = true;
  }
  const counter = new NgramCounter(order, words.id("<s>"), words.id("</s>"));
  return { smoothing, cutoffs, words, closed, counter };
}

function estimate(
  counter: NgramCounter,
  words: readonly string[],
  smoothing: Smoothing,
  cutoffs: number[],
): NgramModel {
  if (counter.tokens === 0) throw new EmbedlmError("the corpus is empty: no sentence with a word");
  const counts = counter.finish(words.length);
  return estimateModel(counts, smoothing, new Vocab(words, counts.counts[1]), cutoffs);
}

/**
 * Trains an n-gram model on tokenized sentences, streaming: memory grows with the number of distinct
 * n-grams, not with the corpus. Words outside the vocabulary are counted as `<unk>`; empty sentences
 * are skipped; `<s>` and `</s>` inside a sentence are errors.
 */
export async function trainNgram(source: SentenceSource, opts: NgramOptions = {}): Promise<NgramModel> {
  const { smoothing, cutoffs, words, closed, counter } = await setUp(opts, source);
  const unk = words.id("<unk>");
  const bos = counter.bos;
  const eos = counter.eos;
  let ids = new Int32Array(256);
  let sentenceNo = 0;
  for await (const sentence of source()) {
    sentenceNo++;
    const n = sentence.length;
    if (n === 0) continue;
    if (n > ids.length) ids = new Int32Array(n * 2);
    for (let i = 0; i < n; i++) {
      let id = closed ? words.id(sentence[i]) : words.add(sentence[i]);
      if (id === bos || id === eos) throw new BoundaryError(sentenceNo, sentence[i]);
      if (id < 0) id = unk;
      ids[i] = id;
    }
    counter.addSentence(ids.subarray(0, n));
  }
  return estimate(counter, words.words, smoothing, cutoffs);
}

/** A line is one sentence however long (text/sentences.ts would cut it every 10,000 tokens). */
export const WHOLE_LINES = { maxSentenceLength: 1 << 30 } as const;

/**
 * Trains on a corpus of whitespace-tokenized lines (one sentence per line, PTB style). Reads the
 * corpus as bytes (`WordScanner`) and maps words to ids without a string per token (`ByteTable`),
 * which is faster and lighter than `trainNgram` over token lists; whitespace is JavaScript's \s, as
 * the whitespace tokenizer splits.
 */
export async function trainNgramOnCorpus(corpus: Corpus, opts: NgramOptions = {}): Promise<NgramModel> {
  const tokenizer = new Tokenizer({ mode: "whitespace" });
  const pass = () => sentences(corpus, tokenizer, WHOLE_LINES);
  if (!corpus.bytes) return trainNgram(pass, opts);
  const { smoothing, cutoffs, words, closed, counter } = await setUp(opts, pass);
  const table = new ByteTable(words.words);
  const unk = table.findWord("<unk>");
  let sentenceNo = 0;
  const sink = new IdSentences(
    closed
      ? (b, from, to, h) => {
          const id = table.find(b, from, to, h);
          return id < 0 ? unk : id;
        }
      : (b, from, to, h) => table.add(b, from, to, h),
    (ids) => {
      sentenceNo++;
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === counter.bos || ids[i] === counter.eos)
          throw new BoundaryError(sentenceNo, table.words[ids[i]]);
      }
      counter.addSentence(ids);
    },
  );
  const scanner = new WordScanner(sink);
  for await (const chunk of corpus.bytes()) scanner.add(chunk);
  scanner.finish();
  sink.lineEnd();
  return estimate(counter, table.words, smoothing, cutoffs);
}

/** Gathers a line's word ids and hands the line's non-empty sentence on at its end (a view valid during the call). */
class IdSentences implements WordSink {
  private ids = new Int32Array(1024);
  private n = 0;

  constructor(
    private readonly lookup: (bytes: Uint8Array, start: number, end: number, hash: number) => number,
    private readonly onSentence: (ids: Int32Array) => void,
  ) {}

  word(bytes: Uint8Array, start: number, end: number, hash: number): void {
    if (this.n === this.ids.length) {
      const bigger = new Int32Array(this.n * 2);
      bigger.set(this.ids);
      this.ids = bigger;
    }
    this.ids[this.n++] = this.lookup(bytes, start, end, hash);
  }

  lineEnd(): void {
    if (this.n === 0) return;
    const n = this.n;
    this.n = 0;
    this.onSentence(this.ids.subarray(0, n));
  }
}
