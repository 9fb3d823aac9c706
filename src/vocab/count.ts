import type { Corpus } from "../text/corpus.js";
import { sentences } from "../text/sentences.js";
import { stopwordSet } from "../text/stopwords.js";
import type { Tokenizer } from "../text/tokenizer.js";

// Byte classes: 0 = part of a token, 1 = ASCII whitespace, 2 = lead byte of a possible multi-byte
// whitespace character. Together they are exactly JavaScript's \s, so both counting paths agree.
const CLASS = new Uint8Array(256);
for (const c of [9, 10, 11, 12, 13, 32]) CLASS[c] = 1;
for (const c of [0xc2, 0xe1, 0xe2, 0xe3, 0xef]) CLASS[c] = 2;

/** Length of the whitespace character (U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F, U+3000, U+FEFF) at b[i], or 0. */
function multiByteSpace(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  const c1 = i + 1 < end ? b[i + 1] : 0;
  if (c === 0xc2) return c1 === 0xa0 ? 2 : 0;
  const c2 = i + 2 < end ? b[i + 2] : 0;
  if (c === 0xe1) return c1 === 0x9a && c2 === 0x80 ? 3 : 0;
  if (c === 0xe2) {
    if (c1 === 0x80) return (c2 >= 0x80 && c2 <= 0x8a) || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf ? 3 : 0;
    return c1 === 0x81 && c2 === 0x9f ? 3 : 0;
  }
  if (c === 0xe3) return c1 === 0x80 && c2 === 0x80 ? 3 : 0;
  return c1 === 0xbb && c2 === 0xbf ? 3 : 0;
}

/**
 * Counts whitespace-separated tokens straight from UTF-8 bytes: an open-addressing hash table (FNV-1a)
 * over the token bytes, so no string is made per token. Chunks must end on character boundaries
 * (what Corpus.bytes gives); a token may continue into the next chunk. Strings are made once per
 * distinct token, at the end.
 */
export class ByteTokenCounter {
  private table = new Int32Array(1 << 16).fill(-1);
  private arena = new Uint8Array(1 << 20);
  private arenaUsed = 0;
  // Per entry, in first-seen order.
  private offset = new Int32Array(1 << 15);
  private length = new Int32Array(1 << 15);
  private hash = new Int32Array(1 << 15);
  private count = new Float64Array(1 << 15);
  private entries = 0;
  private partial: Uint8Array | undefined;
  /** Tokens counted so far. */
  tokens = 0;

  add(chunk: Uint8Array): void {
    const end = chunk.length;
    let i = 0;
    if (this.partial !== undefined) {
      // Finish the token cut by the previous chunk's end.
      while (i < end && this.spaceAt(chunk, i, end) === 0) i++;
      const joined = new Uint8Array(this.partial.length + i);
      joined.set(this.partial);
      joined.set(chunk.subarray(0, i), this.partial.length);
      this.partial = undefined;
      if (i === end) {
        this.partial = joined;
        return;
      }
      this.insert(joined, 0, joined.length, fnv(joined, 0, joined.length));
    }
    while (i < end) {
      let c = chunk[i];
      let cls = CLASS[c];
      if (cls === 1) {
        i++;
        continue;
      }
      if (cls === 2) {
        const w = multiByteSpace(chunk, i, end);
        if (w > 0) {
          i += w;
          continue;
        }
      }
      const start = i;
      let h = 0x811c9dc5 | 0;
      for (;;) {
        h = Math.imul(h ^ c, 16777619);
        if (++i === end) break;
        c = chunk[i];
        // Printable ASCII (nearly every byte) is decided by one range test, without the table.
        if (c > 32 && c < 0x80) continue;
        cls = CLASS[c];
        if (cls === 1 || (cls === 2 && multiByteSpace(chunk, i, end) > 0)) break;
      }
      if (i === end) {
        // A copy: the chunk buffer may be reused for the next read (and Buffer.slice would not copy).
        this.partial = new Uint8Array(chunk.subarray(start, end));
        return;
      }
      this.insert(chunk, start, i, h);
    }
  }

