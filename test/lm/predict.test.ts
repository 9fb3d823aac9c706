import assert from "node:assert/strict";
import { test } from "node:test";
import { perplexity, scoreSentence } from "../../src/lm/evaluate.js";
import { generate, truncateDistribution } from "../../src/lm/generate.js";
import { encodePrompt } from "../../src/lm/model.js";
import { trainNgram } from "../../src/lm/ngram/train.js";
import { topK } from "../../src/lm/predict.js";

const CORPUS = [
  "the cat sat on the mat",
  "the cat ate the fish",
  "the dog sat on the log",
  "a cat sat on a dog",
].map((s) => s.split(" "));

test("topK returns the k largest probabilities of the distribution, in order", async () => {
  const model = await trainNgram(() => CORPUS, { order: 3 });
  const ctx = encodePrompt(model, ["the", "cat"]);
  const dist = model.distribution(ctx);
  const sorted = [...dist.keys()].sort((a, b) => dist[b] - dist[a] || a - b);
  const top = topK(model, ctx, 4);
  assert.deepEqual(
    top.map((p) => p.id),
    sorted.slice(0, 4),
  );
  assert.equal(top[0].word, "sat"); // "the cat sat" twice, "the cat ate" once
  assert.deepEqual(topK(model, ctx, 0), []);
  assert.equal(topK(model, ctx, 1000).length, model.vocab.size);
});

test("generate: greedy at temperature 0, reproducible by seed, stops at </s> and maxTokens", async () => {
  const model = await trainNgram(() => CORPUS, { order: 3 });
  const ctx = encodePrompt(model, ["the", "cat"]);
  // Greedy: each step is the argmax of the distribution given everything so far.
  const greedy = generate(model, ctx, { temperature: 0, maxTokens: 10 });
  const ids = [...ctx];
  for (const id of greedy) {
    assert.equal(id, topK(model, ids, 1)[0].id);
    ids.push(id);
  }
  assert.ok(greedy.length > 0 && greedy.length <= 10);
  const a = generate(model, ctx, { seed: 11, maxTokens: 50 });
  assert.deepEqual(generate(model, ctx, { seed: 11, maxTokens: 50 }), a);
  assert.ok(!a.includes(model.eos) && !a.includes(model.bos) && !a.includes(model.unk));
  assert.ok(generate(model, ctx, { seed: 2, maxTokens: 3 }).length <= 3);
  // Low temperatures concentrate on the most probable continuation.
  let sat = 0;
  for (let seed = 1; seed <= 50; seed++) {
    if (generate(model, ctx, { seed, temperature: 0.05, maxTokens: 1 })[0] === model.vocab.id("sat")) sat++;
  }
  assert.equal(sat, 50);
});

test("truncateDistribution keeps the top k, then the smallest nucleus reaching p; ties by lower id", () => {
  const kept = (p: number[], t: { topK?: number; topP?: number }) => {
    const q = truncateDistribution(Float64Array.from(p), t);
    return [...q.keys()].filter((i) => q[i] > 0);
  };
  const p = [0.1, 0.4, 0.2, 0.3];
  assert.deepEqual(kept(p, {}), [0, 1, 2, 3]);
  assert.deepEqual(kept(p, { topK: 2 }), [1, 3]);
  assert.deepEqual(kept(p, { topK: 1 }), [1]);
  assert.deepEqual(kept(p, { topP: 0.35 }), [1]); // 0.4 alone reaches 0.35
  assert.deepEqual(kept(p, { topP: 0.65 }), [1, 3]); // 0.4 + 0.3 = 0.7 >= 0.65
  assert.deepEqual(kept(p, { topP: 0.75 }), [1, 2, 3]);
  // top-p applies to the mass left by top-k (0.9 here): 0.4 < 0.45 <= 0.4 + 0.3.
  assert.deepEqual(kept(p, { topK: 3, topP: 0.5 }), [1, 3]);
  // Unnormalised weights (after a temperature) truncate the same way.
  assert.deepEqual(kept([1, 4, 2, 3], { topP: 0.65 }), [1, 3]);
  assert.deepEqual(kept([0.25, 0.25, 0.25, 0.25], { topK: 2 }), [0, 1]);
  assert.throws(() => truncateDistribution(Float64Array.from(p), { topP: 0 }), /topP must be in \(0, 1\]/);
  assert.throws(() => truncateDistribution(Float64Array.from(p), { topK: -1 }), /topK/);
});

