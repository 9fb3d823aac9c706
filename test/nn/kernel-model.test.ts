// The WebAssembly kernels held equal to the TypeScript references: the fused LSTM steps directly,
// and whole models (GEMM, LSTM steps, softmax cross-entropy) against the float64 reference path.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { canBlock } from "../../src/kernels/pool.js";
import { uniform } from "../../src/nn/init.js";
import { dense } from "../../src/nn/layers/dense.js";
import { embedding } from "../../src/nn/layers/embedding.js";
import { gru, gruSequenceBackward, gruSequenceForward } from "../../src/nn/layers/gru.js";
import { layerNormBackward, layerNormForward } from "../../src/nn/layers/layernorm.js";
import {
  lstm,
  lstmSequenceBackward,
  lstmSequenceForward,
  lstmStepBackward,
  lstmStepForward,
} from "../../src/nn/layers/lstm.js";
import { referenceOps } from "../../src/nn/ops.js";
import { createNnRuntime, type NnRuntime, RECURRENCE_SPLIT_MIN } from "../../src/nn/runtime.js";
import { sequential } from "../../src/nn/sequential.js";
import { Rng } from "../../src/util/rng.js";

let rt: NnRuntime;
before(async () => {
  rt = await createNnRuntime({ threads: 2 });
});
after(async () => {
  await rt.close();
});

const rng = new Rng(31);
const near = (a: number, b: number, what: string) =>
  assert.ok(Math.abs(a - b) <= 2e-6 + 1e-4 * Math.abs(b), `${what}: ${a} vs ${b}`);
/** n normal(0, s^2) floats in the kernel memory. */
const fill = (n: number, s = 1) => {
  const x = rt.arena.alloc(n) as Float32Array;
  for (let i = 0; i < n; i++) x[i] = s * rng.normal();
  return x;
};

for (const H of [8, 7, 6, 5])
  test(`fused LSTM step kernels equal the reference (strided gates and states), H = ${H}`, () => {
    const B = 3;
    const T = 2;
    // Step t = 1 of a [B, T, ...] layout: gates offset H*4, stride T*4H; states offset H, stride T*H.
    const g = fill(B * T * 4 * H, 2);
    const c = fill(B * T * H, 2);
    const h = fill(B * T * H, 2);
    const dy = fill(B * T * H, 1);
    const dh = fill(B * H, 1);
    const dc = fill(B * H, 1);
    const ref = [g, c, h, dh, dc].map((x) => Float64Array.from(x));
    rt.lstmStepForward(B, H, g, 4 * H, T * 4 * H, c, 0, T * H, c, H, T * H, h, H, T * H);
    lstmStepForward(B, H, ref[0], 4 * H, T * 4 * H, ref[1], 0, T * H, ref[1], H, T * H, ref[2], H, T * H);
    for (const [k, x] of [g, c, h].entries())
      for (let i = 0; i < x.length; i++) near(x[i], ref[k][i], `fwd ${k}[${i}]`);
    rt.lstmStepBackward(B, H, g, 4 * H, T * 4 * H, c, H, T * H, c, 0, T * H, dy, H, T * H, dh, dc);
    lstmStepBackward(
      B,
      H,
      ref[0],
      4 * H,
      T * 4 * H,
      ref[1],
      H,
      T * H,
      ref[1],
      0,
      T * H,
      Float64Array.from(dy),
      H,
      T * H,
      ref[3],
      ref[4],
    );
    for (let i = 0; i < g.length; i++) near(g[i], ref[0][i], `dgates[${i}]`);
    for (let i = 0; i < dc.length; i++) near(dc[i], ref[4][i], `dc[${i}]`);
  });

// H = 130 is not a multiple of 4 (like the Zaremba medium preset's 650): partial vectors at row ends.
for (const H of [132, 130])
  test(`LSTM sequence kernels (packed W_hh, batch rows split across two threads) equal the reference, H = ${H}`, () => {
    // 4H > 516 columns and k = 4H > 256 in the backward: several packed blocks each way.
    const B = 5;
    const T = 3;
    const g = fill(B * T * 4 * H);
    const hp = fill(B * T * H);
    const c0 = fill(B * H);
    const c = fill(B * T * H);
    const y = fill(B * T * H);
    const whh = fill(4 * H * H, 0.1);
    const dy = fill(B * T * H);
    const dh = fill(B * H);
    const dc = fill(B * H);
    const r = [g, hp, c0, c, y, whh, dy, dh, dc].map((x) => Float64Array.from(x));
    rt.lstmSequenceForward(B, T, H, g, hp, c0, c, y, whh);
    lstmSequenceForward(B, T, H, r[0], r[1], r[2], r[3], r[4], r[5]);
    for (const [k, x] of [g, hp, c, y].entries()) {
      const want = r[[0, 1, 3, 4][k]];
      for (let i = 0; i < x.length; i++) near(x[i], want[i], `fwd ${k}[${i}]`);
    }
    rt.lstmSequenceBackward(B, T, H, g, c, c0, dy, dh, dc, whh);
    lstmSequenceBackward(B, T, H, r[0], r[3], r[2], r[6], r[7], r[8], r[5]);
    for (const [k, x] of [g, dh, dc].entries()) {
      const want = r[[0, 7, 8][k]];
      for (let i = 0; i < x.length; i++) near(x[i], want[i], `bwd ${k}[${i}]`);
    }
  });

