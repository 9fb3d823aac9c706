// Child of bench/nn: training steps of the Zaremba "small" PTB model (2x200 LSTM, embedding 200,
// vocabulary of the training file, batch 20, 20 steps unrolled, SGD lr 1, clip 5, loss summed over
// time) on embedlm's nn core, as lm_torch.py trains it. Prints one JSON line with tokens/s and the
// time per phase of a step.
// Usage: node dist/bench/nn/lstm.js PTB_TRAIN_FILE THREADS [STEPS]
// Timed as lm_torch.py times its train_tok_per_s: by default one epoch over the file, segment by
// segment as PyTorch cuts it (the last one shorter), every step from the first (no warm-up left
// out), tokens/s = target tokens of the steps / their time.
import { readFileSync } from "node:fs";
import { uniform } from "../../src/nn/init.js";
import { dense } from "../../src/nn/layers/dense.js";
import { embedding } from "../../src/nn/layers/embedding.js";
import { lstm } from "../../src/nn/layers/lstm.js";
import { clipGradNorm, sgd } from "../../src/nn/optim.js";
import { createNnRuntime } from "../../src/nn/runtime.js";
import { sequential } from "../../src/nn/sequential.js";

const [file, threadsArg, stepsArg] = process.argv.slice(2);
const threads = Number(threadsArg ?? 2);
const B = 20;
const T = 20;
const H = 200;

const vocab = new Map<string, number>();
const ids: number[] = [];
for (const line of readFileSync(file, "utf8").split("\n")) {
  if (line.trim() === "" && ids.length > 0) continue;
  for (const w of [...line.split(/\s+/).filter((x) => x !== ""), "<eos>"]) {
    let id = vocab.get(w);
    if (id === undefined) {
      id = vocab.size;
      vocab.set(w, id);
    }
    ids.push(id);
  }
}
const V = vocab.size;
const perStream = Math.floor(ids.length / B);
// PyTorch's segments: starts 0, T, 2T, ... below perStream - 1; a later step starts the next epoch.
const epochSteps = Math.ceil((perStream - 1) / T);
const steps = stepsArg === undefined ? epochSteps : Number(stepsArg);

const rt = await createNnRuntime({ threads });
const init = uniform(-0.1, 0.1);
const model = sequential(
  [
    embedding({ inputDim: V, outputDim: H, embeddingsInitializer: init }),
    lstm({
      units: H,
      numLayers: 2,
      returnSequences: true,
      stateful: true,
      kernelInitializer: init,
      recurrentInitializer: init,
      biasInitializer: init,
    }),
    dense({ units: V, kernelInitializer: init, biasInitializer: init }),
  ],
  { inputShape: [null], arena: rt.arena, ops: rt },
);
const opt = sgd(model.params, { lr: 1 });
const xs = new Int32Array(B * T);
const ys = new Int32Array(B * T);
const dl = model.arena.alloc(B * T * V);
const phases = { forward: 0, loss: 0, backward: 0, update: 0 };
let tokens = 0;

/** One training step on segment i; returns the loss. */
function step(i: number): number {
  const pos = (i % epochSteps) * T;
  const L = Math.min(T, perStream - 1 - pos);
  const x = { shape: [B, L], data: xs.subarray(0, B * L) };
  const targets = ys.subarray(0, B * L);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < L; t++) {
      x.data[b * L + t] = ids[b * perStream + pos + t];
      targets[b * L + t] = ids[b * perStream + pos + t + 1];
    }
  tokens += B * L;
  const t0 = performance.now();
  model.zeroGrad();
  const logits = model.forward(x, true);
  const t1 = performance.now();
  // Zaremba's convention: per-step cross-entropy averaged over the batch, summed over the L steps.
  const loss = rt.softmaxCrossEntropy(logits.data, targets, V, dl, { scale: L });
  const t2 = performance.now();
  model.backward({ shape: logits.shape, data: dl.subarray(0, B * L * V) });
  const t3 = performance.now();
  clipGradNorm(model.params, 5);
  opt.step();
  const t4 = performance.now();
  phases.forward += t1 - t0;
  phases.loss += t2 - t1;
  phases.backward += t3 - t2;
  phases.update += t4 - t3;
  return loss;
}

const start = performance.now();
let loss = 0;
for (let i = 0; i < steps; i++) loss = step(i);
const secs = (performance.now() - start) / 1000;
await rt.close();
const ms = (v: number) => Math.round((v / steps) * 100) / 100;
console.log(
  JSON.stringify({
    tool: "embedlm-nn-lstm",
    threads,
    relaxed: rt.kernels.relaxed,
    vocab: V,
    steps,
    train_tokens: tokens,
    train_tok_per_s: Math.round(tokens / secs),
    step_ms: ms(secs * 1000),
    phase_ms: {
      forward: ms(phases.forward),
      loss: ms(phases.loss),
      backward: ms(phases.backward),
      update: ms(phases.update),
    },
    last_loss: loss,
  }),
);
