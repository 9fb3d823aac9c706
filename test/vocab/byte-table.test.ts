import assert from "node:assert/strict";
import { test } from "node:test";
import { fnv1a } from "../../src/text/word-scanner.js";
import { Rng } from "../../src/util/rng.js";
import { ByteTable } from "../../src/vocab/byte-table.js";

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));
const add = (t: ByteTable, b: Uint8Array) => t.add(b, 0, b.length, fnv1a(b, 0, b.length));
const find = (t: ByteTable, b: Uint8Array) => t.find(b, 0, b.length, fnv1a(b, 0, b.length));

test("dense ids in first-seen order, equal to a Map over many keys (growth and rehashing)", () => {
  const rng = new Rng(3);
  const table = new ByteTable();
  const ref = new Map<string, number>();
  // Keys sit at random offsets of a larger buffer, as words do in a chunk.
  for (let i = 0; i < 30_000; i++) {
    const w = `${"ab€"[rng.int(3)]}${rng.int(10_000)}`.repeat(1 + rng.int(3));
    const pad = rng.int(5);
    const b = bytes(" ".repeat(pad), w, "  ");
    const len = Buffer.byteLength(w);
    if (!ref.has(w)) ref.set(w, ref.size);
    assert.equal(table.add(b, pad, pad + len, fnv1a(b, pad, pad + len)), ref.get(w));
  }
  assert.equal(table.size, ref.size);
  assert.deepEqual(table.words, [...ref.keys()]);
  assert.equal(find(table, bytes("b1x")), -1);
  assert.equal(table.findWord([...ref.keys()][1234]), 1234);
});

test("invalid UTF-8 sequences that decode to one string are one word", () => {
  const table = new ByteTable(["x", "a\ufffd"]);
  assert.equal(table.findWord("a\ufffd"), 1);
  assert.equal(find(table, bytes("a", [0xff])), 1, "found through the word it decodes to");
  assert.equal(find(table, bytes("b", [0xff])), -1);
  assert.equal(add(table, bytes("a", [0xff])), 1);
  assert.equal(add(table, bytes("a", [0xfe])), 1);
  assert.equal(find(table, bytes("a", [0xfe])), 1);
  assert.equal(add(table, bytes([0xc3], "b")), 2);
  assert.equal(add(table, bytes([0xff], "b")), 2);
  assert.equal(add(table, bytes([0xc3, 0xa9], "b")), 3, "valid é is another word");
  assert.equal(add(table, bytes([0xed, 0xa0, 0x80])), 4);
  assert.equal(add(table, bytes([0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd, 0xef, 0xbf, 0xbd])), 4);
  assert.deepEqual(table.words, ["x", "a\ufffd", "\ufffdb", "éb", "\ufffd\ufffd\ufffd"]);
  assert.equal(table.size, 5);
});
