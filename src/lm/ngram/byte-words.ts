const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * Word ids for words given as UTF-8 byte ranges, without a JavaScript string per token: an
 * open-addressing table of FNV-1a hashes over an arena of the words' bytes. Only a new word becomes a
 * string. Counting a corpus this way is faster and leaves far less garbage than splitting lines.
 */
export class ByteWordIndex {
  readonly words: string[] = [];
  private arena: Uint8Array = new Uint8Array(1 << 16);
  private used = 0;
  // Entry e: bytes arena[start[e] .. start[e] + length[e]) stand for word target[e]. Different
  // invalid UTF-8 sequences can decode to the same string: they are entries of one word.
  private start: Int32Array = new Int32Array(1024);
  private length: Int32Array = new Int32Array(1024);
  private target: Int32Array = new Int32Array(1024);
  private entries = 0;
  private slots = new Int32Array(1 << 12);
  private mask = (1 << 12) - 1;
  private readonly byString = new Map<string, number>();

  constructor(words: readonly string[]) {
    for (const w of words) {
      const bytes = encoder.encode(w);
      this.add(bytes, 0, bytes.length);
    }
  }

  get size(): number {
    return this.words.length;
  }

  /** The id of the word in bytes[from..to), or -1. */
  find(bytes: Uint8Array, from: number, to: number): number {
    const n = to - from;
    for (let s = hash(bytes, from, to) & this.mask; ; s = (s + 1) & this.mask) {
      const e = this.slots[s] - 1;
      if (e < 0) return -1;
      if (this.length[e] === n && this.same(e, bytes, from, n)) return this.target[e];
    }
  }

  /** The id of the word in bytes[from..to), added when new. */
  add(bytes: Uint8Array, from: number, to: number): number {
    const found = this.find(bytes, from, to);
    if (found >= 0) return found;
    const word = decoder.decode(bytes.subarray(from, to));
    let id = this.byString.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.words.push(word);
      this.byString.set(word, id);
    }
    this.insert(bytes, from, to, id);
    return id;
  }

  private same(e: number, bytes: Uint8Array, from: number, n: number): boolean {
    const a = this.arena;
    const s = this.start[e];
    for (let i = 0; i < n; i++) if (a[s + i] !== bytes[from + i]) return false;
    return true;
  }

  private insert(bytes: Uint8Array, from: number, to: number, id: number): void {
    const n = to - from;
    while (this.used + n > this.arena.length) {
      const a = new Uint8Array(this.arena.length * 2);
      a.set(this.arena);
      this.arena = a;
    }
    this.arena.set(bytes.subarray(from, to), this.used);
    const e = this.entries++;
    if (e === this.start.length) {
      this.start = grow(this.start);
      this.length = grow(this.length);
      this.target = grow(this.target);
    }
    this.start[e] = this.used;
    this.length[e] = n;
    this.target[e] = id;
    this.used += n;
    let s = hash(bytes, from, to) & this.mask;
    while (this.slots[s] !== 0) s = (s + 1) & this.mask;
    this.slots[s] = e + 1;
    if (this.entries * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.entries; e++) {
      let s = hash(this.arena, this.start[e], this.start[e] + this.length[e]) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function grow(x: Int32Array): Int32Array {
  const y = new Int32Array(x.length * 2);
  y.set(x);
  return y;
}

function hash(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Reads sentences (lines) of whitespace-separated words from UTF-8 chunks and calls `onSentence` with
 * the ids of each non-empty one (a view valid during the call). `lookup` gives a word's id (or -1,
 * which is passed on). ASCII whitespace separates words; a word may straddle chunks.
 */
export async function forEachIdSentence(
  chunks: AsyncIterable<Uint8Array>,
  lookup: (bytes: Uint8Array, from: number, to: number) => number,
  onSentence: (ids: Int32Array) => void,
): Promise<void> {
  let ids: Int32Array = new Int32Array(1024);
  let n = 0;
  let pending: Uint8Array = new Uint8Array(256);
  let pendingLength = 0;
  const push = (id: number): void => {
    if (n === ids.length) {
      const grown = new Int32Array(ids.length * 2);
      grown.set(ids);
      ids = grown;
    }
    ids[n++] = id;
  };
  for await (const chunk of chunks) {
    let i = 0;
    const len = chunk.length;
    if (pendingLength > 0) {
      // Finish the word cut by the previous chunk's end.
      while (i < len && !isSpace(chunk[i])) i++;
      if (pendingLength + i > pending.length) {
        const grown = new Uint8Array((pendingLength + i) * 2);
        grown.set(pending.subarray(0, pendingLength));
        pending = grown;
      }
      pending.set(chunk.subarray(0, i), pendingLength);
      pendingLength += i;
      if (i === len) continue;
      push(lookup(pending, 0, pendingLength));
      pendingLength = 0;
    }
    let wordStart = -1;
    for (; i < len; i++) {
      const b = chunk[i];
      if (b > 32 || !isSpace(b)) {
        if (wordStart < 0) wordStart = i;
        continue;
      }
      if (wordStart >= 0) {
        push(lookup(chunk, wordStart, i));
        wordStart = -1;
      }
      if (b === 10 && n > 0) {
        onSentence(ids.subarray(0, n));
        n = 0;
      }
    }
    if (wordStart >= 0) {
      const cut = len - wordStart;
      if (cut > pending.length) pending = new Uint8Array(cut * 2);
      pending.set(chunk.subarray(wordStart), 0);
      pendingLength = cut;
    }
  }
  if (pendingLength > 0) push(lookup(pending, 0, pendingLength));
  if (n > 0) onSentence(ids.subarray(0, n));
}

function isSpace(b: number): boolean {
  return b === 32 || b === 10 || b === 9 || b === 13 || b === 11 || b === 12;
}
