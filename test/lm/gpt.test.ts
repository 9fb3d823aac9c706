// GPT builder: the same architecture as the golden PyTorch Transformer (test/nn/golden.test.ts) gives
// the same logits, loss and gradients; tied and projected variants pass finite differences.
import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildGpt, GPT_PRESETS, gptLayers, gptPreset } from "../../src/lm/neural/gpt.js";
import type { BuildOptions } from "../../src/lm/neural/io-layers.js";
import { buildNplm } from "../../src/lm/neural/nplm.js";
import { softmaxCrossEntropy } from "../../src/nn/loss.js";
import { createNnRuntime } from "../../src/nn/runtime.js";
import { loadSafetensors } from "../../src/nn/safetensors.js";
import type { IdTensor, Tensor } from "../../src/nn/tensor.js";
import { Rng } from "../../src/util/rng.js";
import { gradCheck } from "../nn/gradcheck.js";

const golden = join(
  resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", ".."),
  "test",
  "fixtures",
  "golden",
  "transformer_lm.safetensors",
);

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= 1e-4 * Math.max(Math.abs(expected[i]), 1e-2 * scale),
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
}

test("GPT builder (untied, no dropout) matches the PyTorch pre-LN Transformer fixture", async () => {
  const { tensors: g, metadata } = await loadSafetensors(golden);
  const V = Number(metadata.vocab);
  const model = buildGpt({
    vocabSize: V,
    numLayers: Number(metadata.layers),
    numHeads: Number(metadata.heads),
    hiddenSize: Number(metadata.dim),
    blockSize: Number(metadata.steps),
    tie: false,
  });
  // The fixture's layers are ours minus the (here inactive) dropout after the positions, layer 2.
  const ours = (name: string) =>
    name.replace(/^\d+/, (i) => String(Number(i) < 2 ? Number(i) : Number(i) + 1));
  const theirs = (name: string) =>
    name.replace(/^\d+/, (i) => String(Number(i) < 2 ? Number(i) : Number(i) - 1));
  const names = Object.keys(g)
    .filter((k) => k.startsWith("grad."))
    .map((k) => ours(k.slice(5)));
  assert.deepEqual(model.params.params.map((p) => p.name).sort(), names.sort());
  for (const p of names) model.params.get(p).value.data.set(g[theirs(p)].data);
  const x = g.input as unknown as IdTensor;
  const targets = g.target.data as Int32Array;
  const logits = model.forward(x, true);
  close(logits.data, g.logits.data, "logits");
  const dl = new Float32Array(logits.data.length);
  close([softmaxCrossEntropy(logits.data, targets, V, dl)], g.loss.data, "loss");
  model.zeroGrad();
  model.backward({ shape: logits.shape, data: dl });
  for (const k of Object.keys(g))
    if (k.startsWith("grad.")) close(model.params.get(ours(k.slice(5))).grad.data, g[k].data, k);
});

test("GPT (tied output, projected embedding) backward matches finite differences", () => {
  const V = 7;
  const rng = new Rng(2);
  const x = { shape: [2, 3], data: Int32Array.from({ length: 6 }, () => rng.int(V)) };
  const targets = Int32Array.from({ length: 6 }, () => rng.int(V));
  const dl = new Float64Array(6 * V);
  const m = gradCheck(
    gptLayers({ vocabSize: V, embeddingDim: 3, numLayers: 1, numHeads: 2, hiddenSize: 4, blockSize: 4 }),
    {
      inputShape: [null],
      x,
      loss: (y: Tensor) => ({
        value: softmaxCrossEntropy(y.data, targets, V, dl),
        grad: { shape: y.shape, data: dl },
      }),
      samples: 6,
    },
  );
  // Tied by default: the table is the only [V, *] weight; the output layer has its bias only.
  assert.deepEqual(
    m.params.params.filter((p) => p.shape[0] === V).map((p) => `${p.name}[${p.shape}]`),
    ["0.weight[7,3]", "8.bias[7]"],
  );
});

test("GPT refuses sequences longer than its block size and bad sizes, with clear errors", () => {
  const m = buildGpt({ vocabSize: 5, numLayers: 1, numHeads: 1, hiddenSize: 4, blockSize: 3 });
  assert.throws(
    () => m.forward({ shape: [1, 4], data: Int32Array.from([0, 1, 2, 3]) }),
    /block_size: sequence length 4 exceeds maxLength 3/,
  );
  assert.throws(
    () => buildGpt({ vocabSize: 5, numLayers: 1, numHeads: 3, hiddenSize: 4, blockSize: 3 }),
    /n_embd\) 4 is not divisible by numHeads \(n_head\) 3/,
  );
});

test("GPT presets carry minGPT's sizes under nanoGPT-style names", () => {
  assert.deepEqual(gptPreset("gpt-mini"), GPT_PRESETS.mini);
  assert.equal(GPT_PRESETS.nano.hiddenSize, 48);
  assert.throws(
    () => gptPreset("huge"),
    /unknown GPT preset 'huge' \(expected one of nano, micro, mini, gpt2\)/,
  );
  // nano at V = 100 has minGPT's parameter count: 12 L d^2 + V d + block d + LayerNorms and biases.
  const m = buildGpt({ vocabSize: 100, ...GPT_PRESETS.nano });
  const d = 48;
  const perBlock = 12 * d * d + 13 * d; // qkv+out+mlp weights; their biases (3d+d+4d+d) and 2 LayerNorms (4d)
  assert.equal(m.params.size, 3 * perBlock + 100 * d + 64 * d + 2 * d + 100);
});

test("GPT and NPLM (tied) on the WebAssembly kernels equal the float64 reference", async () => {
  const rt = await createNnRuntime({ threads: 2 });
  try {
    const V = 11;
    const rng = new Rng(4);
    const x = { shape: [2, 5], data: Int32Array.from({ length: 10 }, () => rng.int(V)) };
    const targets = Int32Array.from({ length: 10 }, () => rng.int(V));
    const builds = [
      (o: BuildOptions) =>
        buildGpt({ vocabSize: V, numLayers: 2, numHeads: 2, hiddenSize: 8, blockSize: 5 }, { ...o, seed: 3 }),
      (o: BuildOptions) =>
        buildNplm(
          { vocabSize: V, order: 3, embeddingDim: 4, hiddenSize: 6, tie: true, directConnections: true },
          o,
        ),
    ];
    for (const build of builds) {
      const results = [{ dtype: "float64" as const }, { ops: rt, arena: rt.arena }].map((o) => {
        const m = build(o);
        m.zeroGrad();
        const logits = m.forward(x, false);
        const dl = m.arena.alloc(logits.data.length);
        const loss = softmaxCrossEntropy(logits.data, targets, V, dl);
        m.backward({ shape: logits.shape, data: dl });
        return { logits: Float64Array.from(logits.data), loss, grads: Float64Array.from(m.params.grads) };
      });
      const [ref, wasm] = results;
      close(wasm.logits, ref.logits, "logits");
      close([wasm.loss], [ref.loss], "loss");
      close(wasm.grads, ref.grads, "gradients");
    }
  } finally {
    await rt.close();
  }
});
