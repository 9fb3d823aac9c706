import { EmbedlmError } from "../util/errors.js";
import { stopwordSet } from "./stopwords.js";

/** Options of the word tokenizer. Defaults keep the text as it is, minus punctuation. */
export interface TokenizerOptions {
  /** Lowercase words (not URLs). Default false. */
  lowercase?: boolean;
  /** Unicode normalisation before splitting: "NFKC" (default) folds compatibility forms (ﬁ -> fi, full-width digits). */
  normalize?: "NFKC" | "none";
  /** Remove accents and other combining diacritics (é -> e, ά -> α); other marks (Indic vowel signs) stay. Default false. */
  stripAccents?: boolean;
  /** Punctuation and symbols as tokens ("keep") or removed ("drop", the default). Emoji are always kept. */
  punctuation?: "keep" | "drop";
  /**
   * Numbers as they are ("keep", default), replaced by the token `<num>` ("token"), or spelled out digit
   * by digit in English as in word2vec's text8 preparation ("spell": 1984 -> one nine eight four).
   */
  numbers?: "keep" | "token" | "spell";
  /** Words and numbers shorter than this many characters are dropped. Default 1. */
  minLength?: number;
  /** Words and numbers longer than this many characters are dropped. Default: no limit. */
  maxLength?: number;
  /** Keep URLs (http://..., www....) as one token. Default true. */
  urls?: boolean;
  /** Keep e-mail addresses as one token. Default true. */
  emails?: boolean;
  /** Drop stopwords: stopwords-iso language codes ("en", "en,fr") or a list of words. Default none. */
  stopwords?: string | string[];
  /**
   * "unicode" (default): words by Unicode letter classes, Chinese/Japanese/Thai segmented with
   * Intl.Segmenter. "whitespace": split on whitespace and nothing else (word2vec / gensim LineSentence
   * on pre-tokenized corpora); only `lowercase` and `stopwords` apply: giving another option with it
   * is an error (it would be silently ignored).
   */
  mode?: "unicode" | "whitespace";
}

/** The options the whitespace mode does not apply: it splits on whitespace and nothing else. */
export const UNICODE_ONLY_OPTIONS = [
  "normalize",
  "stripAccents",
  "punctuation",
  "numbers",
  "minLength",
  "maxLength",
  "urls",
  "emails",
] as const satisfies readonly (keyof TokenizerOptions)[];

