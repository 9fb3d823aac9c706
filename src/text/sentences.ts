import { checkInt } from "../util/errors.js";
import type { Corpus } from "./corpus.js";
import type { Tokenizer } from "./tokenizer.js";

/** Options of `sentences`. */
export interface SentenceOptions {
  /** Longer token lists are cut into pieces of at most this many tokens (gensim's default 10000). */
  maxSentenceLength?: number;
  /** Bytes of the corpus read so far, for progress. */
  onBytes?: (bytesDone: number) => void;
  /**
   * Split each line into sentences first (`splitSentences`), for corpora with a paragraph or a whole
   * document per line: true for English rules, or a locale ("zh", "de"). Default false (one line, one sentence).
   */
  splitSentences?: boolean | string;
}

/**
 * One pass over a corpus as token lists, one per line (gensim LineSentence), long lines cut into
 * pieces of maxSentenceLength tokens and empty lines skipped. Call again for another pass.
 */
export async function* sentences(
  corpus: Corpus,
  tokenizer: Tokenizer,
  opts: SentenceOptions = {},
): AsyncIterable<string[]> {
  const max = checkInt("maxSentenceLength", opts.maxSentenceLength ?? 10000, 1);
  const locale = opts.splitSentences === true ? "en" : opts.splitSentences || undefined;
  for await (const line of corpus.lines(opts.onBytes)) {
    for (const text of locale === undefined ? [line] : splitSentences(line, locale)) {
      const tokens = tokenizer.tokenize(text);
      if (tokens.length === 0) continue;
      if (tokens.length <= max) yield tokens;
      else for (let i = 0; i < tokens.length; i += max) yield tokens.slice(i, i + max);
    }
  }
}

// Unicode sentence rules end a sentence at "Mr."; these English abbreviations are joined back.
const EN_ABBREVIATIONS = new Set(
  "mr mrs ms dr prof sr jr st mt vs etc e.g i.e no gen col lt sgt capt gov sen rep hon fig jan feb aug sept oct nov dec".split(
    " ",
  ),
);
const LAST_WORD = /(?:^|\s)([\p{L}.]+)\.$/u;

let sentenceSegmenters: Map<string, Intl.Segmenter> | undefined;

/**
 * Splits running text into sentences with Intl.Segmenter (Unicode sentence boundaries, which know
 * "。", "؟" and friends), trimmed, empty ones dropped.
 */
export function splitSentences(text: string, locale = "en"): string[] {
  sentenceSegmenters ??= new Map();
  let seg = sentenceSegmenters.get(locale);
  if (seg === undefined) {
    seg = new Intl.Segmenter(locale, { granularity: "sentence" });
    sentenceSegmenters.set(locale, seg);
  }
  const english = locale.toLowerCase().startsWith("en");
  const out: string[] = [];
  let joinNext = false;
  for (const s of seg.segment(text)) {
    const t = s.segment.trim();
    if (t === "") continue;
    if (joinNext) out[out.length - 1] += ` ${t}`;
    else out.push(t);
    const last = english ? LAST_WORD.exec(t) : null;
    joinNext = last !== null && EN_ABBREVIATIONS.has(last[1].toLowerCase());
  }
  return out;
}
