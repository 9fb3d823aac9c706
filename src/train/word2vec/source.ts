// Where the trainer's sentences come from, as word ids. Two sources with the same sentences:
// - corpusSource: any Corpus and Tokenizer (strings, then Vocab.encode);
// - byteSource: the whitespace tokenizer's words straight from the corpus bytes, ids found without
//   creating a string per token, as word2vec.c reads; it keeps the main thread (which feeds every
//   worker) cheap and the heap small.
// Both end a sentence at a line end or after maxSentenceLength tokens.

import type { Corpus } from "../../text/corpus.js";
import { sentences } from "../../text/sentences.js";
import type { Tokenizer } from "../../text/tokenizer.js";
import { WordScanner, type WordSink } from "../../text/word-scanner.js";
import { ByteTable } from "../../vocab/byte-table.js";
import type { Vocab } from "../../vocab/vocab.js";

/** Receives one sentence: ids[0..n) in-vocabulary word ids, `tokens` corpus tokens it came from. */
export type Emit = (ids: Int32Array, n: number, tokens: number) => void | Promise<void>;

export interface SentenceSource {
  /** One pass over the corpus. */
  pass(emit: Emit): Promise<void>;
}

export function corpusSource(
  corpus: Corpus,
  tokenizer: Tokenizer,
  vocab: Vocab,
  maxLen: number,
): SentenceSource {
  return {
    async pass(emit) {
      for await (const sent of sentences(corpus, tokenizer, { maxSentenceLength: maxLen })) {
        const ids = vocab.encode(sent, "drop");
        const p = emit(ids, ids.length, sent.length);
        if (p !== undefined) await p;
      }
    },
  };
}

/**
 * Collects the in-vocabulary ids of one chunk's words, cut into sentences at line ends and every
 * maxLen tokens, for `byteSource` to hand out once the chunk is scanned (emit may wait for a worker,
 * which a scanner callback cannot).
 */
class SentenceIds implements WordSink {
  ids = new Int32Array(1 << 16);
  n = 0;
  // Sentence i: ids[ends[i - 1] .. ends[i]), from tokens[i] corpus tokens.
  ends: number[] = [];
  tokens: number[] = [];
  private inSentence = 0;

  constructor(
    private readonly table: ByteTable,
    private readonly maxLen: number,
  ) {}

  word(bytes: Uint8Array, start: number, end: number, hash: number): void {
    const id = this.table.find(bytes, start, end, hash);
    if (id >= 0) {
      if (this.n === this.ids.length) {
        const bigger = new Int32Array(this.n * 2);
        bigger.set(this.ids);
        this.ids = bigger;
      }
      this.ids[this.n++] = id;
    }
    if (++this.inSentence === this.maxLen) this.lineEnd();
  }

  lineEnd(): void {
    if (this.inSentence === 0) return;
    this.ends.push(this.n);
    this.tokens.push(this.inSentence);
    this.inSentence = 0;
  }

  /** Emits the finished sentences and keeps the ids of the unfinished one. */
  async flush(emit: Emit, sent: Int32Array): Promise<void> {
    let from = 0;
    for (let i = 0; i < this.ends.length; i++) {
      const to = this.ends[i];
      for (let j = from; j < to; j++) sent[j - from] = this.ids[j];
      const p = emit(sent, to - from, this.tokens[i]);
      if (p !== undefined) await p;
      from = to;
    }
    this.ids.copyWithin(0, from, this.n);
    this.n -= from;
    this.ends.length = 0;
    this.tokens.length = 0;
  }
}

/**
 * The byte-level source for a vocabulary: the corpus's raw bytes split by `WordScanner`, words looked
 * up in a `ByteTable` of the vocabulary (ids equal the vocabulary's), no string per token.
 */
export function byteSource(corpus: Corpus, vocab: Vocab, maxLen: number): SentenceSource {
  const bytes = corpus.bytes;
  if (bytes === undefined) throw new Error("byteSource needs a corpus with raw bytes");
  const table = new ByteTable(vocab.words);
  return {
    async pass(emit) {
      const sink = new SentenceIds(table, maxLen);
      const scanner = new WordScanner(sink);
      const sent = new Int32Array(maxLen);
      for await (const chunk of bytes.call(corpus)) {
        scanner.add(chunk);
        await sink.flush(emit, sent);
      }
      scanner.finish();
      sink.lineEnd();
      await sink.flush(emit, sent);
    },
  };
}
