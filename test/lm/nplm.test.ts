import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { buildNplm, NgramContext, nplmLayers } from "../../src/lm/neural/nplm.js";
import { softmaxCrossEntropy } from "../../src/nn/loss.js";
import { adam } from "../../src/nn/optim.js";
import { loadSafetensors } from "../../src/nn/safetensors.js";
import type { IdTensor, Tensor } from "../../src/nn/tensor.js";
import { type TrainLmOptions, trainNeuralLm } from "../../src/train/lm/train.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir } from "../helpers/tmp.js";
import { gradCheck } from "../nn/gradcheck.js";

const idTensor = (shape: number[], data: number[]): IdTensor => ({ shape, data: Int32Array.from(data) });
const contexts = (ctx: NgramContext, x: IdTensor) => [...(ctx.forward(x) as unknown as IdTensor).data];

test("NPLM context: n-1 words ending at each position, carried across calls per row, bos after reset", () => {
  const ctx = new NgramContext(4, 0);
  // Two rows; 3 context words, of which 2 come from before the segment.
  assert.deepEqual(contexts(ctx, idTensor([2, 2], [5, 6, 7, 8])), [0, 0, 5, 0, 5, 6, 0, 0, 7, 0, 7, 8]);
  assert.deepEqual(contexts(ctx, idTensor([2, 1], [9, 1])), [5, 6, 9, 7, 8, 1]);
  assert.deepEqual(contexts(ctx, idTensor([2, 1], [2, 3])), [6, 9, 2, 8, 1, 3]);
  ctx.resetStates();
  assert.deepEqual(contexts(ctx, idTensor([2, 1], [4, 4])), [0, 0, 4, 0, 0, 4]);
  // Another batch size starts afresh.
  assert.deepEqual(contexts(ctx, idTensor([1, 2], [3, 2])), [0, 0, 3, 0, 3, 2]);
});

test("NPLM (direct connections, tied output, carried context) backward matches finite differences", () => {
  const V = 8;
  const rng = new Rng(3);
  const x = idTensor(
    [2, 3],
    Array.from({ length: 6 }, () => rng.int(V)),
  );
  const targets = Int32Array.from({ length: 6 }, () => rng.int(V));
  const dl = new Float64Array(6 * V);
  const layers = nplmLayers(
    { vocabSize: V, embeddingDim: 3, order: 4, hiddenSize: 5, directConnections: true, tie: true },
    { bos: 1 },
  );
  const m = gradCheck(layers, {
    inputShape: [null],
    x,
    loss: (y: Tensor) => ({
      value: softmaxCrossEntropy(y.data, targets, V, dl),
      grad: { shape: y.shape, data: dl },
    }),
    samples: 12,
  });
  assert.deepEqual(
    m.params.params.map((p) => `${p.name}[${p.shape}]`),
    [
      "1.weight[8,3]",
      "4.0.0.weight[5,9]",
      "4.0.0.bias[5]",
      "4.0.2.weight[3,5]",
      "4.0.3.bias[8]",
      "4.1.0.weight[8,9]",
    ],
  );
  // The carried context was in use: the logits differ from those after a reset.
  const carried = Float64Array.from(m.forward(x).data);
  m.resetStates();
  assert.notDeepEqual(Float64Array.from(m.forward(x).data), carried);
});

test("NPLM overfits a tiny deterministic stream fed in carried segments to near-zero loss", () => {
  // Word t+1 is a fixed function of words t-1 and t (a trigram world), starting after bos 0.
  const V = 8;
  const rng = new Rng(11);
  const next = Array.from({ length: V * V }, () => 1 + rng.int(V - 1));
  const B = 2;
  const T = 6;
  const segments = 3;
  const stream: number[][] = [];
  for (let b = 0; b < B; b++) {
    const row = [0, 1 + b];
    while (row.length < segments * T + 2) row.push(next[row[row.length - 2] * V + row[row.length - 1]]);
    stream.push(row.slice(1));
  }
  const m = buildNplm(
    { vocabSize: V, order: 3, embeddingDim: 8, hiddenSize: 32, tie: true },
    { bos: 0, seed: 2 },
  );
  const opt = adam(m.params, { lr: 0.02 });
  const dl = new Float32Array(B * T * V);
  let loss = 0;
  for (let epoch = 0; epoch < 150; epoch++) {
    m.resetStates();
    loss = 0;
    for (let s = 0; s < segments; s++) {
      const x = idTensor(
        [B, T],
        stream.flatMap((r) => r.slice(s * T, s * T + T)),
      );
      const y = Int32Array.from(stream.flatMap((r) => r.slice(s * T + 1, s * T + T + 1)));
      m.zeroGrad();
      const logits = m.forward(x, true);
      loss += softmaxCrossEntropy(logits.data, y, V, dl) / segments;
      m.backward({ shape: logits.shape, data: dl });
      opt.step();
    }
  }
  assert.ok(loss < 0.02, `loss ${loss}`);
});

test("NPLM configuration errors are clear", () => {
  assert.throws(() => buildNplm({ vocabSize: 5, order: 1 }), /order: expected an integer >= 2/);
  assert.throws(() => buildNplm({ vocabSize: 5 }, { bos: 5 }), /bos: expected an integer in \[0, 4\]/);
});

test("NPLM training resumed mid-epoch equals an uninterrupted run (the carried words are checkpointed)", async () => {
  const dir = tempDir("embedlm-nplm-");
  const trainFile = join(dir, "train.txt");
  const validFile = join(dir, "valid.txt");
  const lines = ["the cat sat on the mat", "a dog saw the cat", "the bird sang on the log"];
  writeFileSync(trainFile, `${Array.from({ length: 5 }, () => lines.join("\n")).join("\n")}\n`);
  writeFileSync(validFile, "the cat sang\n");
  const options = (output: string): TrainLmOptions => ({
    config: {
      kind: "nplm",
      embeddingDim: 6,
      hiddenSize: 8,
      numLayers: 1,
      dropout: 0.2,
      tie: true,
      freezeEmbeddings: false,
      context: 3,
      initRange: 0,
    },
    output: join(dir, output),
    epochs: 2,
    optimizer: "adam",
    lr: 0.01,
    lrDecay: 1,
    decayAfter: 0,
    clip: 5,
    batchSize: 3,
  });
  const a = await trainNeuralLm(trainFile, validFile, options("a"));
  const cut = options("b");
  assert.equal((await trainNeuralLm(trainFile, validFile, { ...cut, maxSteps: 5 })).stopped, "max-steps");
  const b = await trainNeuralLm(trainFile, validFile, { ...cut, resume: true });
  assert.deepEqual(b.resumedFrom, { epoch: 1, segment: 5, step: 5 });
  assert.deepEqual(
    b.epochs.map((e) => e.validPerplexity),
    a.epochs.map((e) => e.validPerplexity),
  );
  const wa = await loadSafetensors(join(dir, "a", "weights.safetensors"));
  const wb = await loadSafetensors(join(dir, "b", "weights.safetensors"));
  for (const name of Object.keys(wa.tensors))
    assert.deepEqual(wb.tensors[name].data, wa.tensors[name].data, name);
});
