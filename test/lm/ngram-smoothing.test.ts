import assert from "node:assert/strict";
import { test } from "node:test";
import type { NgramModel } from "../../src/lm/ngram/model.js";
import { trainNgram } from "../../src/lm/ngram/train.js";
import { Rng } from "../../src/util/rng.js";

const TOY = ["a b a", "b a c", "a b", "c a b a b", "b"].map((s) => s.split(" "));

/**
 * An independent reference: the textbook definitions over string n-grams in Maps, recursive, slow.
 * Sentences are `<s> w.. </s>`; V counts every word but `<s>` (with `<unk>`, never seen here).
 */
class Reference {
  readonly raw: Map<string, number>[] = [];
  readonly vocab: string[];
  constructor(
    sentences: string[][],
    readonly order: number,
    readonly method: string,
    readonly k = 1,
  ) {
    for (let n = 0; n <= order; n++) this.raw.push(new Map());
    const words = new Set<string>(["</s>", "<unk>"]);
    for (const s of sentences) {
      const padded = ["<s>", ...s, "</s>"];
      for (const w of s) words.add(w);
      for (let n = 1; n <= order; n++) {
        for (let i = 0; i + n <= padded.length; i++) {
          if (n === 1 && padded[i] === "<s>") continue;
          const g = padded.slice(i, i + n).join(" ");
          this.raw[n].set(g, (this.raw[n].get(g) ?? 0) + 1);
        }
      }
    }
    this.vocab = [...words];
  }

  /** The counts the method smooths order n with. */
  counts(n: number): Map<string, number> {
    if (this.method !== "kn" || n === this.order) return this.raw[n];
    const out = new Map<string, number>();
    for (const g of this.raw[n + 1].keys()) {
      const suffix = g.split(" ").slice(1).join(" ");
      out.set(suffix, (out.get(suffix) ?? 0) + 1);
    }
    for (const [g, c] of this.raw[n]) if (g.startsWith("<s>")) out.set(g, c);
    return out;
  }

  discounts(n: number): number[] {
    const coc = [0, 0, 0, 0, 0];
    for (const c of this.counts(n).values()) if (c <= 4) coc[c]++;
    const y = coc[1] / (coc[1] + 2 * coc[2]);
    const d = [1, 2, 3].map((i) => i - ((i + 1) * y * coc[i + 1]) / coc[i]);
    return d.every((x, i) => Number.isFinite(x) && x > 0 && x <= i + 1) ? d : [0.5, 1, 1.5];
  }

  /** Raw score S(w | h) (a probability for every method but stupid backoff). */
  score(w: string, h: string[]): number {
    h = h.slice(Math.max(0, h.length - this.order + 1));
    const lower = h.length === 0 ? 1 / this.vocab.length : this.score(w, h.slice(1));
    const n = h.length + 1;
    const counts = this.counts(n);
    const prefix = h.length === 0 ? "" : `${h.join(" ")} `;
    let total = 0;
    let types = 0;
    const byCount = [0, 0, 0, 0];
    for (const [g, c] of counts) {
      if (!g.startsWith(prefix) || g.split(" ").length !== n) continue;
      total += c;
      types++;
      byCount[Math.min(c, 3)]++;
    }
    if (total === 0) return lower;
    const c = counts.get(prefix + w) ?? 0;
    switch (this.method) {
      case "kn": {
        const d = [0, ...this.discounts(n)];
        const gamma = (d[1] * byCount[1] + d[2] * byCount[2] + d[3] * byCount[3]) / total;
        return Math.max(c - d[Math.min(c, 3)], 0) / total + gamma * lower;
      }
      case "wb":
        return (c + types * lower) / (total + types);
      case "addk": {
        const kv = this.k * this.vocab.length;
        return (c + kv * lower) / (total + kv);
      }
      default:
        return c > 0 ? c / total : this.k * lower;
    }
  }

  prob(w: string, h: string[]): number {
    if (this.method !== "stupid") return this.score(w, h);
    let z = 0;
    for (const v of this.vocab) z += this.score(v, h);
    return this.score(w, h) / z;
  }
}

async function train(order: number, smoothing: string, k?: number): Promise<NgramModel> {
  return trainNgram(() => TOY, { order, smoothing, k });
}

function ids(model: NgramModel, words: string[]): number[] {
  return words.map((w) => model.vocab.id(w));
}

for (const method of ["kn", "wb", "addk", "stupid"]) {
  for (const order of [1, 2, 3]) {
    test(`${method} order ${order}: every P(w | h) matches the textbook definition`, async () => {
      const k = method === "addk" ? 0.5 : method === "stupid" ? 0.4 : undefined;
      const model = await train(order, method, k);
      const ref = new Reference(TOY, order, method, k);
      const contexts = [
        [],
        ["<s>"],
        ["a"],
        ["<s>", "a"],
        ["a", "b"],
        ["b", "a"],
        ["c", "c"],
        ["<s>", "b", "a"],
      ];
      for (const h of contexts) {
        for (const w of ref.vocab) {
          const got = Math.exp(model.logProb(model.vocab.id(w), ids(model, h)));
          const want = ref.prob(w, h);
          assert.ok(
            Math.abs(got - want) < 1e-6 * want,
            `${method}/${order} P(${w} | ${h.join(" ")}) = ${got}, want ${want}`,
          );
        }
      }
    });
  }
}

