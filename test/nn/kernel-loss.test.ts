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
