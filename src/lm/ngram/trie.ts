/**
 * The n-gram index shared by counting, smoothing, ARPA reading and scoring: a forward trie stored as
 * sorted typed arrays, KenLM's "trie" layout without its bit packing.
 *
 * Node ids: order-1 node i is word i (every vocabulary word is a unigram). An order-k node (k >= 2) is
 * an index into `words[k]`; the children of order-k node p are the order-(k+1) nodes
 * `childStart[k][p] .. childStart[k][p + 1] - 1`, sorted by word, so a lookup is a binary search.
 * Per n-gram: 4 bytes of word plus 4 bytes of child offset (orders below the highest).
 */
export class NgramTrie {
  /** `words[k][i]`: the last word of order-k node i (index 0 unused; words[1] is the identity). */
  readonly words: Int32Array[];
  /** `childStart[k]` (k < order): offsets of each order-k node's children in order k+1; length n[k]+1. */
  readonly childStart: Int32Array[];

  constructor(
    readonly order: number,
    readonly vocabSize: number,
    words: Int32Array[],
    childStart: Int32Array[],
  ) {
    this.words = words;
    this.childStart = childStart;
  }

  /** Number of n-grams of order k. */
  size(k: number): number {
    return this.words[k].length;
  }

  /** The order-(k+1) child of order-k node `parent` whose last word is `word`, or -1. */
  child(k: number, parent: number, word: number): number {
    const starts = this.childStart[k];
    const words = this.words[k + 1];
    let lo = starts[parent];
    let hi = starts[parent + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const w = words[mid];
      if (w < word) lo = mid + 1;
      else if (w > word) hi = mid - 1;
      else return mid;
    }
    return -1;
  }

  /** The node of the n-gram ids[from..to) (order to-from >= 1), or -1 when it is not in the trie. */
  find(ids: ArrayLike<number>, from: number, to: number): number {
    let node = ids[from];
    if (node < 0 || node >= this.vocabSize) return -1;
    for (let i = from + 1; i < to && node >= 0; i++) node = this.child(i - from, node, ids[i]);
    return node;
  }
}

/**
 * Sorts the entries of one order by (context node, word) with two stable counting sorts (linear time,
 * no comparisons), returning each entry's new position and the context nodes' child offsets.
 * `ctx[e]` is an order-(k-1) node id (< nCtx), `word[e]` a word id (< vocabSize).
 */
export function sortEntries(
  ctx: Int32Array,
  word: Int32Array,
  n: number,
  nCtx: number,
  vocabSize: number,
): { position: Int32Array; childStart: Int32Array } {
  const byWord = new Int32Array(n);
  const bucket = new Int32Array(Math.max(vocabSize, nCtx) + 1);
  for (let e = 0; e < n; e++) bucket[word[e] + 1]++;
  for (let i = 1; i <= vocabSize; i++) bucket[i] += bucket[i - 1];
  for (let e = 0; e < n; e++) byWord[bucket[word[e]]++] = e;
  const childStart = new Int32Array(nCtx + 1);
  for (let e = 0; e < n; e++) childStart[ctx[e] + 1]++;
  for (let i = 1; i <= nCtx; i++) childStart[i] += childStart[i - 1];
  const next = bucket.subarray(0, nCtx);
  next.set(childStart.subarray(0, nCtx));
  const position = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const e = byWord[i];
    position[e] = next[ctx[e]]++;
  }
  return { position, childStart };
}

/** Applies `position` (from sortEntries) to a payload array. */
export function permute<T extends Int32Array | Float64Array | Float32Array>(
  values: T,
  position: Int32Array,
  n: number,
): T {
  const out = new (values.constructor as new (n: number) => T)(n);
  for (let e = 0; e < n; e++) out[position[e]] = values[e];
  return out;
}