  private spaceAt(b: Uint8Array, i: number, end: number): number {
    const cls = CLASS[b[i]];
    return cls === 1 ? 1 : cls === 2 ? multiByteSpace(b, i, end) : 0;
  }

  /** Counts b[start, stop) (hash h): one more for a known token, a new entry otherwise. */
  private insert(b: Uint8Array, start: number, stop: number, h: number): void {
    this.tokens++;
    const len = stop - start;
    const table = this.table;
    const hashes = this.hash;
    const lengths = this.length;
    const offsets = this.offset;
    const arena = this.arena;
    const mask = table.length - 1;
    let slot = h & mask;
    for (;;) {
      const e = table[slot];
      if (e < 0) break;
      if (hashes[e] === h && lengths[e] === len) {
        const off = offsets[e] - start;
        let j = start;
        while (j < stop && arena[off + j] === b[j]) j++;
        if (j === stop) {
          this.count[e]++;
          return;
        }
      }
      slot = (slot + 1) & mask;
    }
    this.addEntry(b, start, stop, h, slot);
  }

  private addEntry(b: Uint8Array, start: number, stop: number, h: number, slot: number): void {
    const len = stop - start;
    const e = this.entries++;
    if (e === this.offset.length) this.growEntries();
    if (this.arenaUsed + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    this.arena.set(b.subarray(start, stop), this.arenaUsed);
    this.offset[e] = this.arenaUsed;
    this.length[e] = len;
    this.hash[e] = h;
    this.count[e] = 1;
    this.arenaUsed += len;
    this.table[slot] = e;
    if (this.entries * 2 > this.table.length) this.rehash();
  }

  private growEntries(): void {
    const n = this.offset.length * 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.offset = grow(this.offset, (k) => new Int32Array(k));
    this.length = grow(this.length, (k) => new Int32Array(k));
    this.hash = grow(this.hash, (k) => new Int32Array(k));
    this.count = grow(this.count, (k) => new Float64Array(k));
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1);
    const mask = table.length - 1;
    for (let e = 0; e < this.entries; e++) {
      let slot = this.hash[e] & mask;
      while (table[slot] >= 0) slot = (slot + 1) & mask;
      table[slot] = e;
    }
    this.table = table;
  }

  /**
   * The counts by token string, in first-seen order. Invalid UTF-8 inside a token decodes to U+FFFD,
   * so byte-different tokens can meet in one string: their counts add up, as on the string path.
   */
  finish(): Map<string, number> {
    if (this.partial !== undefined) {
      const p = this.partial;
      this.partial = undefined;
      this.insert(p, 0, p.length, fnv(p, 0, p.length));
    }
    const out = new Map<string, number>();
    const buf = Buffer.from(this.arena.buffer, this.arena.byteOffset, this.arenaUsed);
    for (let e = 0; e < this.entries; e++) {
      const w = buf.toString("utf8", this.offset[e], this.offset[e] + this.length[e]);
      out.set(w, (out.get(w) ?? 0) + this.count[e]);
    }
    return out;
  }
}

function fnv(b: Uint8Array, start: number, stop: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < stop; i++) h = Math.imul(h ^ b[i], 16777619);
  return h;
}

/** Counts of one pass over a corpus, and how many tokens it held. */
export interface TokenCounts {
  counts: Map<string, number>;
  tokens: number;
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
      return { counts, tokens: tokens - dropped };
    }
    return { counts, tokens };
  }
  const counts = new Map<string, number>();
  let tokens = 0;
  for await (const s of sentences(corpus, tokenizer, { onBytes })) {
    tokens += s.length;
    for (let i = 0; i < s.length; i++) counts.set(s[i], (counts.get(s[i]) ?? 0) + 1);
  }
  return { counts, tokens };
}
