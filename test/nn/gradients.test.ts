import assert from "node:assert/strict";
import { test } from "node:test";
import type { Activation } from "../../src/nn/activations.js";
import { uniform } from "../../src/nn/init.js";
import { multiHeadAttention } from "../../src/nn/layers/attention.js";
import { dense } from "../../src/nn/layers/dense.js";
import { embedding } from "../../src/nn/layers/embedding.js";
import { gru } from "../../src/nn/layers/gru.js";
import { layerNorm } from "../../src/nn/layers/layernorm.js";
import { lstm } from "../../src/nn/layers/lstm.js";
import { positionEmbedding } from "../../src/nn/layers/position.js";
import type { Recurrent } from "../../src/nn/layers/recurrent.js";
import { residual } from "../../src/nn/layers/residual.js";
import { softmaxCrossEntropy } from "../../src/nn/loss.js";
import type { Tensor } from "../../src/nn/tensor.js";
import { Rng } from "../../src/util/rng.js";
import { gradCheck, randomTensor } from "./gradcheck.js";

const rng = new Rng(5);
const ids = (shape: number[], vocab: number) => ({
  shape,
  data: Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.int(vocab)),
});

for (const activation of ["linear", "relu", "tanh", "sigmoid", "gelu"] as Activation[]) {
  test(`Dense (${activation}) backward matches finite differences`, () => {
    gradCheck([dense({ units: 5, activation })], { inputShape: [3, 4], x: randomTensor([2, 3, 4], rng) });
  });
}

test("Embedding backward (sparse rows) matches finite differences", () => {
  const m = gradCheck([embedding({ inputDim: 7, outputDim: 3 }), dense({ units: 2 })], {
    inputShape: [null],
    x: { shape: [2, 4], data: Int32Array.from([1, 3, 3, 0, 6, 1, 2, 1]) },
    samples: 21,
  });
  const rows = m.params.get("0.weight").rows!;
  assert.deepEqual([...rows.list.subarray(0, rows.count)].sort(), [0, 1, 2, 3, 6]);
});

for (const [name, make] of [
  ["LSTM", lstm],
  ["GRU", gru],
] as const) {
  for (const returnSequences of [true, false]) {
    test(`${name} (2 layers, returnSequences ${returnSequences}, carried state) backward matches finite differences`, () => {
      const layer = make({ units: 3, numLayers: 2, returnSequences, stateful: true });
      // Give the carried state non-zero values, then restore them before every forward.
      const saved: Float64Array[][] = [];
      const before = () => {
        for (let l = 0; l < 2; l++) {
          const st = (layer as Recurrent).state(l);
          if (st === undefined) return;
          if (saved[l] === undefined) {
            saved[l] = st.map((s) => Float64Array.from(s, () => 0.5 * rng.normal()));
          }
          for (let k = 0; k < st.length; k++) st[k].set(saved[l][k]);
        }
      };
      const x = randomTensor([2, 4, 3], rng);
      const m = gradCheck([layer], { inputShape: [null, 3], x, before, samples: 10 });
      assert.equal(saved.length, 2, "carried state was not exercised");
      m.forward(x);
      assert.ok(layer.state(0)![0].some((v) => v !== 0));
    });
  }
}

test("LayerNorm backward matches finite differences", () => {
  gradCheck([dense({ units: 6 }), layerNorm()], { inputShape: [3, 4], x: randomTensor([2, 3, 4], rng) });
});

test("causal multi-head attention backward matches finite differences", () => {
  gradCheck([multiHeadAttention({ numHeads: 2 })], {
    inputShape: [null, 6],
    x: randomTensor([2, 5, 6], rng),
    samples: 15,
  });
});

test("position embedding and pre-LN residual blocks backward match finite differences", () => {
  gradCheck(
    [
      positionEmbedding({ maxLength: 6 }),
      residual([layerNorm(), multiHeadAttention({ numHeads: 2 })]),
      residual([layerNorm(), dense({ units: 8, activation: "gelu" }), dense({ units: 4 })]),
    ],
    { inputShape: [null, 4], x: randomTensor([2, 3, 4], rng, 0.5) },
  );
});

test("softmax cross-entropy (fused, integer targets) matches finite differences and the direct formula", () => {
  const N = 4;
  const V = 6;
  const logits = randomTensor([N, V], rng, 2).data;
  const targets = Int32Array.from([2, -100, 5, 0]);
  const g = new Float64Array(N * V);
  const loss = softmaxCrossEntropy(logits, targets, V, g, { scale: 3 });
  let direct = 0;
  for (const i of [0, 2, 3]) {
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits[i * V + j]);
    direct += Math.log(z) - logits[i * V + targets[i]];
  }
  assert.ok(Math.abs(loss - direct / 3) < 1e-12);
  const scratch = new Float64Array(N * V);
  for (let k = 0; k < N * V; k++) {
    const old = logits[k];
    logits[k] = old + 1e-6;
    const up = softmaxCrossEntropy(logits, targets, V, scratch);
    logits[k] = old - 1e-6;
    const down = softmaxCrossEntropy(logits, targets, V, scratch);
    logits[k] = old;
    const num = (3 * (up - down)) / 2e-6;
    assert.ok(Math.abs(num - g[k]) < 1e-7, `dlogits[${k}] ${g[k]} vs ${num}`);
  }
  for (let j = 0; j < V; j++) assert.equal(g[V + j], 0);
});

test("a whole LSTM language model with cross-entropy matches finite differences", () => {
  const V = 9;
  const B = 2;
  const T = 3;
  const targets = ids([B * T], V).data;
  const dl = new Float64Array(B * T * V);
  gradCheck(
    [
      embedding({ inputDim: V, outputDim: 4, embeddingsInitializer: uniform(-0.5, 0.5) }),
      lstm({ units: 5, numLayers: 2, returnSequences: true }),
      dense({ units: V }),
    ],
    {
      inputShape: [null],
      x: ids([B, T], V),
      loss: (y: Tensor) => ({
        value: softmaxCrossEntropy(y.data, targets, V, dl),
        grad: { shape: y.shape, data: dl },
      }),
      samples: 8,
    },
  );
});
