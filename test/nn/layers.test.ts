import assert from "node:assert/strict";
import { test } from "node:test";
import { glorotUniform, orthogonal } from "../../src/nn/init.js";
import { multiHeadAttention } from "../../src/nn/layers/attention.js";
import { dense } from "../../src/nn/layers/dense.js";
import { dropout } from "../../src/nn/layers/dropout.js";
import { embedding } from "../../src/nn/layers/embedding.js";
import { gru } from "../../src/nn/layers/gru.js";
import { lstm } from "../../src/nn/layers/lstm.js";
import { softmaxCrossEntropy } from "../../src/nn/loss.js";
import { type ModelOptions, sequential } from "../../src/nn/sequential.js";
import type { Tensor } from "../../src/nn/tensor.js";
import { EmbedlmError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";
import { randomTensor } from "./gradcheck.js";

const rng = new Rng(21);

test("orthogonal init gives orthonormal columns (tall) or rows (wide); glorot stays in its bound", () => {
  for (const [r, c] of [
    [8, 3],
    [3, 8],
  ]) {
    const w = new Float64Array(r * c);
    orthogonal()(w, [r, c], rng);
    const tall = r >= c;
    const n = tall ? c : r;
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        let dot = 0;
        for (let i = 0; i < (tall ? r : c); i++)
          dot += tall ? w[i * c + a] * w[i * c + b] : w[a * c + i] * w[b * c + i];
        assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-12);
      }
  }
  const g = new Float32Array(400 * 100);
  glorotUniform()(g, [400, 100], rng);
  const bound = Math.sqrt(6 / 500);
  assert.ok(g.every((v) => Math.abs(v) <= bound));
  assert.ok(g.some((v) => Math.abs(v) > 0.9 * bound));
});

test("Embedding: initial matrix, frozen table, id range errors", () => {
  const weights = Float32Array.from({ length: 12 }, (_, i) => i);
  const m = sequential([embedding({ inputDim: 4, outputDim: 3, weights, trainable: false })], {
    inputShape: [null],
  });
  const y = m.forward({ shape: [1, 2], data: Int32Array.from([2, 0]) });
  assert.deepEqual([...y.data], [6, 7, 8, 0, 1, 2]);
  m.backward({ shape: y.shape, data: new Float32Array(6).fill(1) });
  assert.ok(m.params.grads.every((v) => v === 0));
  assert.equal(m.params.trainableSize, 0);
  assert.throws(() => m.forward({ shape: [1, 1], data: Int32Array.from([4]) }), EmbedlmError);
});

test("inputs of another shape than the model was built for, and empty sequences, are errors", () => {
  const m = sequential([dense({ units: 2 })], { inputShape: [null, 3] });
  assert.deepEqual([...m.forward({ shape: [1, 1, 3], data: new Float32Array(3) }).shape], [1, 1, 2]);
  for (const [shape, n] of [
    [[1, 4], 4], // a rank short
    [[1, 1, 4], 4], // last dimension 4, not 3
    [[2, 1, 3], 3], // fewer values than the shape says
  ] as const)
    assert.throws(
      () => m.forward({ shape: [...shape], data: new Float32Array(n) }),
      /the model takes \[batch, any,3\]/,
      `${shape}`,
    );
  const r = sequential([lstm({ units: 2 })], { inputShape: [null, 3] });
  assert.throws(() => r.forward({ shape: [1, 0, 3], data: new Float32Array(0) }), /an empty sequence/);
  // The loss reads a row of logits per target: too few rows are an error, not a read past them.
  assert.throws(
    () => softmaxCrossEntropy(new Float32Array(8), Int32Array.from([0, 1, 2]), 4, new Float32Array(8)),
    /3 targets need 3 rows of 4 logits, got 2/,
  );
});

test("Dropout: inverted scaling in training, identity at inference, locked masks shared over time", () => {
  const x: Tensor = { shape: [4, 50, 8], data: new Float32Array(1600).fill(1) };
  const std = sequential([dropout({ rate: 0.25 })], { inputShape: [null, 8] });
  assert.equal(std.forward(x, false), x);
  const y = std.forward(x, true).data;
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(zeros > 300 && zeros < 500, `${zeros} zeros`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 4 / 3) < 1e-6));
  const dx = std.net.backward({ shape: x.shape, data: new Float32Array(1600).fill(2) })!;
  for (let i = 0; i < 1600; i++) assert.equal(dx.data[i], 2 * y[i]);
  const locked = sequential([dropout({ rate: 0.5, locked: true })], { inputShape: [null, 8] });
  const z = locked.forward(x, true).data;
  for (let b = 0; b < 4; b++)
    for (let t = 1; t < 50; t++)
      for (let j = 0; j < 8; j++) assert.equal(z[(b * 50 + t) * 8 + j], z[b * 400 + j]);
  assert.ok(z.some((v) => v === 0) && z.some((v) => v === 2));
});

