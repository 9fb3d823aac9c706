import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { buildHuffman, type HuffmanTree } from "../../src/vocab/huffman.js";

function codeOf(t: HuffmanTree, i: number): string {
  return Array.from(t.codes.subarray(t.offsets[i], t.offsets[i] + t.lengths[i])).join("");
}

/** Optimal total cost sum(count * depth) = sum of the weights of all merges (independent O(V^2) Huffman). */
function optimalCost(counts: number[]): number {
  const pool = [...counts];
  let cost = 0;
  while (pool.length > 1) {
    pool.sort((a, b) => a - b);
    const m = pool[0] + pool[1];
    cost += m;
    pool.splice(0, 2, m);
  }
  return cost;
}

test("Huffman codes match word2vec.c's CreateBinaryTree on a worked example", () => {
  const t = buildHuffman([5, 3, 2, 1]);
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => codeOf(t, i)),
    ["0", "11", "101", "100"],
  );
  const pts = (i: number) => Array.from(t.points.subarray(t.offsets[i], t.offsets[i] + t.lengths[i]));
  assert.deepEqual([0, 1, 2, 3].map(pts), [[2], [2, 1], [2, 1, 0], [2, 1, 0]]);
});

test("Huffman codes are prefix-free, consistent with one tree, and optimal", () => {
  const rng = new Rng(3);
  for (const v of [2, 3, 17, 500]) {
    // Zipf-like counts with ties, given in shuffled order to exercise the sort.
    const counts = Array.from({ length: v }, (_, i) => Math.max(1, Math.floor(1000 / (i + 1))));
    rng.shuffle(counts);
    const t = buildHuffman(counts);
    const codes = counts.map((_, i) => codeOf(t, i));
    const sorted = [...codes].sort();
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(!sorted[i].startsWith(sorted[i - 1]), `${sorted[i - 1]} is a prefix of ${sorted[i]}`);
    }
    // The inner node reached after a given prefix is the same whichever word's path gets there.
    const nodeAt = new Map<string, number>();
    for (let i = 0; i < v; i++) {
      assert.equal(t.points[t.offsets[i]], v - 2, "paths start at the root");
      for (let j = 0; j < t.lengths[i]; j++) {
        const prefix = codes[i].slice(0, j);
        const p = t.points[t.offsets[i] + j];
        assert.ok(p >= 0 && p <= v - 2);
        const seen = nodeAt.get(prefix);
        if (seen === undefined) nodeAt.set(prefix, p);
        else assert.equal(seen, p);
      }
    }
    assert.equal(nodeAt.size, v - 1, "a full binary tree over V leaves has V-1 inner nodes");
    assert.equal(new Set(nodeAt.values()).size, v - 1, "distinct prefixes, distinct inner nodes");
    const cost = counts.reduce((s, c, i) => s + c * t.lengths[i], 0);
    assert.equal(cost, optimalCost(counts));
  }
});

test("Huffman on one word has empty codes", () => {
  const t = buildHuffman([7]);
  assert.equal(t.lengths[0], 0);
  assert.equal(t.codes.length, 0);
  assert.throws(() => buildHuffman([1, -1]), /expected a finite number >= 0/);
});
