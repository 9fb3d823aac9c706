import assert from "node:assert/strict";
import { test } from "node:test";
import { fnv1a, WordScanner, type WordSink } from "../../src/text/word-scanner.js";
import { Rng } from "../../src/util/rng.js";

// Every JavaScript \s character, and characters that are not whitespace though their UTF-8 starts
// with the same lead bytes (U+0085, U+00A1, U+2030, U+180E, U+200B, U+3001, U+FEFE).
const SPACES = [" ", "\t", "\n", "\r\n", "\v", "\f", "\u00a0", "\u1680", "\u2000", "\u2005", "\u200a"];
const MORE_SPACES = ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "  "];
const WORDS = [
  "the",
  "été",
  "мир",
  "嵌入",
  "🙂",
  "x\u0085y",
  "\u00a1",
  "\u2030",
  "\u180e",
  "a\u200bb",
  "\u3001",
  "\ufefe",
];
// Invalid UTF-8: stray continuation bytes, bad leads, truncated sequences (also before a space
// character's lead byte), a surrogate, an overlong form; and the valid U+FFFD they decode to.
const INVALID = [
  [0xff],
  [0x80],
  [0xc3],
  [0xe2, 0x80],
  [0xf0, 0x9f],
  [0xed, 0xa0, 0x80],
  [0xc0, 0xaf],
  [0xef, 0xbf, 0xbd],
];

function generate(rng: Rng, n: number): Uint8Array {
  const parts: Buffer[] = [];
  const spaces = [...SPACES, ...MORE_SPACES];
  for (let i = 0; i < n; i++) {
    const r = rng.int(10);
    if (r === 0) parts.push(Buffer.from(INVALID[rng.int(INVALID.length)]));
    if (r !== 1) parts.push(Buffer.from(WORDS[rng.int(WORDS.length)]));
    if (r === 2) parts.push(Buffer.from(INVALID[rng.int(INVALID.length)]));
    parts.push(Buffer.from(spaces[rng.int(spaces.length)]));
  }
  return Buffer.concat(parts);
}

/** Independent reference: decode the whole text, cut lines at "\n", split each with JavaScript's \s. */
function reference(bytes: Uint8Array): string[] {
  const out: string[] = [];
  const lines = new TextDecoder().decode(bytes).split("\n");
  lines.forEach((line, i) => {
    for (const w of line.split(/\s+/)) if (w !== "") out.push(w);
    if (i < lines.length - 1) out.push("\n");
  });
  return out;
}

class Events implements WordSink {
  out: string[] = [];
  word(bytes: Uint8Array, start: number, end: number, hash: number): void {
    assert.equal(hash, fnv1a(bytes, start, end));
    this.out.push(new TextDecoder().decode(bytes.subarray(start, end)));
  }
  lineEnd(): void {
    this.out.push("\n");
  }
}

/** Scans `bytes` in random chunks that end where Corpus.bytes may end them (never before a continuation byte). */
function scan(bytes: Uint8Array, rng: Rng, maxChunk: number): string[] {
  const events = new Events();
  const scanner = new WordScanner(events);
  const buf = new Uint8Array(maxChunk + 4);
  let i = 0;
  while (i < bytes.length) {
    let j = Math.min(bytes.length, i + 1 + rng.int(maxChunk));
    while (j < bytes.length && (bytes[j] & 0xc0) === 0x80) j++;
    // One reused buffer, as the file reader gives it: the scanner must copy a cut word.
    const chunk = j - i <= buf.length ? buf.subarray(0, j - i) : new Uint8Array(j - i);
    chunk.set(bytes.subarray(i, j));
    scanner.add(chunk);
    chunk.fill(0x41);
    i = j;
  }
  scanner.finish();
  return events.out;
}

test("words and line ends equal a \\s split of the decoded text, over random chunk boundaries", () => {
  const rng = new Rng(5);
  const bytes = generate(rng, 4000);
  const expected = reference(bytes);
  assert.ok(expected.includes("\n") && expected.some((w) => w.includes("\ufffd")));
  for (const maxChunk of [1, 2, 5, 64, 4096, bytes.length]) {
    assert.deepEqual(scan(bytes, rng, maxChunk), expected, `chunks up to ${maxChunk} bytes`);
  }
});

test("a word may span many chunks; the last word needs finish(); empty and space-only input", () => {
  const long = "w".repeat(5000);
  const bytes = Buffer.from(`a ${long}\nb\u3000${long}x`);
  const expected = ["a", long, "\n", "b", `${long}x`];
  assert.deepEqual(scan(bytes, new Rng(1), 7), expected);
  const events = new Events();
  const scanner = new WordScanner(events);
  scanner.add(Buffer.from("tail"));
  assert.deepEqual(events.out, []);
  scanner.finish();
  scanner.finish();
  assert.deepEqual(events.out, ["tail"]);
  assert.deepEqual(scan(Buffer.from(""), new Rng(1), 3), []);
  assert.deepEqual(scan(Buffer.from(" \u00a0\r\n\t\n"), new Rng(1), 1), ["\n", "\n"]);
});
