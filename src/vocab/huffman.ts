import { EmbedlmError } from "../util/errors.js";

/**
 * Huffman codes for hierarchical softmax. Word i's path from the root is bits
 * codes[offsets[i] .. offsets[i] + lengths[i]) and the inner nodes it passes, points[same range]:
 * inner-node ids 0..V-2, the root (V-2) first. Bit 1 marks the branch taken from the larger subtree.
 */
export interface HuffmanTree {
  codes: Uint8Array;
  points: Int32Array;
  offsets: Int32Array;
  lengths: Int32Array;
}

/**
 * Builds the tree as word2vec.c's CreateBinaryTree does (two queues over counts sorted descending;
 * on equal counts the inner node is taken first; the second node of a merge gets bit 1), so a
 * vocabulary sorted like word2vec's gets word2vec's codes. Counts in any order are sorted first
 * (stable), which makes this O(V log V); the merging itself is O(V).
 */
export function buildHuffman(counts: ArrayLike<number>): HuffmanTree {
  const v = counts.length;
  for (let i = 0; i < v; i++) {
    if (!(counts[i] >= 0) || !Number.isFinite(counts[i])) {
      throw new EmbedlmError(`count ${i} is ${counts[i]}; expected a finite number >= 0`, {
        field: "counts",
      });
    }
  }
  // order[k] = id of the k-th most frequent word.
  const order = Int32Array.from({ length: v }, (_, i) => i);
  let sorted = true;
  for (let i = 1; i < v && sorted; i++) sorted = counts[i - 1] >= counts[i];
  if (!sorted) order.sort((a, b) => counts[b] - counts[a] || a - b);

  const nodes = Math.max(0, 2 * v - 1);
  const count = new Float64Array(nodes + 1);
  for (let k = 0; k < v; k++) count[k] = counts[order[k]];
  for (let k = v; k <= nodes; k++) count[k] = Number.POSITIVE_INFINITY;
  const binary = new Uint8Array(nodes);
  const parent = new Int32Array(nodes);
  let pos1 = v - 1;
  let pos2 = v;
  const pick = (): number => {
    if (pos1 >= 0 && count[pos1] < count[pos2]) return pos1--;
    return pos2++;
  };
  for (let a = 0; a < v - 1; a++) {
    const min1 = pick();
    const min2 = pick();
    count[v + a] = count[min1] + count[min2];
    parent[min1] = v + a;
    parent[min2] = v + a;
    binary[min2] = 1;
  }

  // Depth of every node, top-down: inner nodes were created in increasing order, so a parent's
  // index is above its children's and a descending sweep sees the parent first.
  const root = 2 * v - 2;
  const depth = new Int32Array(nodes);
  for (let n = root - 1; n >= 0; n--) depth[n] = depth[parent[n]] + 1;
  const lengths = new Int32Array(v);
  const offsets = new Int32Array(v);
  let total = 0;
  for (let k = 0; k < v; k++) {
    const id = order[k];
    lengths[id] = v > 1 ? depth[k] : 0;
    offsets[id] = total;
    total += lengths[id];
  }
  const codes = new Uint8Array(total);
  const points = new Int32Array(total);
  for (let k = 0; k < v; k++) {
    const id = order[k];
    const len = lengths[id];
    const off = offsets[id];
    // Walk leaf -> root, filling the path from its end.
    let n = k;
    for (let j = len - 1; j >= 0; j--) {
      codes[off + j] = binary[n];
      n = parent[n];
      points[off + j] = n - v;
    }
  }
  return { codes, points, offsets, lengths };
}
