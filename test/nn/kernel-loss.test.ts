import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { softmaxCrossEntropy } from "../../src/nn/loss.js";
import { createNnRuntime, type NnRuntime } from "../../src/nn/runtime.js";
import { Rng } from "../../src/util/rng.js";

let rt: NnRuntime;
before(async () => {
  rt = await createNnRuntime({ threads: 2 });
});
after(async () => {
  await rt.close();
});

test("fused softmax cross-entropy kernel equals the reference (ignored rows, odd vocabularies, aliasing, 2 threads)", () => {
  const rng = new Rng(8);
  for (const [n, vocab] of [
    [3, 5],
    [40, 1001],
    [64, 2048],
  ]) {
    const logits = rt.arena.alloc(n * vocab) as Float32Array;
    for (let i = 0; i < logits.length; i++) logits[i] = rng.normal() * 4;
    logits[7] = 60; // a dominant logit and a very negative one: exp saturates and underflows
    logits[1] = -100;
    const targets = Int32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? -100 : rng.int(vocab)));
    const want = new Float64Array(n * vocab);
    const wantLoss = softmaxCrossEntropy(Float64Array.from(logits), targets, vocab, want, { scale: 2 });
    for (const alias of [false, true]) {
      const d = rt.arena.alloc(n * vocab) as Float32Array;
      const src = alias ? d : logits;
      if (alias) d.set(logits);
      const loss = rt.softmaxCrossEntropy(src, targets, vocab, d, { scale: 2 });
      assert.ok(
        Math.abs(loss - wantLoss) <= 1e-5 * Math.abs(wantLoss),
        `${n}x${vocab}: loss ${loss} vs ${wantLoss}`,
      );
      for (let i = 0; i < d.length; i++)
        assert.ok(
          Math.abs(d[i] - want[i]) <= 1e-6 + 1e-5 * Math.abs(want[i]),
          `[${i}] ${d[i]} vs ${want[i]}`,
        );
    }
  }
});

test("the kernels' float32 exp keeps a few-ulp relative error over its range (-87, 87]", () => {
  // Softmax feeds exp x - max <= 0: row [0, x, x, x] with target 0 gives p = e^x / (1 + 3 e^x), whose
  // relative error is exp's. Sigmoid at -x computes 1 / (1 + e^x), covering positive arguments.
  const xs = Array.from({ length: 471 }, (_, i) => -86.9 + i * 0.37);
  const vocab = 4;
  const logits = rt.arena.alloc(xs.length * vocab) as Float32Array;
  for (const [r, x] of xs.entries()) logits.fill(x, r * vocab + 1, (r + 1) * vocab);
  const targets = new Int32Array(xs.length);
  const d = rt.arena.alloc(logits.length) as Float32Array;
  rt.softmaxCrossEntropy(logits, targets, vocab, d, { scale: xs.length });
  xs.forEach((x, r) => {
    const e = Math.exp(Math.fround(x));
    const want = e / (1 + 3 * e);
    assert.ok(
      Math.abs(d[r * vocab + 1] - want) <= 2e-6 * want,
      `softmax at x=${x}: ${d[r * vocab + 1]} vs ${want}`,
    );
  });
  const z = rt.arena.alloc(xs.length) as Float32Array;
  xs.forEach((x, i) => {
    z[i] = Math.min(-x, 87);
  });
  const y = rt.arena.alloc(xs.length) as Float32Array;
  rt.activate("sigmoid", z, y, z.length);
  z.forEach((v, i) => {
    const want = 1 / (1 + Math.exp(-v));
    assert.ok(Math.abs(y[i] - want) <= 2e-6 * want, `sigmoid at ${v}: ${y[i]} vs ${want}`);
  });
});