test("generate: top-k/top-p sample only inside the kept set; stop words end the text", async () => {
  const model = await trainNgram(() => CORPUS, { order: 3 });
  const ctx = encodePrompt(model, ["the"]);
  const dist = model.distribution(ctx);
  dist[model.unk] = 0;
  const ranked = [...dist.keys()].sort((a, b) => dist[b] - dist[a] || a - b);
  const firsts = (o: { topK?: number; topP?: number }) => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) seen.add(generate(model, ctx, { ...o, seed, maxTokens: 1 })[0]);
    return [...seen].sort((a, b) => a - b);
  };
  assert.deepEqual(
    firsts({ topK: 2 }),
    ranked.slice(0, 2).sort((a, b) => a - b),
  );
  assert.deepEqual(firsts({ topK: 1 }), [ranked[0]]);
  // The nucleus reaching the two most probable words' share exactly keeps those two.
  const total = dist.reduce((a, b) => a + b, 0);
  const two = (dist[ranked[0]] + dist[ranked[1]]) / total;
  assert.deepEqual(
    firsts({ topP: two - 1e-9 }),
    ranked.slice(0, 2).sort((a, b) => a - b),
  );
  assert.ok(firsts({}).length > 2, "without truncation more words are drawn");
  const free = generate(model, ctx, { seed: 4, maxTokens: 20, temperature: 0 });
  const stopAt = free.indexOf(model.vocab.id("sat"));
  assert.ok(stopAt > 0, `greedy continuation ${free} contains "sat"`);
  assert.deepEqual(
    generate(model, ctx, { seed: 4, maxTokens: 20, temperature: 0, stop: [model.vocab.id("sat")] }),
    free.slice(0, stopAt),
  );
});

test("sentence scores add up to the perplexity; OOVs are <unk>, reported both ways", async () => {
  const model = await trainNgram(() => CORPUS, { order: 2 });
  const s1 = scoreSentence(model, ["the", "cat", "sat"]);
  const s2 = scoreSentence(model, ["a", "zebra"]);
  assert.equal(s1.tokens, 4);
  assert.equal(s2.oov, 1);
  const r = await perplexity(model, [["the", "cat", "sat"], [], ["a", "zebra"]]);
  assert.equal(r.sentences, 2);
  assert.equal(r.tokens, 7);
  assert.ok(Math.abs(r.perplexity - Math.exp(-(s1.logProb + s2.logProb) / 7)) < 1e-9);
  assert.ok(
    Math.abs(r.perplexityExcludingOov - Math.exp(-(s1.logProb + s2.logProb - s2.oovLogProb) / 6)) < 1e-9,
  );
  // By hand: ln P("the cat sat </s>") is the sum of the four conditional log-probabilities.
  const id = (w: string) => model.vocab.id(w);
  const byHand =
    model.logProb(id("the"), [model.bos]) +
    model.logProb(id("cat"), [model.bos, id("the")]) +
    model.logProb(id("sat"), [id("the"), id("cat")]) +
    model.logProb(model.eos, [id("cat"), id("sat")]);
  assert.ok(Math.abs(s1.logProb - byHand) < 1e-12);
  // Boundary tokens in the text are refused, as in training, naming the sentence (empty ones count).
  await assert.rejects(
    perplexity(model, [["the", "cat"], [], ["the", "</s>", "cat"]]),
    /sentence 3 contains <\/s>; boundaries are added by embedlm/,
  );
  assert.throws(() => scoreSentence(model, ["<s>", "the", "cat"]), /sentence 1 contains <s>/);
});