for (const H of [132, 130])
  test(`GRU sequence kernels (packed W_hh, batch rows split across two threads) equal the reference, H = ${H}`, () => {
    const B = 5;
    const T = 3;
    const gx = fill(B * T * 3 * H);
    const gh = fill(B * T * 3 * H);
    const hp = fill(B * T * H);
    const y = fill(B * T * H);
    const whh = fill(3 * H * H, 0.1);
    const dy = fill(B * T * H);
    const dh = fill(B * H);
    const r = [gx, gh, hp, y, whh, dy, dh].map((x) => Float64Array.from(x));
    rt.gruSequenceForward(B, T, H, gx, gh, hp, y, whh);
    gruSequenceForward(B, T, H, r[0], r[1], r[2], r[3], r[4]);
    for (const [k, x] of [gx, gh, hp, y].entries())
      for (let i = 0; i < x.length; i++) near(x[i], r[k][i], `fwd ${k}[${i}]`);
    rt.gruSequenceBackward(B, T, H, gx, gh, hp, dy, dh, whh);
    gruSequenceBackward(B, T, H, r[0], r[1], r[2], r[5], r[6], r[4]);
    for (const [k, x] of [gx, gh, dh].entries()) {
      const want = r[[0, 1, 6][k]];
      for (let i = 0; i < x.length; i++) near(x[i], want[i], `bwd ${k}[${i}]`);
    }
  });

for (const H of [132, 130])
  test(`one row's LSTM and GRU forward (each step's product split by columns across two threads) equals one thread exactly and the reference, H = ${H}`, async () => {
    // The split's conditions hold (otherwise both runtimes would take the same one-thread path):
    // enough work for both cells, a second thread, a thread that may block.
    const T = 11;
    assert.ok(T * H * 3 * H >= RECURRENCE_SPLIT_MIN, "GRU work above the split threshold");
    assert.ok((rt.kernels.pool?.size ?? 0) >= 1 && canBlock());
    const one = await createNnRuntime({ threads: 1 });
    try {
      const copy = (x: Float32Array) => {
        const y = one.arena.alloc(x.length) as Float32Array;
        y.set(x);
        return y;
      };
      const lstmArgs = [
        fill(T * 4 * H),
        fill(T * H),
        fill(H),
        fill(T * H),
        fill(T * H),
        fill(4 * H * H, 0.1),
      ];
      const lstmOne = lstmArgs.map(copy);
      const lstmRef = lstmArgs.map((x) => Float64Array.from(x));
      const [g, hp, c0, c, y, whh] = lstmArgs;
      rt.lstmSequenceForward(1, T, H, g, hp, c0, c, y, whh);
      one.lstmSequenceForward(
        1,
        T,
        H,
        lstmOne[0],
        lstmOne[1],
        lstmOne[2],
        lstmOne[3],
        lstmOne[4],
        lstmOne[5],
      );
      lstmSequenceForward(1, T, H, lstmRef[0], lstmRef[1], lstmRef[2], lstmRef[3], lstmRef[4], lstmRef[5]);
      for (const k of [0, 1, 3, 4]) {
        assert.deepEqual(lstmArgs[k], lstmOne[k], `LSTM buffer ${k}: two threads differ from one`);
        for (let i = 0; i < lstmArgs[k].length; i++) near(lstmArgs[k][i], lstmRef[k][i], `LSTM ${k}[${i}]`);
      }
      const gruArgs = [fill(T * 3 * H), fill(T * 3 * H), fill(T * H), fill(T * H), fill(3 * H * H, 0.1)];
      const gruOne = gruArgs.map(copy);
      const gruRef = gruArgs.map((x) => Float64Array.from(x));
      rt.gruSequenceForward(1, T, H, gruArgs[0], gruArgs[1], gruArgs[2], gruArgs[3], gruArgs[4]);
      one.gruSequenceForward(1, T, H, gruOne[0], gruOne[1], gruOne[2], gruOne[3], gruOne[4]);
      gruSequenceForward(1, T, H, gruRef[0], gruRef[1], gruRef[2], gruRef[3], gruRef[4]);
      for (const k of [0, 1, 2, 3]) {
        assert.deepEqual(gruArgs[k], gruOne[k], `GRU buffer ${k}: two threads differ from one`);
        for (let i = 0; i < gruArgs[k].length; i++) near(gruArgs[k][i], gruRef[k][i], `GRU ${k}[${i}]`);
      }
    } finally {
      await one.close();
    }
  });

