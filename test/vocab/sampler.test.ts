import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { AliasSampler, noiseWeights } from "../../src/vocab/sampler.js";
import { keepProbabilities } from "../../src/vocab/subsample.js";

test("alias sampler draws unigram^0.75 (chi-square)", () => {
  const counts = Array.from({ length: 50 }, (_, i) => Math.floor(10000 / (i + 1)));
  const w = noiseWeights(counts);
  for (let i = 0; i < counts.length; i++) assert.ok(Math.abs(w[i] - counts[i] ** 0.75) < 1e-9);
  const s = new AliasSampler(w);
  const rng = new Rng(11);
  const draws = 200_000;
  const hist = new Float64Array(counts.length);
  for (let i = 0; i < draws; i++) hist[s.sample(rng)]++;
  const total = w.reduce((a, b) => a + b, 0);
  let chi = 0;
  for (let i = 0; i < counts.length; i++) {
    const expected = (draws * w[i]) / total;
    chi += (hist[i] - expected) ** 2 / expected;
  }
  // 49 degrees of freedom: p = 0.001 critical value 85.35.
  assert.ok(chi < 85.35, `chi-square ${chi.toFixed(1)}`);
  // The same statistic against plain unigram frequencies must fail: the test can tell them apart.
  const ctotal = counts.reduce((a, b) => a + b, 0);
  let chiUni = 0;
  for (let i = 0; i < counts.length; i++) {
    const expected = (draws * counts[i]) / ctotal;
    chiUni += (hist[i] - expected) ** 2 / expected;
  }
  assert.ok(chiUni > 1000, `unigram chi-square ${chiUni.toFixed(1)}`);
});

test("alias sampler never draws a zero weight and rejects bad weights", () => {
  const s = new AliasSampler([0, 1, 0, 3]);
  const rng = new Rng(5);
  for (let i = 0; i < 10_000; i++) {
    const k = s.sample(rng);
    assert.ok(k === 1 || k === 3);
  }
  assert.throws(() => new AliasSampler([]), /empty/);
  assert.throws(() => new AliasSampler([0, 0]), /zero/);
  assert.throws(() => new AliasSampler([1, Number.NaN]), /weight 1/);
});

test("keep probabilities follow word2vec's formula", () => {
  const counts = [100000, 5000, 20, 0];
  const total = 105020;
  const sample = 1e-3;
  const keep = keepProbabilities(counts, sample);
  for (let i = 0; i < 3; i++) {
    const f = counts[i];
    const expected = (Math.sqrt(f / (sample * total)) + 1) * ((sample * total) / f);
    assert.ok(Math.abs(keep[i] - expected) < 1e-6 * expected, `word ${i}: ${keep[i]} vs ${expected}`);
  }
  assert.ok(keep[0] < 0.5, "the most frequent word is mostly dropped");
  assert.ok(keep[2] > 1, "rare words are always kept");
  assert.equal(keep[3], 1);
  assert.deepEqual(Array.from(keepProbabilities(counts, 0)), [1, 1, 1, 1]);
});
