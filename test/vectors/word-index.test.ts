import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { hashWord, WordIndex } from "../../src/vectors/index.js";
import { hashLines } from "../../src/vectors/word-index.js";

const special = ["café", "naïve", "日本語", "😀x", "a𝄞b", "Ω", "", "ascii", "\u00ff\u0100\u07ff\u0800\uffff"];

test("hashLines hashes UTF-8 lines as hashWord hashes the decoded strings", () => {
  const rng = new Rng(3);
  const words = [...special];
  // Random code points from every UTF-8 length class, surrogates left out (not valid UTF-8).
  const ranges = [
    [0x20, 0x7f],
    [0x80, 0x800],
    [0x800, 0xd800],
    [0xe000, 0x10000],
    [0x10000, 0x110000],
  ];
  for (let i = 0; i < 500; i++) {
    let w = "";
    for (let k = 1 + rng.int(6); k > 0; k--) {
      const [lo, hi] = ranges[rng.int(ranges.length)];
      const cp = lo + rng.int(hi - lo);
      if (cp !== 10) w += String.fromCodePoint(cp);
    }
    words.push(w);
  }
  const bytes = Buffer.from(words.join("\n"), "utf8");
  const hashes = new Int32Array(words.length);
  assert.equal(hashLines(bytes, hashes), words.length);
  words.forEach((w, i) => {
    assert.equal(hashes[i], hashWord(w), `word ${i} ${JSON.stringify(w)}`);
  });
  // FNV-1a of "a" by hand: (0x811c9dc5 ^ 0x61) * 0x01000193 mod 2^32.
  assert.equal(hashWord("a") >>> 0, 0xe40c292c);
});

test("WordIndex finds every word, reports repeats, and grows past its hint", () => {
  const index = new WordIndex(4);
  const words = Array.from({ length: 5000 }, (_, i) => (i < special.length ? special[i] : `w${i * 7}`));
  for (const w of words) assert.equal(index.add(w), -1);
  assert.equal(index.size, words.length);
  assert.deepEqual(index.words, words);
  words.forEach((w, i) => {
    assert.equal(index.get(w), i);
  });
  assert.equal(index.get("w1"), undefined);
  assert.equal(index.has("w63"), true);
  assert.equal(index.has("nope"), false);
  assert.equal(index.add("w70"), 10);
  assert.equal(index.size, words.length, "a repeat is not added");
});
