// Whitespace word splitting straight from UTF-8 bytes, for the byte-level fast paths (token counting,
// word2vec's and the n-gram trainer's corpus passes): no string per token, the FNV-1a hash of each
// word computed while its end is searched. Whitespace is exactly JavaScript's \s, so these paths cut
// words where `Tokenizer({ mode: "whitespace" })` does.

/** FNV-1a offset basis and prime (32-bit). */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** FNV-1a over b[start, end), as a signed 32-bit integer: the hash `WordScanner` gives each word. */
export function fnv1a(b: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return h;
}

// Byte classes: 0 = part of a word, 1 = ASCII whitespace, 2 = lead byte of a possible multi-byte
// whitespace character.
const SPACE = 1;
const MAYBE_SPACE = 2;
const CLASS = new Uint8Array(256);
for (const c of [9, 10, 11, 12, 13, 32]) CLASS[c] = SPACE;
for (const c of [0xc2, 0xe1, 0xe2, 0xe3, 0xef]) CLASS[c] = MAYBE_SPACE;

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

/** Length of the whitespace character at b[i] (1 for ASCII), or 0 when b[i] starts a word byte. */
function spaceAt(b: Uint8Array, i: number, end: number): number {
  const cls = CLASS[b[i]];
  return cls === SPACE ? 1 : cls === MAYBE_SPACE ? multiByteSpace(b, i, end) : 0;
}

/** Receives the words and line ends of a `WordScanner`, in text order. */
export interface WordSink {
  /** A word: bytes[start, end) with FNV-1a hash `hash`. The bytes may change after the call: copy what you keep. */
  word(bytes: Uint8Array, start: number, end: number, hash: number): void;
  /** A "\n" byte (the "\r" of "\r\n" is whitespace anyway). */
  lineEnd(): void;
}

/**
 * Splits a stream of UTF-8 chunks into whitespace-separated words and line ends for a `WordSink`.
 * Chunks must end on UTF-8 character boundaries (what Corpus.bytes gives), so a multi-byte space is
 * never cut; a word may continue into the next chunk: it is gathered in the scanner's own buffer,
 * so a chunk may be overwritten once `add` returns. Invalid UTF-8 stays in the words as it is
 * (`ByteTable` decodes each distinct word once, as the string path would).
 */
export class WordScanner {
  // A word cut by a chunk end: its bytes so far and their hash.
  private carry = new Uint8Array(256);
  private carryLength = 0;
  private carryHash = 0;

  constructor(private readonly sink: WordSink) {}

  /** Scans the next chunk. */
  add(b: Uint8Array): void {
    const sink = this.sink;
    const n = b.length;
    let i = this.carryLength > 0 ? this.endCarry(b) : 0;
    while (i < n) {
      let c = b[i];
      // Printable ASCII (nearly every byte) is decided by one range test, without the table.
      if (c <= 32 || c >= 0x80) {
        const cls = CLASS[c];
        if (cls === SPACE) {
          i++;
          if (c === 10) sink.lineEnd();
          continue;
        }
        if (cls === MAYBE_SPACE) {
          const w = multiByteSpace(b, i, n);
          if (w > 0) {
            i += w;
            continue;
          }
        }
      }
      const start = i;
      let h = FNV_OFFSET;
      for (;;) {
        h = Math.imul(h ^ c, FNV_PRIME);
        if (++i === n) {
          this.saveCarry(b, start, n, h);
          return;
        }
        c = b[i];
        if (c > 32 && c < 0x80) continue;
        const cls = CLASS[c];
        if (cls === SPACE || (cls === MAYBE_SPACE && multiByteSpace(b, i, n) > 0)) break;
      }
      sink.word(b, start, i, h);
    }
  }

  /** Completes the word cut by the previous chunk with b's first bytes; where to go on in b. */
  private endCarry(b: Uint8Array): number {
    const n = b.length;
    let i = 0;
    let h = this.carryHash;
    while (i < n && spaceAt(b, i, n) === 0) h = Math.imul(h ^ b[i++], FNV_PRIME);
    this.saveCarry(b, 0, i, h);
    if (i < n) this.finish();
    return i;
  }

  /** No more chunks: gives the word the last chunk ended in, if any. The scanner can then start anew. */
  finish(): void {
    if (this.carryLength === 0) return;
    const len = this.carryLength;
    this.carryLength = 0;
    this.sink.word(this.carry, 0, len, this.carryHash);
  }

  private saveCarry(b: Uint8Array, start: number, end: number, h: number): void {
    const len = this.carryLength + end - start;
    if (len > this.carry.length) {
      const bigger = new Uint8Array(Math.max(len, this.carry.length * 2));
      bigger.set(this.carry.subarray(0, this.carryLength));
      this.carry = bigger;
    }
    this.carry.set(b.subarray(start, end), this.carryLength);
    this.carryLength = len;
    this.carryHash = h;
  }
}
