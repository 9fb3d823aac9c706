import assert from "node:assert/strict";
import { test } from "node:test";
import { uniform } from "../../src/nn/init.js";
import { dense } from "../../src/nn/layers/dense.js";
import { embedding } from "../../src/nn/layers/embedding.js";
import { tiedDense } from "../../src/nn/layers/tied.js";
import { adam, sgd } from "../../src/nn/optim.js";
import type { ParamStore } from "../../src/nn/params.js";
import { sequential } from "../../src/nn/sequential.js";
import { Rng } from "../../src/util/rng.js";
import { gradCheck, randomTensor } from "./gradcheck.js";

const V = 7;
const D = 3;
const ids = { shape: [2, 4], data: Int32Array.from([1, 3, 3, 0, 6, 1, 2, 1]) };

test("tied output layer: the shared table gets both gradients (finite differences, float64)", () => {
  const emb = embedding({ inputDim: V, outputDim: D });
  const m = gradCheck(
    [emb, dense({ units: D, activation: "tanh" }), tiedDense(emb, { biasInitializer: uniform(-1, 1) })],
    { inputShape: [null], x: ids, samples: V * D },
  );
  assert.deepEqual(
    m.params.params.map((p) => p.name),
    ["0.weight", "1.weight", "1.bias", "2.bias"],
  );
  // Rows 4 and 5 are no input id: their gradient comes from the output side only, and is non-zero.
  const g = m.params.get("0.weight").grad.data;
  assert.ok(g.subarray(4 * D, 6 * D).some((v) => v !== 0));
  assert.equal(m.params.get("0.weight").rows!.count, V);
});

function tinyTied(trainable: boolean) {
  const emb = embedding({ inputDim: V, outputDim: D, trainable });
  const m = sequential([emb, tiedDense(emb)], { inputShape: [null], seed: 4 });
  const dy = randomTensor([2, 4, V], new Rng(8));
  const step = () => {
    m.zeroGrad();
    m.forward(ids, true);
    m.backward({ shape: dy.shape, data: Float32Array.from(dy.data) });
  };
  return { m, step, table: m.params.get("0.weight"), bias: m.params.get("1.bias") };
}

test("tied table: zeroGrad clears every row and plain SGD updates rows no input touched", () => {
  const { m, step, table } = tinyTied(true);
  step();
  const g1 = Float32Array.from(table.grad.data);
  const before = Float32Array.from(table.value.data);
  step();
  // A second step from the same weights gives the same gradient: nothing left over from the first.
  assert.deepEqual(table.grad.data, g1);
  sgd(m.params, { lr: 0.5 }).step();
  for (let i = 0; i < V * D; i++)
    assert.ok(Math.abs(table.value.data[i] - (before[i] - 0.5 * g1[i])) < 1e-6, `${i}`);
  assert.notDeepEqual(table.value.data.subarray(4 * D, 5 * D), before.subarray(4 * D, 5 * D));
});

test("tying with a frozen embedding freezes the output projection too; the bias still trains (SGD and Adam)", () => {
  for (const make of [(s: ParamStore) => sgd(s, { lr: 0.5 }), (s: ParamStore) => adam(s, { lr: 0.1 })]) {
    const { m, step, table, bias } = tinyTied(false);
    const before = Float32Array.from(table.value.data);
    step();
    assert.ok(table.grad.data.every((v) => v === 0));
    make(m.params).step();
    assert.deepEqual(table.value.data, before);
    assert.ok(bias.value.data.some((v) => v !== 0));
  }
});

test("tied output layer: bad placement and sizes are clear errors", () => {
  const emb = embedding({ inputDim: V, outputDim: D });
  assert.throws(() => sequential([tiedDense(emb), emb], { inputShape: [null, D] }), /must come before it/);
  const emb2 = embedding({ inputDim: V, outputDim: D });
  assert.throws(
    () => sequential([emb2, dense({ units: 5 }), tiedDense(emb2)], { inputShape: [null] }),
    /input dimension 5 differs from the tied embedding's dimension 3/,
  );
});
