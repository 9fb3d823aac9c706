import { fnv1a } from "../text/word-scanner.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Words given as UTF-8 byte ranges -> dense ids (0, 1, 2, ... in first-seen order), without a
 * JavaScript string per lookup: open addressing over FNV-1a hashes (`WordScanner.hash`, or computed
 * when not given), keys kept in one growing byte arena. Each distinct key is decoded to its string
 * once, when added (`words[id]`).
 *
 * Keys map to words the way decoding does: different invalid UTF-8 sequences that decode to the
 * same string ("a\xff", "a\xfe", "a\xef\xbf\xbd" are all "a\uFFFD") are several keys of one id, and
 * `find` knows them once the word is in the table in any form, so byte paths agree with string paths.
 */
export class ByteTable {
  /** The word of each id. */
  readonly words: string[] = [];
  // Slot s: the key in slots[2s] (-1: empty) and its hash in slots[2s + 1], so a probe reads one
  // cache line until the hash matches.
  private slots: Int32Array = new Int32Array(2 << 12).fill(-1);
  private mask = (1 << 12) - 1;
  private arena = new Uint8Array(1 << 16);
  private text = Buffer.from(this.arena.buffer);
  private used = 0;
  // Key k, in insertion order: its bytes arena[offset, offset + length), hash and word id at
  // keyInfo[4k .. 4k + 3], together for the same reason.
  private keyInfo: Int32Array = new Int32Array(4 << 11);
  // Occurrences per key, for `count` (per key, not per id: no id lookup on the counting path).
  private keyCounts = new Float64Array(1 << 11);
  private keys = 0;
  // Words holding U+FFFD, the only strings several keys can decode to.
  private replaced: Map<string, number> | undefined;

  /** A table of `words`, which get ids 0, 1, ... in order (they should be distinct). */
  constructor(words: Iterable<string> = []) {
    for (const w of words) this.addWord(w);
  }

  /** Number of distinct words (ids). */
  get size(): number {
    return this.words.length;
  }

  /** The id of the word b[start, end) with hash h (`WordScanner`'s, or `fnv1a(b, start, end)`), or -1. */
  find(b: Uint8Array, start: number, end: number, h: number): number {
    const k = this.probe(b, start, end, h);
    if (k >= 0) return this.keyInfo[4 * k + 3];
    return this.replaced === undefined ? -1 : this.findReplaced(b, start, end, h, ~k);
  }

  /** The id of the word b[start, end) with hash h, added when new. */
  add(b: Uint8Array, start: number, end: number, h: number): number {
    let k = this.probe(b, start, end, h);
    if (k < 0) k = this.insert(b, start, end, h, ~k, undefined);
    return this.keyInfo[4 * k + 3];
  }

  /** Counts one occurrence of the word b[start, end) with hash h, adding it when new. */
  count(b: Uint8Array, start: number, end: number, h: number): void {
    let k = this.probe(b, start, end, h);
    if (k < 0) k = this.insert(b, start, end, h, ~k, undefined);
    this.keyCounts[k]++;
  }

  /** Occurrences per id from `count` (the keys of one word summed). */
  counts(): Float64Array {
    const out = new Float64Array(this.words.length);
    for (let k = 0; k < this.keys; k++) out[this.keyInfo[4 * k + 3]] += this.keyCounts[k];
    return out;
  }

  findWord(word: string): number {
    const b = encoder.encode(word);
    return this.find(b, 0, b.length, fnv1a(b, 0, b.length));
  }

  addWord(word: string): number {
    const b = encoder.encode(word);
    const h = fnv1a(b, 0, b.length);
    let k = this.probe(b, 0, b.length, h);
    if (k < 0) k = this.insert(b, 0, b.length, h, ~k, word);
    return this.keyInfo[4 * k + 3];
  }

  /** A miss may still be invalid UTF-8 that decodes to a known word: then it becomes a key of that word. */
  private findReplaced(b: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const w = decoder.decode(b.subarray(start, end));
    if (!w.includes("\uFFFD") || this.replaced?.get(w) === undefined) return -1;
    return this.keyInfo[4 * this.insert(b, start, end, h, slot, w) + 3];
  }

  /** The key holding b[start, end), or ~slot of the empty slot where it would go. */
  private probe(b: Uint8Array, start: number, end: number, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = (h ^ (h >>> 16)) & mask; ; s = (s + 1) & mask) {
      const k = slots[2 * s];
      if (k < 0) return ~s;
      if (slots[2 * s + 1] !== h) continue;
      const info = this.keyInfo;
      if (info[4 * k + 1] !== end - start) continue;
      const arena = this.arena;
      const off = info[4 * k] - start;
      let j = start;
      while (j < end && arena[off + j] === b[j]) j++;
      if (j === end) return k;
    }
  }

  /** Adds the key b[start, end) in the empty `slot`, decoding it (unless `word` is given); its key index. */
  private insert(b: Uint8Array, start: number, end: number, h: number, slot: number, word?: string): number {
    const len = end - start;
    const k = this.keys++;
    if (4 * k === this.keyInfo.length) {
      const bigger = new Int32Array(this.keyInfo.length * 2);
      bigger.set(this.keyInfo);
      this.keyInfo = bigger;
      const counts = new Float64Array(k * 2);
      counts.set(this.keyCounts);
      this.keyCounts = counts;
    }
    if (this.used + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.used + len));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
      this.text = Buffer.from(bigger.buffer);
    }
    const offset = this.used;
    this.arena.set(b.subarray(start, end), offset);
    this.used += len;
    const w = word ?? this.text.toString("utf8", offset, this.used);
    let id = this.words.length;
    if (w.includes("\uFFFD")) {
      this.replaced ??= new Map();
      const known = this.replaced.get(w);
      if (known !== undefined) id = known;
      else this.replaced.set(w, id);
    }
    if (id === this.words.length) this.words.push(w);
    this.keyInfo.set([offset, len, h, id], 4 * k);
    this.slots[2 * slot] = k;
    this.slots[2 * slot + 1] = h;
    if (this.keys * 2 > this.mask) this.rehash();
    return k;
  }

  private rehash(): void {
    const mask = 2 * this.mask + 1;
    const slots = new Int32Array(2 * (mask + 1)).fill(-1);
    for (let k = 0; k < this.keys; k++) {
      const h = this.keyInfo[4 * k + 2];
      let s = (h ^ (h >>> 16)) & mask;
      while (slots[2 * s] >= 0) s = (s + 1) & mask;
      slots[2 * s] = k;
      slots[2 * s + 1] = h;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
