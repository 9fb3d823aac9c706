// Where the trainer's sentences come from, as word ids. Two sources with the same sentences:
// - corpusSource: any Corpus and Tokenizer (strings, then Vocab.encode);
// - fileSource: plain text files split on ASCII whitespace at the byte level, words looked up in a
//   byte-keyed hash table, ids written without creating a string per token. This is word2vec.c's
//   reading, and it keeps the main thread (which feeds every worker) cheap and the heap small.
// Both end a sentence at a line end or after maxSentenceLength tokens.

import { open } from "node:fs/promises";
import type { Corpus } from "../../text/corpus.js";
import { sentences } from "../../text/sentences.js";
import type { Tokenizer } from "../../text/tokenizer.js";
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

/** Byte strings -> dense indices (open addressing, FNV-1a), keys kept in one growing byte arena. */
export class ByteTable {
  private slots = new Int32Array(1 << 16).fill(-1);
  private keyStart = new Int32Array(1 << 12);
  private keyEnd = new Int32Array(1 << 12);
  private hashes = new Uint32Array(1 << 12);
  private bytes = new Uint8Array(1 << 16);
  private used = 0;
  size = 0;

  /** Index of bytes[start..end) in `src`, or -1. */
  find(src: Uint8Array, start: number, end: number, h: number): number {
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const k = this.slots[s];
      if (k < 0) return -1;
      if (this.hashes[k] === h && this.equal(k, src, start, end)) return k;
    }
  }

  /** Index of the key, inserting it when new. */
  add(src: Uint8Array, start: number, end: number, h: number): number {
    const mask = this.slots.length - 1;
    let s = h & mask;
    for (; ; s = (s + 1) & mask) {
      const k = this.slots[s];
      if (k < 0) break;
      if (this.hashes[k] === h && this.equal(k, src, start, end)) return k;
    }
    const k = this.size++;
    if (k >= this.keyStart.length) {
      this.keyStart = grow(this.keyStart);
      this.keyEnd = grow(this.keyEnd);
      this.hashes = grow(this.hashes);
    }
    const len = end - start;
    while (this.used + len > this.bytes.length) this.bytes = grow(this.bytes);
    this.bytes.set(src.subarray(start, end), this.used);
    this.keyStart[k] = this.used;
    this.keyEnd[k] = this.used + len;
    this.hashes[k] = h;
    this.used += len;
    this.slots[s] = k;
    if (this.size * 2 > this.slots.length) this.rehash();
    return k;
  }

  key(k: number): Uint8Array {
    return this.bytes.subarray(this.keyStart[k], this.keyEnd[k]);
  }

  private equal(k: number, src: Uint8Array, start: number, end: number): boolean {
    const a = this.keyStart[k];
    if (this.keyEnd[k] - a !== end - start) return false;
    for (let i = 0; i < end - start; i++) if (this.bytes[a + i] !== src[start + i]) return false;
    return true;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    const mask = this.slots.length - 1;
    for (let k = 0; k < this.size; k++) {
      let s = this.hashes[k] & mask;
      while (this.slots[s] >= 0) s = (s + 1) & mask;
      this.slots[s] = k;
    }
  }
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

const CHUNK = 1 << 20;

/**
 * Reads `paths` in order, calling word(table index) for each whitespace-separated word (bytes
 * hashed into `table` with `lookup`) and sentenceEnd() at line ends and every maxLen words.
 */
async function scanFiles(
  paths: readonly string[],
  maxLen: number,
  lookup: (buf: Uint8Array, start: number, end: number, h: number) => number,
  word: (k: number) => void,
  sentenceEnd: () => void | Promise<void>,
): Promise<void> {
  const buf = new Uint8Array(CHUNK + 4096);
  for (const path of paths) {
    const fh = await open(path, "r");
    try {
      let carry = 0; // bytes of an unfinished word at buf[0..carry)
      let inSentence = 0;
      for (;;) {
        if (carry > 4096) throw new Error(`${path}: a word longer than 4096 bytes`);
        const { bytesRead } = await fh.read(buf, carry, CHUNK, null);
        const end = carry + bytesRead;
        const last = bytesRead === 0;
        let i = 0;
        let start = -1;
        let h = 0;
        if (carry > 0) {
          start = 0;
          h = 0x811c9dc5;
          for (let j = 0; j < carry; j++) h = Math.imul(h ^ buf[j], 0x01000193);
          i = carry;
        }
        for (; i < end; i++) {
          const c = buf[i];
          if (c === 32 || c === 10 || c === 9 || c === 13 || c === 11 || c === 12) {
            if (start >= 0) {
              word(lookup(buf, start, i, h >>> 0));
              start = -1;
              if (++inSentence === maxLen) {
                inSentence = 0;
                const p = sentenceEnd();
                if (p !== undefined) await p;
              }
            }
            if (c === 10 && inSentence > 0) {
              inSentence = 0;
              const p = sentenceEnd();
              if (p !== undefined) await p;
            }
          } else {
            if (start < 0) {
              start = i;
              h = 0x811c9dc5;
            }
            h = Math.imul(h ^ c, 0x01000193);
          }
        }
        if (last) {
          if (start >= 0) {
            word(lookup(buf, start, end, h >>> 0));
            inSentence++;
          }
          if (inSentence > 0) {
            const p = sentenceEnd();
            if (p !== undefined) await p;
          }
          break;
        }
        carry = start >= 0 ? end - start : 0;
        if (carry > 0) buf.copyWithin(0, start, end);
      }
    } finally {
      await fh.close();
    }
  }
}

/** Counts the words of plain text files (first-seen order) and their total, as corpusSource splits them. */
export async function countFiles(
  paths: readonly string[],
  maxLen: number,
): Promise<{ counts: Map<string, number>; total: number }> {
  const table = new ByteTable();
  let counts = new Float64Array(1 << 12);
  let total = 0;
  await scanFiles(
    paths,
    maxLen,
    (b, s, e, h) => table.add(b, s, e, h),
    (k) => {
      if (k >= counts.length) {
        const c = new Float64Array(counts.length * 2);
        c.set(counts);
        counts = c;
      }
      counts[k]++;
      total++;
    },
    () => {},
  );
  const decoder = new TextDecoder();
  const map = new Map<string, number>();
  for (let k = 0; k < table.size; k++) {
    const w = decoder.decode(table.key(k));
    map.set(w, (map.get(w) ?? 0) + counts[k]);
  }
  return { counts: map, total };
}

/** The byte-level source of plain text files for a vocabulary. */
export function fileSource(paths: readonly string[], vocab: Vocab, maxLen: number): SentenceSource {
  const table = new ByteTable();
  const encoder = new TextEncoder();
  const ids = new Int32Array(vocab.size);
  for (let id = 0; id < vocab.size; id++) {
    const key = encoder.encode(vocab.words[id]);
    let h = 0x811c9dc5;
    for (const c of key) h = Math.imul(h ^ c, 0x01000193);
    ids[table.add(key, 0, key.length, h >>> 0)] = id;
  }
  return {
    async pass(emit) {
      const sent = new Int32Array(maxLen);
      let n = 0;
      let tokens = 0;
      await scanFiles(
        paths,
        maxLen,
        (b, s, e, h) => table.find(b, s, e, h),
        (k) => {
          tokens++;
          if (k >= 0) sent[n++] = ids[k];
        },
        () => {
          const p = emit(sent, n, tokens);
          n = 0;
          tokens = 0;
          return p;
        },
      );
    },
  };
}
