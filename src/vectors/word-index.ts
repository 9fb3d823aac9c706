// Word -> row lookup for a vocabulary: open addressing (linear probing) over typed arrays, keyed by
// a 32-bit FNV-1a hash of the word's UTF-16 code units. For 400,000 words a Map took ~0.4 s to fill
// and ~20 MB; this takes a few tens of ms and ~6 MB, and the native format hashes its words straight
// from their UTF-8 bytes (hashLines), without touching the strings.

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-16 code units of `word` (what hashLines computes from UTF-8 bytes). */
export function hashWord(word: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * hashWord of each "\n"-separated line of `bytes`, which must be valid UTF-8 (check with isUtf8
 * first): the code units are decoded on the fly. Writes line i's hash to out[i]; returns the number
 * of lines (one more than the newlines).
 */
export function hashLines(bytes: Uint8Array, out: Int32Array): number {
  let h = FNV_OFFSET;
  let line = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (c === 10) {
      out[line++] = h;
      h = FNV_OFFSET;
      continue;
    }
    let unit: number;
    if (c < 0x80) unit = c;
    else if (c < 0xe0) {
      unit = ((c & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
      i += 1;
    } else if (c < 0xf0) {
      unit = ((c & 0x0f) << 12) | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f);
      i += 2;
    } else {
      // Four bytes: a code point above U+FFFF, two UTF-16 code units (a surrogate pair).
      const cp =
        (((c & 0x07) << 18) |
          ((bytes[i + 1] & 0x3f) << 12) |
          ((bytes[i + 2] & 0x3f) << 6) |
          (bytes[i + 3] & 0x3f)) -
        0x10000;
      i += 3;
      h = Math.imul(h ^ (0xd800 | (cp >> 10)), FNV_PRIME);
      unit = 0xdc00 | (cp & 0x3ff);
    }
    h = Math.imul(h ^ unit, FNV_PRIME);
  }
  out[line++] = h;
  return line;
}

/** Table slot of a hash: the high bits folded in, since FNV's low bits alone cluster. */
function slotOf(h: number, mask: number): number {
  const x = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (x ^ (x >>> 13)) & mask;
}

/** The words of a vocabulary in row order and their rows, as a Map<string, number> would hold them. */
export class WordIndex {
  /** Word of each row, in the order added. */
  readonly words: string[] = [];
  private hashes: Int32Array;
  /** row + 1 per slot, 0 when free; at most half full. */
  private table: Int32Array;

  /** `expected`: the number of words to come (a hint; the index grows past it). */
  constructor(expected = 16) {
    const cap = Math.max(16, expected);
    this.hashes = new Int32Array(cap);
    this.table = new Int32Array(tableSize(cap));
  }

  get size(): number {
    return this.words.length;
  }

  /** Row of `word`, or undefined. */
  get(word: string): number | undefined {
    const r = this.find(word, hashWord(word));
    return r === -1 ? undefined : r;
  }

  has(word: string): boolean {
    return this.find(word, hashWord(word)) !== -1;
  }

  /**
   * Adds `word` as the next row and returns -1; if it is there already, adds nothing and returns its
   * row. `hash` must be hashWord(word) (pass it when it is known, e.g. from hashLines).
   */
  add(word: string, hash = hashWord(word)): number {
    const mask = this.table.length - 1;
    let s = slotOf(hash, mask);
    for (let e = this.table[s]; e !== 0; s = (s + 1) & mask, e = this.table[s]) {
      if (this.hashes[e - 1] === hash && this.words[e - 1] === word) return e - 1;
    }
    const row = this.words.length;
    if (row === this.hashes.length) {
      this.grow();
      return this.add(word, hash);
    }
    this.words.push(word);
    this.hashes[row] = hash;
    this.table[s] = row + 1;
    return -1;
  }

  private find(word: string, hash: number): number {
    const mask = this.table.length - 1;
    for (let s = slotOf(hash, mask), e = this.table[s]; e !== 0; s = (s + 1) & mask, e = this.table[s]) {
      if (this.hashes[e - 1] === hash && this.words[e - 1] === word) return e - 1;
    }
    return -1;
  }

  private grow(): void {
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const table = new Int32Array(tableSize(hashes.length));
    const mask = table.length - 1;
    for (let r = 0; r < this.words.length; r++) {
      let s = slotOf(hashes[r], mask);
      while (table[s] !== 0) s = (s + 1) & mask;
      table[s] = r + 1;
    }
    this.table = table;
  }
}

/** A power of two at least twice `rows`. */
function tableSize(rows: number): number {
  return 2 ** Math.ceil(Math.log2(2 * rows));
}