// Alternatives of the token regex, tried in this order at each position: URL and e-mail before words,
// numbers (not followed by letters: "3rd" is a word) before words, emoji before other symbols.
const PATTERNS = {
  url: /(?:https?|ftp):\/\/[^\s<>"'`{}|\\^]+|www\.[\p{L}\p{N}-]+\.[^\s<>"'`{}|\\^]+/u.source,
  email: /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/u.source,
  number: /\p{N}+(?:[.,:]\p{N}+)*(?![\p{L}\p{M}\p{N}_])/u.source,
  word: /[\p{L}\p{M}\p{N}_]+(?:['’-][\p{L}\p{M}\p{N}_]+)*/u.source,
  emoji:
    /\p{RI}\p{RI}|\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?(?:\u200D\p{Extended_Pictographic}[\u{FE0F}\u{1F3FB}-\u{1F3FF}]?)*/u
      .source,
  punct: /[\p{P}\p{S}]/u.source,
};
type Kind = keyof typeof PATTERNS;
/** A segment that is a number as a whole ("2020" out of "2020年": digits beside Han are no word). */
const WHOLE_NUMBER = new RegExp(`^(?:${PATTERNS.number})$`, "u");
const URL_TRAILING = /[.,;:!?)\]]+$/u;
const NEEDS_SEGMENTER =
  /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;
const KANA = /[\p{sc=Hiragana}\p{sc=Katakana}]/u;
const THAI_LAO_KHMER_MYANMAR = /[\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]/u;
const ACCENTS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g;
const DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const WHITESPACE = /\s+/;
// Whitespace other than the space character: when a line has none, split(" ") does the job faster.
const OTHER_WHITESPACE = /[\t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

let segmenters: Record<string, Intl.Segmenter> | undefined;
function segmenter(locale: string): Intl.Segmenter {
  segmenters ??= {};
  segmenters[locale] ??= new Intl.Segmenter(locale, { granularity: "word" });
  return segmenters[locale];
}

/**
 * The value of a decimal digit in any script. Decimal digits come in whole runs of ten, some of them
 * back to back (the five mathematical digit sets, U+1D7CE-1D7FF): the offset from the start of the
 * whole stretch of digits, modulo ten.
 */
function digitValue(ch: string): number {
  const c = ch.codePointAt(0)!;
  if (c >= 48 && c <= 57) return c - 48;
  let start = c;
  const isDigit = (cp: number) => /\p{Nd}/u.test(String.fromCodePoint(cp));
  while (isDigit(start - 1)) start--;
  return (c - start) % 10;
}

function codePoints(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

/** Splits text into word tokens; see TokenizerOptions. Stateless after construction: share one freely. */
export class Tokenizer {
  readonly options: Readonly<Required<Omit<TokenizerOptions, "stopwords">>> & {
    stopwords?: string | string[];
  };
  private readonly stop: Set<string> | undefined;
  // Regexes by [url alternative on][e-mail alternative on]; a line without "@" or "://" / "www."
  // uses one without those alternatives, which saves trying them at every word.
  private readonly variants: { re: RegExp; kinds: Kind[] }[][];

  constructor(opts: TokenizerOptions = {}) {
    if (opts.mode === "whitespace") {
      const ignored = UNICODE_ONLY_OPTIONS.find((k) => opts[k] !== undefined);
      if (ignored !== undefined)
        throw new EmbedlmError(
          `does not apply to the whitespace mode, which splits on whitespace only (lowercase and stopwords apply); leave it out or use the unicode mode`,
          { field: ignored },
        );
    }
    this.options = {
      lowercase: opts.lowercase ?? false,
      normalize: opts.normalize ?? "NFKC",
      stripAccents: opts.stripAccents ?? false,
      punctuation: opts.punctuation ?? "drop",
      numbers: opts.numbers ?? "keep",
      minLength: opts.minLength ?? 1,
      maxLength: opts.maxLength ?? Number.POSITIVE_INFINITY,
      urls: opts.urls ?? true,
      emails: opts.emails ?? true,
      mode: opts.mode ?? "unicode",
      stopwords: opts.stopwords,
    };
    const o = this.options;
    const oneOf = (field: string, v: string, allowed: string[]) => {
      if (!allowed.includes(v)) {
        throw new EmbedlmError(`expected one of ${allowed.join(", ")}, got '${v}'`, { field });
      }
    };
    oneOf("normalize", o.normalize, ["NFKC", "none"]);
    oneOf("punctuation", o.punctuation, ["keep", "drop"]);
    oneOf("numbers", o.numbers, ["keep", "token", "spell"]);
    oneOf("mode", o.mode, ["unicode", "whitespace"]);
    if (!(o.minLength >= 0) || !(o.maxLength >= o.minLength)) {
      throw new EmbedlmError(`expected 0 <= minLength <= maxLength, got ${o.minLength} and ${o.maxLength}`, {
        field: "minLength",
      });
    }
    this.stop = opts.stopwords === undefined ? undefined : stopwordSet(opts.stopwords);
    const variant = (url: boolean, email: boolean) => {
      const kinds = (Object.keys(PATTERNS) as Kind[]).filter(
        (k) => (k !== "url" || url) && (k !== "email" || email),
      );
      return { re: new RegExp(kinds.map((k) => `(${PATTERNS[k]})`).join("|"), "gu"), kinds };
    };
    this.variants = [
      [variant(false, false), variant(false, o.emails)],
      [variant(o.urls, false), variant(o.urls, o.emails)],
    ];
  }

  tokenize(text: string): string[] {
    if (this.options.mode === "whitespace") return this.splitWhitespace(text);
    const out: string[] = [];
    this.tokenizeInto(text, out);
    return out;
  }

  /** Appends the tokens of `text` to `out` (saves an array per call in hot loops). */
  tokenizeInto(text: string, out: string[]): void {
    if (this.options.mode === "whitespace") {
      for (const t of this.splitWhitespace(text)) out.push(t);
      return;
    }
    const o = this.options;
    if (o.stripAccents) {
      text = text
        .normalize(o.normalize === "NFKC" ? "NFKD" : "NFD")
        .replace(ACCENTS, "")
        .normalize("NFC");
    } else if (o.normalize === "NFKC") text = text.normalize("NFKC");
    const hasUrl = text.includes("://") || text.includes("www.") ? 1 : 0;
    const { re, kinds } = this.variants[hasUrl][text.includes("@") ? 1 : 0];
    // Most lines hold no Chinese, Japanese or Thai: one test per line instead of one per word.
    const segment = NEEDS_SEGMENTER.test(text);
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      let g = 1;
      while (m[g] === undefined) g++;
      const tok = m[g];
      switch (kinds[g - 1]) {
        case "url": {
          // Sentence punctuation right after a URL is not part of it.
          const url = tok.replace(URL_TRAILING, "");
          re.lastIndex = m.index + url.length;
          out.push(url);
          break;
        }
        case "email":
          this.pushWord(tok, out);
          break;
        case "number":
          this.pushNumber(tok, out);
          break;
        case "word":
          if (segment) this.pushWordOrSegments(tok, out);
          else this.pushWord(tok, out);
          break;
        case "emoji":
          out.push(tok);
          break;
        default:
          if (o.punctuation === "keep") out.push(tok);
      }
    }
  }

  private pushWordOrSegments(word: string, out: string[]): void {
    if (!NEEDS_SEGMENTER.test(word)) {
      this.pushWord(word, out);
      return;
    }
    const locale = KANA.test(word) ? "ja" : THAI_LAO_KHMER_MYANMAR.test(word) ? "th" : "zh";
    for (const s of segmenter(locale).segment(word)) {
      if (!s.isWordLike) continue;
      if (WHOLE_NUMBER.test(s.segment)) this.pushNumber(s.segment, out);
      else this.pushWord(s.segment, out);
    }
  }

  private pushWord(word: string, out: string[]): void {
    const o = this.options;
    const len = codePoints(word);
    if (len < o.minLength || len > o.maxLength) return;
    const w = o.lowercase ? word.toLowerCase() : word;
    if (this.stop?.has(o.lowercase ? w : w.toLowerCase())) return;
    out.push(w);
  }

  private pushNumber(num: string, out: string[]): void {
    const o = this.options;
    if (o.numbers === "token") out.push("<num>");
    else if (o.numbers === "spell") {
      for (const ch of num) if (/\p{Nd}/u.test(ch)) out.push(DIGIT_NAMES[digitValue(ch)]);
    } else {
      const len = codePoints(num);
      if (len >= o.minLength && len <= o.maxLength) out.push(num);
    }
  }

  private splitWhitespace(text: string): string[] {
    const parts = OTHER_WHITESPACE.test(text) ? text.split(WHITESPACE) : text.split(" ");
    let n = 0;
    const lower = this.options.lowercase;
    const stop = this.stop;
    for (let i = 0; i < parts.length; i++) {
      let t = parts[i];
      if (t === "") continue;
      if (lower) t = t.toLowerCase();
      if (stop?.has(lower ? t : t.toLowerCase())) continue;
      parts[n++] = t;
    }
    parts.length = n;
    return parts;
  }
}
