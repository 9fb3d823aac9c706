import { checkInt, EmbedlmError } from "../../util/errors.js";
import { collectGarbage, released } from "./memory.js";
import { NgramTrie, permute, sortEntries } from "./trie.js";

/**
 * Open-addressing hash table of the n-grams of one order, keyed by (id of the n-gram's context in the
 * order below, last word) and holding counts, all in typed arrays: 12 bytes per n-gram plus 4-8 bytes
 * of slots (load factor 0.35..0.7). Entry ids are insertion order and serve as context ids one order up.
 */
class HashedOrder {
  ctx: Int32Array = new Int32Array(1024);
  word: Int32Array = new Int32Array(1024);
  count: Int32Array = new Int32Array(1024);
  size = 0;
  private slots = new Int32Array(4096);
  private mask = 4095;

  /** The entry of (ctx, word), created with count 0 when absent; its count is incremented. */
  add(ctx: number, word: number): number {
    let h = (Math.imul(ctx, 0x9e3779b1) ^ Math.imul(word, 0x85ebca77)) >>> 0;
    h = (h ^ (h >>> 15)) & this.mask;
    const slots = this.slots;
    for (;;) {
      const s = slots[h];
      if (s === 0) break;
      const e = s - 1;
      if (this.word[e] === word && this.ctx[e] === ctx) {
        this.count[e]++;
        return e;
      }
      h = (h + 1) & this.mask;
    }
    const e = this.size++;
    if (e === this.ctx.length) this.growEntries();
    this.ctx[e] = ctx;
    this.word[e] = word;
    this.count[e] = 1;
    slots[h] = e + 1;
    if (this.size * 10 > this.slots.length * 7) this.rehash();
    return e;
  }

  private growEntries(): void {
    released(this.ctx.byteLength * 3);
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(Math.ceil(a.length * 1.5));
      b.set(a);
      return b;
    };
    this.ctx = grow(this.ctx);
    this.word = grow(this.word);
    this.count = grow(this.count);
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      let h = (Math.imul(this.ctx[e], 0x9e3779b1) ^ Math.imul(this.word[e], 0x85ebca77)) >>> 0;
      h = (h ^ (h >>> 15)) & mask;
      while (slots[h] !== 0) h = (h + 1) & mask;
      slots[h] = e + 1;
    }
    released(this.slots.byteLength);
    this.slots = slots;
    this.mask = mask;
  }

  /** Drops the hash slots; only the entry arrays are needed after counting. */
  freeSlots(): void {
    this.slots = new Int32Array(0);
  }
}

/** Raw n-gram counts in trie order, with each n-gram's context and suffix node (the smoothers' input). */
export interface NgramCounts {
  readonly trie: NgramTrie;
  /**
   * `counts[k][i]`: how often order-k node i occurred (counts[1] is indexed by word id). Estimation
   * may release an order's arrays once done with them (see estimateModel).
   */
  readonly counts: Int32Array[];
  /** `suffix[k][i]` (k >= 2): the order-(k-1) node of the n-gram's last k-1 words. */
  readonly suffix: Int32Array[];
  /** `bosInitial[k][i]`: 1 when order-k node i starts with `<s>`. */
  readonly bosInitial: Uint8Array[];
  readonly bos: number;
  readonly eos: number;
  /** Sentences and tokens counted (tokens include `</s>`, exclude `<s>`). */
  readonly sentences: number;
  readonly tokens: number;
}

/**
 * Counts the n-grams of orders 1..order in a stream of sentences, `<s> w1 .. wn </s>` each. Memory is
 * proportional to the number of distinct n-grams; words are ids (the vocabulary may grow as it goes).
 */
export class NgramCounter {
  private readonly orders: HashedOrder[] = [];
  private unigrams = new Float64Array(1024);
  private maxWord = -1;
  private readonly current: Int32Array;
  private readonly previous: Int32Array;
  sentences = 0;
  tokens = 0;

  constructor(
    readonly order: number,
    readonly bos: number,
    readonly eos: number,
  ) {
    checkInt("order", order, 1, 16);
    for (let k = 0; k <= order; k++) this.orders.push(new HashedOrder());
    this.current = new Int32Array(order + 1);
    this.previous = new Int32Array(order + 1);
    this.note(bos);
    this.note(eos);
  }

