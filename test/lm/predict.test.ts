import assert from "node:assert/strict";
import { test } from "node:test";
import { perplexity, scoreSentence } from "../../src/lm/evaluate.js";
import { generate } from "../../src/lm/generate.js";
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
});