for (const [name, make] of [
  ["LSTM", lstm],
  ["GRU", gru],
] as const) {
  test(`${name} stateful: two half-sequences equal one whole sequence`, () => {
    const x = randomTensor([2, 6, 3], rng) as Tensor & { data: Float64Array };
    const half = (h: number): Tensor => {
      const d = new Float64Array(2 * 3 * 3);
      for (let b = 0; b < 2; b++) d.set(x.data.subarray((b * 6 + 3 * h) * 3, (b * 6 + 3 * h + 3) * 3), b * 9);
      return { shape: [2, 3, 3], data: d };
    };
    const whole = sequential([make({ units: 4, numLayers: 2, returnSequences: true })], {
      inputShape: [null, 3],
      dtype: "float64",
    });
    const split = sequential([make({ units: 4, numLayers: 2, returnSequences: true, stateful: true })], {
      inputShape: [null, 3],
      dtype: "float64",
    });
    const full = Float64Array.from(whole.forward(x).data);
    const first = Float64Array.from(split.forward(half(0)).data);
    const second = split.forward(half(1)).data;
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < 6; t++)
        for (let j = 0; j < 4; j++) {
          const got = t < 3 ? first[(b * 3 + t) * 4 + j] : second[(b * 3 + t - 3) * 4 + j];
          assert.ok(Math.abs(got - full[(b * 6 + t) * 4 + j]) < 1e-12);
        }
    split.resetStates();
    const again = split.forward(half(0)).data;
    for (let i = 0; i < again.length; i++) assert.equal(again[i], first[i]);
    // Without stateful, a second call starts from zero again.
    const y1 = Float64Array.from(whole.forward(half(0)).data);
    assert.deepEqual([...whole.forward(half(0)).data], [...y1]);
    // Another batch size in between (batch-1 validation during training): back at batch 2 the
    // state starts from zero, and alternating sizes allocates nothing more once each was seen.
    split.resetStates();
    split.forward(half(0));
    const one: Tensor = { shape: [1, 3, 3], data: x.data.slice(0, 9) };
    split.forward(one);
    split.forward(half(1));
    const used = split.arena.allocated;
    split.forward(one);
    assert.deepEqual([...split.forward(half(0)).data], [...first], "batch 2 again starts from zero");
    assert.equal(split.arena.allocated, used);
  });
}

test("causal attention: outputs at step t ignore later inputs", () => {
  const m = sequential([multiHeadAttention({ numHeads: 2 }), dense({ units: 3 })], {
    inputShape: [null, 4],
    dtype: "float64",
  });
  const x = randomTensor([1, 5, 4], rng);
  const y0 = Float64Array.from(m.forward(x).data);
  x.data[4 * 4 + 1] += 1; // change only the last step's input
  const y1 = m.forward(x).data;
  for (let i = 0; i < 4 * 3; i++) assert.equal(y1[i], y0[i]);
  assert.notEqual(y1[4 * 3], y0[4 * 3]);
});

test("layer outputs have the declared shapes (returnSequences false gives the last step)", () => {
  const m = sequential(
    [
      embedding({ inputDim: 10, outputDim: 4 }),
      lstm({ units: 5, returnSequences: true }),
      lstm({ units: 6 }),
      dense({ units: 3, activation: "relu" }),
    ],
    { inputShape: [null] },
  );
  assert.deepEqual(m.outputShape, [3]);
  const y = m.forward({ shape: [2, 7], data: new Int32Array(14) });
  assert.deepEqual(y.shape, [2, 3]);
  // The same weights (same seed) with returnSequences give every step; without, the last one.
  for (const make of [lstm, gru]) {
    const opts: ModelOptions = { inputShape: [null, 3], dtype: "float64", seed: 9 };
    const every = sequential([make({ units: 4, numLayers: 2, returnSequences: true })], opts);
    const last = sequential([make({ units: 4, numLayers: 2 })], opts);
    const x = randomTensor([2, 5, 3], rng);
    const a = every.forward(x).data;
    const b = last.forward(x).data;
    assert.deepEqual(last.outputShape, [4]);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 4; j++) assert.equal(b[i * 4 + j], a[(i * 5 + 4) * 4 + j], `${make.name} row ${i}`);
    assert.notEqual(a[3 * 4], a[4 * 4], "steps differ, so the last one is told apart");
  }
});

test("LSTM dropout between layers is active in training only and backpropagates", () => {
  const m = sequential([lstm({ units: 6, numLayers: 2, returnSequences: true, dropout: 0.5 })], {
    inputShape: [null, 3],
    dtype: "float64",
  });
  const x = randomTensor([2, 4, 3], rng);
  const eval1 = Float64Array.from(m.forward(x, false).data);
  assert.deepEqual([...m.forward(x, false).data], [...eval1]);
  const train = Float64Array.from(m.forward(x, true).data);
  assert.ok(train.some((v, i) => Math.abs(v - eval1[i]) > 1e-9));
  m.zeroGrad();
  const dx = m.net.backward({ shape: [2, 4, 6], data: new Float64Array(48).fill(1) })!;
  assert.deepEqual(dx.shape, [2, 4, 3]);
  assert.ok(m.params.grads.some((v) => v !== 0));
});