  private note(word: number): void {
    if (word >= this.unigrams.length) {
      const u = new Float64Array(Math.max(word + 1, this.unigrams.length * 2));
      u.set(this.unigrams);
      this.unigrams = u;
    }
    if (word > this.maxWord) this.maxWord = word;
  }

  /** Counts one sentence of word ids (without boundaries; they are added here). */
  addSentence(words: ArrayLike<number>): void {
    const n = words.length;
    const order = this.order;
    let cur = this.current;
    let prev = this.previous;
    this.unigrams[this.bos]++;
    prev[1] = this.bos;
    for (let j = 1; j <= n + 1; j++) {
      const w = j <= n ? words[j - 1] : this.eos;
      if (w < 0) throw new EmbedlmError(`negative word id ${w}`);
      this.note(w);
      this.unigrams[w]++;
      cur[1] = w;
      const top = Math.min(j + 1, order);
      for (let k = 2; k <= top; k++) cur[k] = this.orders[k].add(prev[k - 1], w);
      const t = cur;
      cur = prev;
      prev = t;
    }
    this.sentences++;
    this.tokens += n + 1;
  }

  /**
   * Sorts every order into trie layout (vocabSize >= every id seen) and links each n-gram to its
   * context and suffix. The counter is spent afterwards.
   */
  finish(vocabSize: number): NgramCounts {
    if (vocabSize <= this.maxWord)
      throw new EmbedlmError(`vocabulary size ${vocabSize} <= word id ${this.maxWord}`);
    const order = this.order;
    const words: Int32Array[] = [new Int32Array(0), new Int32Array(vocabSize)];
    for (let i = 0; i < vocabSize; i++) words[1][i] = i;
    const counts: Int32Array[] = [new Int32Array(0), new Int32Array(vocabSize)];
    counts[1].set(this.unigrams.subarray(0, Math.min(vocabSize, this.unigrams.length)));
    const childStart: Int32Array[] = [new Int32Array(0)];
    // Order-(k-1) hash entry id -> sorted node id (the identity for unigrams).
    let rename: Int32Array | undefined;
    for (let k = 2; k <= order; k++) {
      const h = this.orders[k];
      h.freeSlots();
      const n = h.size;
      const ctx = h.ctx.subarray(0, n);
      if (rename) for (let e = 0; e < n; e++) ctx[e] = rename[ctx[e]];
      const nCtx = words[k - 1].length;
      const { position, childStart: starts } = sortEntries(ctx, h.word, n, nCtx, vocabSize);
      childStart[k - 1] = starts;
      words[k] = permute(h.word, position, n);
      counts[k] = permute(h.count, position, n);
      rename = position;
      this.orders[k] = new HashedOrder();
      collectGarbage();
    }
    childStart[order] = new Int32Array(0);
    const trie = new NgramTrie(order, vocabSize, words, childStart);
    const suffix: Int32Array[] = [new Int32Array(0), new Int32Array(0)];
    const bosInitial: Uint8Array[] = [new Uint8Array(0), new Uint8Array(vocabSize)];
    bosInitial[1][this.bos] = 1;
    for (let k = 2; k <= order; k++) {
      const n = words[k].length;
      const s = new Int32Array(n);
      const f = new Uint8Array(n);
      const w = words[k];
      const starts = childStart[k - 1];
      const sufCtx = suffix[k - 1];
      const bosBelow = bosInitial[k - 1];
      for (let c = 0; c + 1 < starts.length; c++) {
        for (let e = starts[c]; e < starts[c + 1]; e++) {
          // Every suffix of a counted n-gram was counted too, so the lookup cannot fail.
          s[e] = k === 2 ? w[e] : trie.child(k - 2, sufCtx[c], w[e]);
          f[e] = bosBelow[c];
        }
      }
      suffix[k] = s;
      bosInitial[k] = f;
    }
    return {
      trie,
      counts,
      suffix,
      bosInitial,
      bos: this.bos,
      eos: this.eos,
      sentences: this.sentences,
      tokens: this.tokens,
    };
  }
}
