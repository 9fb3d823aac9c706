import { readFile } from "node:fs/promises";
import type { Corpus } from "../text/corpus.js";
import type { Tokenizer } from "../text/tokenizer.js";
import { writeFileAtomic } from "../util/atomic.js";
import { checkInt, EmbedlmError } from "../util/errors.js";
import { countTokens } from "./count.js";

/** How a vocabulary is cut from raw counts (gensim / Keras names in the comments). */
export interface VocabOptions {
  /** Words seen fewer times are dropped (gensim `min_count`, word2vec `-min-count`). Default 1. */
  minCount?: number;
  /**
   * At most this many entries, specials included: a plain cut of the list sorted by count, so of
   * words tied at the cut the first seen are kept (a cut like Keras `num_words`, which keeps
   * num_words - 1 words). Default: no limit. For gensim's rule see `maxFinalVocab`.
   */
  maxSize?: number;
  /**
   * gensim `max_final_vocab`: at most this many words (specials not counted), reached as gensim does
   * by raising the minimum count to one more than the count of the (n+1)-th most frequent word, so
   * words tied at the cut are all dropped and fewer than n words may remain. Default: no limit.
   */
  maxFinalVocab?: number;
  /**
   * Special tokens such as `["<unk>", "<pad>"]`: ids 0.. in this order, always kept whatever their count.
   * Their count is what the corpus holds of them (0 when absent; PTB, for one, contains `<unk>`).
   */
  specials?: readonly string[];
}

/** What `encode` does with a word the vocabulary lacks: leave it out, or map it to the `<unk>` special. */
export type UnknownPolicy = "drop" | "unk";

/**
 * A word <-> id mapping with counts. Ids are dense: specials first, then words by count descending,
 * ties in first-seen order (deterministic; word2vec.c's qsort and gensim's argsort promise no order
 * for ties, and word2vec.c's ids start at 1, after its `</s>`).
 */
export class Vocab {
  readonly words: readonly string[];
  readonly counts: Float64Array;
  readonly totalCount: number;
  /**
   * Line breaks of the counted corpus, word2vec.c's count of `</s>` (its entry 0, the sentence
   * break), when known: from `fromCorpus` or a file's `</s>` line. Not a word of the vocabulary.
   */
  readonly sentenceBreaks: number | undefined;
  private readonly index: Map<string, number>;

  /** A vocabulary with exactly these words as ids 0.. (no sorting); duplicates are an error. */
  constructor(words: readonly string[], counts?: ArrayLike<number>, sentenceBreaks?: number) {
    this.sentenceBreaks = sentenceBreaks;
    if (counts !== undefined && counts.length !== words.length) {
      throw new EmbedlmError(`${words.length} words but ${counts.length} counts`, { field: "counts" });
    }
    this.words = words;
    this.counts = counts === undefined ? new Float64Array(words.length) : Float64Array.from(counts);
    this.index = new Map();
    let total = 0;
    for (let i = 0; i < words.length; i++) {
      if (this.index.has(words[i])) {
        throw new EmbedlmError(`duplicate word '${words[i]}' at ids ${this.index.get(words[i])} and ${i}`);
      }
      this.index.set(words[i], i);
      total += this.counts[i];
    }
    this.totalCount = total;
  }

  get size(): number {
    return this.words.length;
  }

  /** The id of `word`, or -1. */
  id(word: string): number {
    return this.index.get(word) ?? -1;
  }

  has(word: string): boolean {
    return this.index.has(word);
  }