test("hand-computed values: Laplace unigrams, Witten-Bell bigram", async () => {
  const one = await trainNgram(() => [["a", "b", "a"]], { order: 1, smoothing: "addk", k: 1 });
  // N = 4 tokens (a b a </s>), V = 4 (a b </s> <unk>): P(a) = (2+1)/(4+4), P(<unk>) = 1/8.
  assert.ok(Math.abs(Math.exp(one.logProb(one.vocab.id("a"), [one.bos])) - 3 / 8) < 1e-7);
  assert.ok(Math.abs(Math.exp(one.logProb(one.unk, [])) - 1 / 8) < 1e-7);
  const wb = await trainNgram(() => [["a", "b", "a"]], { order: 2, smoothing: "wb" });
  // P(b) = (1 + 3/4)/(4 + 3) = 0.25; after a: c(a b) = 1, c(a .) = 2, T(a) = 2 -> (1 + 2 * 0.25)/4.
  assert.ok(Math.abs(Math.exp(wb.logProb(wb.vocab.id("b"), [wb.vocab.id("a")])) - 0.375) < 1e-7);
});

test("distributions sum to 1 for random contexts, every smoothing, with and without pruning", async () => {
  const rng = new Rng(5);
  const words = "the cat sat on a mat and the dog ate the cat food while a bird sang".split(" ");
  const sentences = Array.from({ length: 300 }, () =>
    Array.from(
      { length: 1 + rng.int(12) },
      () => words[Math.min(rng.int(words.length), rng.int(words.length))],
    ),
  );
  for (const smoothing of ["kn", "wb", "addk", "stupid"]) {
    for (const prune of [undefined, [0, 1, 2]]) {
      const model = await trainNgram(() => sentences, { order: 4, smoothing, prune });
      for (let t = 0; t < 30; t++) {
        const ctx = [
          model.bos,
          ...Array.from({ length: rng.int(6) }, () => 3 + rng.int(model.vocab.size - 3)),
        ];
        const dist = model.distribution(ctx);
        let sum = 0;
        for (const p of dist) sum += p;
        assert.ok(Math.abs(sum - 1) < 1e-6, `${smoothing} prune ${prune}: sum ${sum}`);
        assert.equal(dist[model.bos], 0);
        const w = 3 + rng.int(model.vocab.size - 3);
        assert.ok(
          Math.abs(Math.log(dist[w]) - model.logProb(w, ctx)) < 1e-9,
          `${smoothing}: logProb vs distribution`,
        );
      }
    }
  }
});

test("pruning drops rare n-grams but keeps those longer n-grams need", async () => {
  const full = await train(3, "kn");
  const pruned = await trainNgram(() => TOY, { order: 3, smoothing: "kn", prune: [0, 1] });
  const nf = full.counts();
  const np = pruned.counts();
  assert.equal(np[1], nf[1]);
  assert.ok(np[2] < nf[2] && np[3] < nf[3], `${np} vs ${nf}`);
  // Every kept trigram's context and suffix bigram is kept (the trie is walked from the unigrams
  // down, so each trigram is found by its own words). With a lower threshold for trigrams than for
  // bigrams, the trigrams of "x y z" (seen once) stay while their bigrams alone would go.
  const needy = await trainNgram(() => [...TOY, ["x", "y", "z"]], {
    order: 3,
    smoothing: "kn",
    prune: [0, 2, 0],
  });
  for (const model of [pruned, needy]) assertPrunedClosed(model);
  const [x, y, z] = ["x", "y", "z"].map((w) => needy.vocab.id(w));
  assert.ok(needy.trie.find([x, y, z], 0, 3) >= 0);
});

/** Asserts that every trigram of a pruned order-3 model has its context and suffix bigram in the trie. */
function assertPrunedClosed(pruned: NgramModel): void {
  const trie = pruned.trie;
  let trigrams = 0;
  for (let u = 0; u < trie.vocabSize; u++)
    for (let b = trie.childStart[1][u]; b < trie.childStart[1][u + 1]; b++)
      for (let t = trie.childStart[2][b]; t < trie.childStart[2][b + 1]; t++) {
        const words = [u, trie.words[2][b], trie.words[3][t]];
        const name = words.map((w) => pruned.vocab.words[w]).join(" ");
        assert.equal(trie.find(words, 0, 3), t, name);
        assert.ok(trie.find(words, 0, 2) >= 0, `context of ${name}`);
        assert.ok(trie.find(words, 1, 3) >= 0, `suffix bigram of ${name}`);
        trigrams++;
      }
  assert.equal(trigrams, pruned.counts()[3]);
}

test("bad options: order 0, empty corpus, unknown smoothing, boundaries inside a sentence", async () => {
  await assert.rejects(
    trainNgram(() => TOY, { order: 0 }),
    /order.*expected an integer in \[1, 16\]/,
  );
  await assert.rejects(
    trainNgram(() => [[], []], { order: 3 }),
    /corpus is empty/,
  );
  await assert.rejects(
    trainNgram(() => TOY, { smoothing: "good-turing" }),
    /unknown smoothing/,
  );
  await assert.rejects(
    trainNgram(() => [["a", "</s>", "b"]], { order: 2 }),
    /sentence 1 contains <\/s>/,
  );
  await assert.rejects(
    trainNgram(() => TOY, { prune: [1] }),
    /unigrams cannot be pruned/,
  );
});

test("a context longer than the order is truncated to its last n-1 words (as KenLM)", async () => {
  const model = await train(3, "kn");
  const long = ids(model, ["<s>", "c", "a", "b", "a", "b"]);
  for (let w = 0; w < model.vocab.size; w++) {
    if (w === model.bos) continue;
    assert.equal(model.logProb(w, long), model.logProb(w, long.slice(-2)));
  }
  assert.deepEqual(model.distribution(long), model.distribution(long.slice(-2)));
});
