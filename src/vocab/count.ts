import type { Corpus } from "../text/corpus.js";
import { sentences } from "../text/sentences.js";
import { stopwordSet } from "../text/stopwords.js";
import type { Tokenizer } from "../text/tokenizer.js";
import { WordScanner, type WordSink } from "../text/word-scanner.js";
import { ByteTable } from "./byte-table.js";

/**
 * Counts whitespace-separated tokens straight from UTF-8 bytes (`WordScanner` into a `ByteTable`), so
 * no string is made per token, only one per distinct token. Chunks must end on character boundaries
 * (what Corpus.bytes gives); a token may continue into the next chunk.
 */
export class ByteTokenCounter implements WordSink {
  private scanner = new WordScanner(this);
  private table = new ByteTable();
  /** Line ends ("\n") seen so far. */
  lines = 0;

  add(chunk: Uint8Array): void {
    this.scanner.add(chunk);
  }

  word(bytes: Uint8Array, start: number, end: number, hash: number): void {
    this.table.count(bytes, start, end, hash);
  }

  lineEnd(): void {
    this.lines++;
  }

  /** Tokens counted so far. */
  get tokens(): number {
    return this.table.counts().reduce((a, b) => a + b, 0);
  }

  /**
   * The counts by token string, in first-seen order. Invalid UTF-8 inside a token decodes to U+FFFD,
   * so byte-different tokens can be one string: their counts add up, as on the string path.
   */
  finish(): Map<string, number> {
    this.scanner.finish();
    const out = new Map<string, number>();
    const words = this.table.words;
    const counts = this.table.counts();
    for (let id = 0; id < words.length; id++) out.set(words[id], counts[id]);
    return out;
  }
}

/** Counts of one pass over a corpus, and how many tokens and lines it held. */
export interface TokenCounts {
  counts: Map<string, number>;
  tokens: number;
  /**
   * Lines read: the "\n" line breaks, plus one for each file (or text) whose last line lacks one.
   * What word2vec.c counts as `</s>` on files that end in a newline. (The string path counts a line
   * longer than the corpus's maxLineLength once per piece.)
   */
  lines: number;
}

/**
 * Counts the tokens of one pass over `corpus` as `tokenizer` splits them. Whitespace tokenization of a
 * corpus with raw bytes takes the byte-level fast path (lowercasing and stopwords are applied to the
 * distinct words afterwards, which gives the same counts); anything else tokenizes line by line.
 */
export async function countTokens(
  corpus: Corpus,
  tokenizer: Tokenizer,
  onBytes?: (bytesDone: number) => void,
): Promise<TokenCounts> {
  const o = tokenizer.options;
  if (o.mode === "whitespace" && corpus.bytes !== undefined) {
    const counter = new ByteTokenCounter();
    for await (const chunk of corpus.bytes(onBytes)) counter.add(chunk);
    let counts = counter.finish();
    const tokens = counter.tokens;
    if (o.lowercase || o.stopwords !== undefined) {
      const stop = o.stopwords === undefined ? undefined : stopwordSet(o.stopwords);
      const folded = new Map<string, number>();
      let dropped = 0;
      for (const [w, c] of counts) {
        const lw = o.lowercase ? w.toLowerCase() : w;
        if (stop?.has(o.lowercase ? lw : w.toLowerCase())) dropped += c;
        else folded.set(lw, (folded.get(lw) ?? 0) + c);
      }
      counts = folded;
      return { counts, tokens: tokens - dropped, lines: counter.lines };
    }
    return { counts, tokens, lines: counter.lines };
  }
  const counts = new Map<string, number>();
  let tokens = 0;
  let lines = 0;
  const counted = { ...corpus, lines: (cb?: (n: number) => void) => countLines(corpus.lines(cb)) };
  async function* countLines(source: AsyncIterable<string>): AsyncIterable<string> {
    for await (const line of source) {
      lines++;
      yield line;
    }
  }
  for await (const s of sentences(counted, tokenizer, { onBytes })) {
    tokens += s.length;
    for (let i = 0; i < s.length; i++) counts.set(s[i], (counts.get(s[i]) ?? 0) + 1);
  }
  return { counts, tokens, lines };
}