  word(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.words.length) {
      throw new EmbedlmError(`id ${id} is outside the vocabulary [0, ${this.words.length})`);
    }
    return this.words[id];
  }

  /** Ids of `tokens`; unknown words are dropped, or mapped to `<unk>` (which must be a special). */
  encode(tokens: readonly string[], unknown: UnknownPolicy = "drop"): Int32Array {
    const out = new Int32Array(tokens.length);
    let n = 0;
    const index = this.index;
    if (unknown === "unk") {
      const unk = index.get("<unk>");
      if (unk === undefined) {
        throw new EmbedlmError("encoding with unknown='unk' needs '<unk>' in the vocabulary (specials)");
      }
      for (let i = 0; i < tokens.length; i++) out[n++] = index.get(tokens[i]) ?? unk;
      return out;
    }
    for (let i = 0; i < tokens.length; i++) {
      const id = index.get(tokens[i]);
      if (id !== undefined) out[n++] = id;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  decode(ids: ArrayLike<number>): string[] {
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.word(ids[i]);
    return out;
  }

  /** Cuts a vocabulary from counts; `counts` iteration order is the first-seen order used for ties. */
  static fromCounts(counts: Map<string, number>, opts: VocabOptions = {}): Vocab {
    const minCount = checkInt("minCount", opts.minCount ?? 1, 0);
    const specials = opts.specials ?? [];
    const maxSize = checkInt("maxSize", opts.maxSize ?? Number.MAX_SAFE_INTEGER, specials.length);
    const specialSet = new Set(specials);
    if (specialSet.size !== specials.length)
      throw new EmbedlmError("duplicate special tokens", { field: "specials" });
    let effectiveMin = minCount;
    if (opts.maxFinalVocab !== undefined) {
      const n = checkInt("maxFinalVocab", opts.maxFinalVocab, 0);
      const sorted: number[] = [];
      for (const [w, c] of counts) if (!specialSet.has(w)) sorted.push(c);
      sorted.sort((a, b) => b - a);
      if (n < sorted.length) effectiveMin = Math.max(effectiveMin, sorted[n] + 1);
    }
    const kept: [string, number][] = [];
    for (const [w, c] of counts) {
      if (c >= effectiveMin && !specialSet.has(w)) kept.push([w, c]);
    }
    // Array.prototype.sort is stable, so equal counts keep first-seen order.
    kept.sort((a, b) => b[1] - a[1]);
    const room = maxSize - specials.length;
    if (kept.length > room) kept.length = room;
    const words = [...specials, ...kept.map((e) => e[0])];
    const cs = new Float64Array(words.length);
    for (let i = 0; i < specials.length; i++) cs[i] = counts.get(specials[i]) ?? 0;
    for (let i = 0; i < kept.length; i++) cs[specials.length + i] = kept[i][1];
    return new Vocab(words, cs);
  }

  /** Counts every token of a (possibly streaming) source of sentences, then cuts with `opts`. */
  static async build(
    source: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
    opts: VocabOptions = {},
  ): Promise<Vocab> {
    const counts = new Map<string, number>();
    for await (const sentence of source) countInto(counts, sentence);
    return Vocab.fromCounts(counts, opts);
  }

  /**
   * Counts one pass over a corpus (the byte-level fast path for whitespace tokenization) and cuts with
   * `opts`; what gensim's build_vocab does before training.
   */
  static async fromCorpus(
    corpus: Corpus,
    tokenizer: Tokenizer,
    opts: VocabOptions & { onBytes?: (bytesDone: number) => void } = {},
  ): Promise<Vocab> {
    const { counts, lines } = await countTokens(corpus, tokenizer, opts.onBytes);
    const v = Vocab.fromCounts(counts, opts);
    return new Vocab(v.words, v.counts, lines);
  }

  /**
   * Writes word2vec.c's `-save-vocab` format to a temporary name, then renames: the line
   * `</s> COUNT` (word2vec.c's entry 0, the sentence break; COUNT is `sentenceBreaks` given here, else
   * the vocabulary's, else the count of a word 0 `</s>`, else 0), then `word count` lines. word2vec.c's `-read-vocab` keeps entry 0 first
   * and drops words under -min-count, so a COUNT of 0 there costs the last word: give the count.
   */
  async save(path: string, opts: { sentenceBreaks?: number } = {}): Promise<void> {
    // A vocabulary whose word 0 is `</s>` (a special) already holds the entry, with its count.
    const own = this.words[0] === "</s>" ? this.counts[0] : undefined;
    const breaks = checkInt("sentenceBreaks", opts.sentenceBreaks ?? this.sentenceBreaks ?? own ?? 0, 0);
    const parts: string[] = [`</s> ${breaks}\n`];
    for (let i = own === undefined ? 0 : 1; i < this.words.length; i++) {
      const w = this.words[i];
      if (w === "</s>")
        throw new EmbedlmError(
          `word ${i} is '</s>', which the format reserves for its first line (the sentence break)`,
          { file: path },
        );
      if (w === "" || /\s/.test(w)) {
        throw new EmbedlmError(
          `word ${i} ('${w}') is empty or contains whitespace; the format cannot hold it`,
          {
            file: path,
          },
        );
      }
      parts.push(`${w} ${this.counts[i]}\n`);
    }
    await writeFileAtomic(path, parts.join(""));
  }

  /**
   * Reads `word count` lines; ids follow the file's order. Blank lines are skipped. A first entry
   * `</s>` (what word2vec.c's -save-vocab writes first: its sentence break) is not a word: its count
   * becomes `sentenceBreaks`. Files without it (older embedlm ones) read as well.
   */
  static async load(path: string): Promise<Vocab> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new EmbedlmError(
        `cannot read the vocabulary: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        {
          file: path,
        },
      );
    }
    const words: string[] = [];
    const counts: number[] = [];
    const seen = new Map<string, number>();
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
      if (line.trim() === "") continue;
      const fields = line.trim().split(/\s+/);
      if (fields.length !== 2) {
        throw new EmbedlmError(
          `expected 'word count', got ${fields.length} field(s): '${line.slice(0, 80)}'`,
          {
            file: path,
            line: i + 1,
          },
        );
      }
      const c = Number(fields[1]);
      // Integer values written as floats ("5.0", "1e+06") are counts too; "2.5" is not.
      if (!/^\d+(\.\d*)?(e\+?\d+)?$/i.test(fields[1]) || !Number.isSafeInteger(c)) {
        throw new EmbedlmError(`expected a non-negative integer count, got '${fields[1]}'`, {
          file: path,
          line: i + 1,
        });
      }
      const prev = seen.get(fields[0]);
      if (prev !== undefined) {
        throw new EmbedlmError(`duplicate word '${fields[0]}' (first on line ${prev})`, {
          file: path,
          line: i + 1,
        });
      }
      seen.set(fields[0], i + 1);
      words.push(fields[0]);
      counts.push(c);
    }
    let breaks: number | undefined;
    if (words[0] === "</s>") {
      breaks = counts[0];
      words.shift();
      counts.shift();
    }
    if (words.length === 0) throw new EmbedlmError("the vocabulary file holds no words", { file: path });
    return new Vocab(words, counts, breaks);
  }
}

/** Adds the tokens of one sentence to running counts (the streaming counter's inner loop). */
export function countInto(counts: Map<string, number>, tokens: readonly string[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const w = tokens[i];
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
}

/** Options of `padSequences`, with Keras `pad_sequences` names and defaults. */
export interface PadOptions {
  /** Length of every row; default the longest sequence. */
  maxlen?: number;
  /** Where padding goes: "pre" (default, like Keras) or "post". */
  padding?: "pre" | "post";
  /** Which end of a long sequence is cut: "pre" (default, like Keras) or "post". */
  truncating?: "pre" | "post";
  /** The padding id (default 0). */
  value?: number;
}

/** A row-major [rows, cols] matrix of ids. */
export interface PaddedSequences {
  data: Int32Array;
  rows: number;
  cols: number;
}

/** Pads and truncates sequences to one length, as Keras `pad_sequences` does. */
export function padSequences(
  sequences: readonly ArrayLike<number>[],
  opts: PadOptions = {},
): PaddedSequences {
  let longest = 0;
  for (const s of sequences) longest = Math.max(longest, s.length);
  const cols = checkInt("maxlen", opts.maxlen ?? longest, 0);
  const padding = opts.padding ?? "pre";
  const truncating = opts.truncating ?? "pre";
  for (const [name, v] of [
    ["padding", padding],
    ["truncating", truncating],
  ] as const) {
    if (v !== "pre" && v !== "post")
      throw new EmbedlmError(`expected 'pre' or 'post', got '${v}'`, { field: name });
  }
  const rows = sequences.length;
  const data = new Int32Array(rows * cols).fill(opts.value ?? 0);
  for (let r = 0; r < rows; r++) {
    const s = sequences[r];
    const n = Math.min(s.length, cols);
    const from = truncating === "pre" ? s.length - n : 0;
    const to = r * cols + (padding === "pre" ? cols - n : 0);
    for (let k = 0; k < n; k++) data[to + k] = s[from + k];
  }
  return { data, rows, cols };
}