for (const D of [12, 13, 14, 15, 3])
  test(`fused LayerNorm kernels equal the reference, D = ${D}`, () => {
    const rows = 5;
    const f = (n: number, scale = 1, shift = 0) => {
      const x = rt.arena.alloc(n) as Float32Array;
      for (let i = 0; i < n; i++) x[i] = shift + scale * rng.normal();
      return x;
    };
    const [x, w, b, dy, gw, gb] = [f(rows * D, 3, 1), f(D, 0.2, 1), f(D), f(rows * D), f(D), f(D)];
    const y = f(rows * D);
    const st = f(rows * 2);
    const dx = f(rows * D);
    const r = [x, w, b, dy, gw, gb].map((a) => Float64Array.from(a));
    const ry = new Float64Array(rows * D);
    const rst = new Float64Array(rows * 2);
    const rdx = new Float64Array(rows * D);
    rt.layerNormForward(rows, D, x, w, b, 1e-5, y, st);
    layerNormForward(rows, D, r[0], r[1], r[2], 1e-5, ry, rst);
    for (let i = 0; i < y.length; i++) near(y[i], ry[i], `y[${i}]`);
    rt.layerNormBackward(rows, D, x, dy, w, st, dx, gw, gb);
    layerNormBackward(rows, D, r[0], r[3], r[1], rst, rdx, r[4], r[5]);
    for (let i = 0; i < dx.length; i++) near(dx[i], rdx[i], `dx[${i}]`);
    for (let i = 0; i < D; i++) {
      near(gw[i], r[4][i], `gw[${i}]`);
      near(gb[i], r[5][i], `gb[${i}]`);
    }
  });

for (const [name, rnn] of [
  ["LSTM", lstm],
  ["GRU", gru],
] as const)
  for (const units of [16, 14])
    test(`a ${name} language model (${units} units) on the WebAssembly runtime equals the float64 reference (loss, every gradient)`, () => {
      const V = 50;
      const B = 4;
      const T = 6;
      const layers = () => [
        embedding({ inputDim: V, outputDim: 12, embeddingsInitializer: uniform(-0.3, 0.3) }),
        rnn({ units, numLayers: 2, returnSequences: true, stateful: true }),
        dense({ units: V }),
      ];
      const fast = sequential(layers(), { inputShape: [null], arena: rt.arena, ops: rt, seed: 4 });
      const ref = sequential(layers(), { inputShape: [null], dtype: "float64", ops: referenceOps, seed: 4 });
      ref.params.values.set(fast.params.values);
      const x = { shape: [B, T], data: Int32Array.from({ length: B * T }, () => rng.int(V)) };
      const targets = Int32Array.from({ length: B * T }, () => rng.int(V));
      const dFast = fast.arena.alloc(B * T * V);
      const dRef = new Float64Array(B * T * V);
      // Two batches, so the second starts from the carried state.
      for (let step = 0; step < 2; step++) {
        fast.zeroGrad();
        ref.zeroGrad();
        const yf = fast.forward(x, true);
        const yr = ref.forward(x, true);
        const lf = rt.softmaxCrossEntropy(yf.data, targets, V, dFast, { scale: T });
        const lr = referenceOps.softmaxCrossEntropy(yr.data, targets, V, dRef, { scale: T });
        near(lf, lr, "loss");
        fast.backward({ shape: yf.shape, data: dFast });
        ref.backward({ shape: yr.shape, data: dRef });
      }
      for (const p of ref.params.params) {
        const q = fast.params.get(p.name).grad.data;
        let scale = 0;
        for (const v of p.grad.data) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < q.length; i++)
          assert.ok(
            Math.abs(q[i] - p.grad.data[i]) <= 1e-4 * scale + 1e-7,
            `${p.name}[${i}]: ${q[i]} vs ${p.grad.data[i]}`,
          );
      }
    });
