// Parity with PyTorch (the llm.c way): scripts/golden/make_golden.py wrote the initial weights, a
// batch, the logits, the loss, every gradient and the parameters after 3 Adam steps.
import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Layer } from "../../src/nn/layer.js";
import { multiHeadAttention } from "../../src/nn/layers/attention.js";
import { dense } from "../../src/nn/layers/dense.js";
import { embedding } from "../../src/nn/layers/embedding.js";
import { layerNorm } from "../../src/nn/layers/layernorm.js";
import { lstm } from "../../src/nn/layers/lstm.js";
import { positionEmbedding } from "../../src/nn/layers/position.js";
import { residual } from "../../src/nn/layers/residual.js";
import { softmaxCrossEntropy } from "../../src/nn/loss.js";
import { adam } from "../../src/nn/optim.js";
import { createNnRuntime, type NnRuntime } from "../../src/nn/runtime.js";
import { loadSafetensors, type StTensor } from "../../src/nn/safetensors.js";
import { type Model, sequential } from "../../src/nn/sequential.js";

const fixtures = join(
  resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", ".."),
  "test",
  "fixtures",
  "golden",
);

function maxAbs(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]));
  return m;
}

/**
 * Every element within 1e-4 relative (with an absolute floor of 1e-6 of the tensor's largest value),
 * except where `skip` says so.
 */
function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  skip: (i: number) => boolean = () => false,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = maxAbs(expected);
  for (let i = 0; i < expected.length; i++) {
    if (skip(i)) continue;
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(
      err <= 1e-4 * Math.max(Math.abs(expected[i]), scale * 1e-2),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

let runtime: Promise<NnRuntime> | undefined;
after(async () => {
  await (await runtime)?.close();
});

async function checkGolden(file: string, layers: Layer[], wasm: boolean): Promise<void> {
  const { tensors: g, metadata } = await loadSafetensors(join(fixtures, file));
  const vocab = Number(metadata.vocab);
  if (wasm && runtime === undefined) runtime = createNnRuntime({ threads: 2 });
  const rt = wasm ? await runtime : undefined;
  const model: Model = sequential(layers, { inputShape: [null], arena: rt?.arena, ops: rt });
  const names = Object.keys(g)
    .filter((k) => k.startsWith("grad."))
    .map((k) => k.slice(5));
  assert.deepEqual(model.params.params.map((p) => p.name).sort(), names.sort());
  for (const p of model.params.params) p.value.data.set(g[p.name].data);
  const x = g.input as StTensor & { data: Int32Array };
  const targets = g.target.data as Int32Array;
  const dl = model.arena.alloc(targets.length * vocab);
  const opt = adam(model.params, { lr: Number(metadata.adam_lr) });
  for (let step = 0; step < 3; step++) {
    model.zeroGrad();
    const logits = model.forward(x, true);
    const loss = softmaxCrossEntropy(logits.data, targets, vocab, dl);
    model.backward({ shape: logits.shape, data: dl });
    if (step === 0) {
      assertClose(logits.data, g.logits.data, "logits");
      assertClose([loss], g.loss.data, "loss");
      for (const p of model.params.params)
        assertClose(p.grad.data, g[`grad.${p.name}`].data, `grad.${p.name}`);
    }
    opt.step();
  }
  // Where the true gradient is exactly zero (attention's key bias: it shifts every score of a row by
  // the same amount, which softmax ignores), both sides hold float32 roundoff (~1e-9), and Adam
  // normalizes that noise into full-size steps of arbitrary sign: those elements are not comparable.
  for (const p of model.params.params) {
    const g0 = g[`grad.${p.name}`].data;
    const tiny = 1e-6 * maxAbs(g0);
    assertClose(p.value.data, g[`adam3.${p.name}`].data, `adam3.${p.name}`, (i) => Math.abs(g0[i]) < tiny);
  }
}

for (const wasm of [false, true]) {
  const on = wasm ? "WebAssembly kernels" : "TypeScript reference";
  test(`Embedding -> 2-layer LSTM -> Linear LM matches PyTorch (logits, loss, gradients, 3 Adam steps; ${on})`, async () => {
    await checkGolden(
      "lstm_lm.safetensors",
      [
        embedding({ inputDim: 11, outputDim: 6 }),
        lstm({ units: 5, numLayers: 2, returnSequences: true }),
        dense({ units: 11 }),
      ],
      wasm,
    );
  });

  test(`2-layer pre-LN Transformer LM matches PyTorch (logits, loss, gradients, 3 Adam steps; ${on})`, async () => {
    const D = 8;
    const block = () => [
      residual([layerNorm(), multiHeadAttention({ numHeads: 2 })]),
      residual([layerNorm(), dense({ units: 4 * D, activation: "gelu" }), dense({ units: D })]),
    ];
    await checkGolden(
      "transformer_lm.safetensors",
      [
        embedding({ inputDim: 13, outputDim: D }),
        positionEmbedding({ maxLength: 5 }),
        ...block(),
        ...block(),
        layerNorm(),
        dense({ units: 13 }),
      ],
      wasm,
    );
  });
}
