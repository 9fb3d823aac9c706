import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { loadWeights, saveWeights } from "../../src/nn/checkpoint.js";
import { constant } from "../../src/nn/init.js";
import { dense } from "../../src/nn/layers/dense.js";
import { embedding } from "../../src/nn/layers/embedding.js";
import { softmaxCrossEntropy } from "../../src/nn/loss.js";
import { adam, adamw, clipGradNorm, sgd } from "../../src/nn/optim.js";
import { ParamStore } from "../../src/nn/params.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/nn/safetensors.js";
import {
  cosineDecay,
  exponentialDecay,
  linearWarmup,
  ReduceOnPlateau,
  stepDecay,
} from "../../src/nn/schedule.js";
import { sequential } from "../../src/nn/sequential.js";
import { Arena } from "../../src/nn/tensor.js";
import { EmbedlmError } from "../../src/util/errors.js";
import { tempDir } from "../helpers/tmp.js";

/** A store with one scalar parameter w = 1 (float64). */
function scalar(): ParamStore {
  const s = new ParamStore(new Arena("float64"));
  s.add("w", [1], constant(1));
  s.allocate();
  return s;
}

test("SGD with momentum, dampening and Nesterov follows torch.optim.SGD's recurrences", () => {
  const grads = [0.5, -1, 2, 0.25];
  for (const nesterov of [false, true]) {
    const s = scalar();
    const opt = sgd(s, {
      lr: 0.1,
      momentum: 0.9,
      nesterov,
      weightDecay: 0.01,
      dampening: nesterov ? 0 : 0.2,
    });
    let w = 1;
    let buf = 0;
    grads.forEach((g, t) => {
      s.grads[0] = g;
      opt.step();
      const d = g + 0.01 * w;
      buf = t === 0 ? d : 0.9 * buf + (1 - (nesterov ? 0 : 0.2)) * d;
      w -= 0.1 * (nesterov ? d + 0.9 * buf : buf);
      assert.ok(Math.abs(s.values[0] - w) < 1e-15);
    });
  }
});

test("plain SGD updates only the embedding rows that received gradient", () => {
  const m = sequential([embedding({ inputDim: 5, outputDim: 2 }), dense({ units: 3 })], {
    inputShape: [null],
  });
  const before = Float32Array.from(m.params.get("0.weight").value.data);
  const y = m.forward({ shape: [1, 2], data: Int32Array.from([3, 1]) });
  const dl = new Float32Array(6);
  softmaxCrossEntropy(y.data, Int32Array.from([0, 2]), 3, dl);
  m.backward({ shape: y.shape, data: dl });
  sgd(m.params, { lr: 0.5 }).step();
  const after = m.params.get("0.weight").value.data;
  for (let r = 0; r < 5; r++)
    for (let j = 0; j < 2; j++) {
      const moved = after[r * 2 + j] !== before[r * 2 + j];
      assert.equal(moved, r === 1 || r === 3, `row ${r}`);
    }
  m.zeroGrad();
  assert.ok(m.params.grads.every((v) => v === 0));
});

test("AdamW's first step is decay then a unit-size step against the gradient", () => {
  const s = scalar();
  s.grads[0] = 0.3;
  adamw(s, { lr: 0.01, weightDecay: 0.1 }).step();
  assert.ok(Math.abs(s.values[0] - (1 * (1 - 0.001) - (0.01 * 0.3) / (0.3 + 1e-8))) < 1e-15);
});

test("Adam's coupled L2 decay and AdamW's decoupled decay follow torch.optim over several steps", () => {
  const grads = [0.3, -0.7, 1.1, 0.05];
  const [lr, b1, b2, eps, wd] = [0.01, 0.9, 0.999, 1e-8, 0.1];
  for (const decoupled of [false, true]) {
    // torch.optim.Adam / AdamW's algorithm boxes, written out for one scalar.
    let [p, m, v] = [1, 0, 0];
    const s = scalar();
    const opt = (decoupled ? adamw : adam)(s, { lr, weightDecay: wd });
    grads.forEach((g0, i) => {
      const t = i + 1;
      let g = g0;
      if (decoupled) p *= 1 - lr * wd;
      else g += wd * p;
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      p -= (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
      s.grads[0] = g0;
      opt.step();
      assert.ok(
        Math.abs(s.values[0] - p) < 1e-12,
        `${decoupled ? "AdamW" : "Adam"} step ${t}: ${s.values[0]} vs ${p}`,
      );
    });
  }
});

test("global-norm clipping scales all gradients to the maximum norm", () => {
  const s = new ParamStore(new Arena("float64"));
  s.add("a", [2], constant(0));
  s.add("b", [1], constant(0));
  s.allocate();
  s.grads.set([3, 0, 4]);
  assert.equal(clipGradNorm(s, 10), 5);
  assert.deepEqual([...s.grads], [3, 0, 4]);
  assert.equal(clipGradNorm(s, 1), 5);
  assert.ok(Math.abs(s.grads[0] - 0.6) < 1e-6 && Math.abs(s.grads[2] - 0.8) < 1e-6);
});

test("learning-rate schedules", () => {
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(stepDecay(1, 4, 0.5).lr(3), 1);
  close(stepDecay(1, 4, 0.5).lr(9), 0.25);
  close(exponentialDecay(2, 0.5).lr(3), 0.25);
  const cos = cosineDecay(1, 10, 0.1);
  close(cos.lr(0), 1);
  close(cos.lr(5), 0.55);
  close(cos.lr(10), 0.1);
  close(cos.lr(20), 0.1);
  const warm = linearWarmup(4, exponentialDecay(1, 0.5));
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((s) => warm.lr(s)),
    [0.25, 0.5, 0.75, 1, 1, 0.5],
  );
  const plateau = new ReduceOnPlateau(1, { patience: 1, factor: 0.5, minLr: 0.2 });
  assert.deepEqual(
    [5, 4, 4, 4, 3, 3, 3, 3, 3].map((m) => plateau.update(m)),
    [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.2],
  );
});

test("safetensors: byte layout, round trip, F16/BF16/I64 reading, errors", () => {
  const bytes = encodeSafetensors(
    {
      b: { shape: [2], data: Float32Array.from([1.5, -2]) },
      a: { shape: [1, 1], data: Int32Array.from([7]) },
    },
    { format: "pt" },
  );
  const hlen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + hlen) % 8, 0);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  assert.deepEqual(header.b, { dtype: "F32", shape: [2], data_offsets: [0, 8] });
  assert.deepEqual(header.a, { dtype: "I32", shape: [1, 1], data_offsets: [8, 12] });
  assert.deepEqual(header.__metadata__, { format: "pt" });
  assert.equal(bytes.length, 8 + hlen + 12);
  const back = decodeSafetensors(bytes);
  assert.deepEqual([...back.tensors.b.data], [1.5, -2]);
  assert.deepEqual([...back.tensors.a.data], [7]);

  // Hand-made file: F16 [1, -2.5, 65504], BF16 [1.5], I64 [-3].
  const h = JSON.stringify({
    x: { dtype: "F16", shape: [3], data_offsets: [0, 6] },
    y: { dtype: "BF16", shape: [1], data_offsets: [6, 8] },
    z: { dtype: "I64", shape: [1], data_offsets: [8, 16] },
  });
  const hb = new TextEncoder().encode(h);
  const f = new Uint8Array(8 + hb.length + 16);
  const dv = new DataView(f.buffer);
  dv.setBigUint64(0, BigInt(hb.length), true);
  f.set(hb, 8);
  const o = 8 + hb.length;
  dv.setUint16(o, 0x3c00, true);
  dv.setUint16(o + 2, 0xc100, true);
  dv.setUint16(o + 4, 0x7bff, true);
  dv.setUint16(o + 6, 0x3fc0, true);
  dv.setBigInt64(o + 8, -3n, true);
  const t = decodeSafetensors(f).tensors;
  assert.deepEqual([...t.x.data], [1, -2.5, 65504]);
  assert.deepEqual([...t.y.data], [1.5]);
  assert.deepEqual([...t.z.data], [-3]);
  // The same file as a view into a larger Node Buffer (as readFileSync of a small file gives: a
  // slice of Node's pool), at an offset: the tensors are read from their own bytes.
  const pool = Buffer.alloc(f.length + 24, 0xee);
  pool.set(f, 13);
  const inPool = decodeSafetensors(pool.subarray(13, 13 + f.length)).tensors;
  assert.deepEqual([...inPool.x.data], [1, -2.5, 65504]);
  assert.deepEqual([...inPool.z.data], [-3]);
  const fb = Buffer.alloc(bytes.length + 5);
  fb.set(bytes, 5);
  assert.deepEqual([...decodeSafetensors(fb.subarray(5)).tensors.b.data], [1.5, -2]);
  assert.throws(() => decodeSafetensors(f.subarray(0, f.length - 1)), EmbedlmError);
  assert.throws(() => decodeSafetensors(new Uint8Array(4)), EmbedlmError);
  // Malformed headers: a clear error naming the file and the tensor, never a TypeError.
  const withHeader = (header: string) => {
    const h = new TextEncoder().encode(header);
    const out = new Uint8Array(8 + h.length + 4);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    return out;
  };
  for (const [header, message] of [
    ["null", /header is not a JSON object/],
    ["[1]", /header is not a JSON object/],
    ['{"w":5}', /tensor w: expected an object/],
    ['{"w":{"dtype":"F32","data_offsets":[0,4]}}', /tensor w: shape/],
    ['{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', /tensor w: shape/],
    ['{"w":{"dtype":"F32","shape":[1],"data_offsets":4}}', /tensor w: bad data_offsets/],
    ['{"__metadata__":{"step":3}}', /__metadata__: expected an object of strings/],
  ] as const)
    assert.throws(
      () => decodeSafetensors(withHeader(header), "m.safetensors"),
      (e: Error) =>
        e instanceof EmbedlmError && message.test(e.message) && e.message.includes("m.safetensors"),
      header,
    );
  assert.deepEqual(
    [
      ...decodeSafetensors(withHeader('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}')).tensors.w
        .data,
    ],
    [0],
  );
});

test("checkpoint: weights and Adam state saved and resumed give the same next step", async () => {
  const dir = tempDir("embedlm-nn-");
  const build = (seed: number) =>
    sequential([embedding({ inputDim: 6, outputDim: 3 }), dense({ units: 6 })], { inputShape: [null], seed });
  const x = { shape: [2, 3], data: Int32Array.from([0, 1, 2, 3, 4, 5]) };
  const targets = Int32Array.from([1, 2, 3, 4, 5, 0]);
  const step = (m: ReturnType<typeof build>, opt: ReturnType<typeof adam>) => {
    m.zeroGrad();
    const y = m.forward(x);
    const dl = new Float32Array(36);
    softmaxCrossEntropy(y.data, targets, 6, dl);
    m.backward({ shape: y.shape, data: dl });
    opt.step();
  };
  const a = build(1);
  const optA = adam(a.params, { lr: 0.05 });
  step(a, optA);
  step(a, optA);
  const path = join(dir, "model.safetensors");
  await saveWeights(path, a.params, optA);
  const b = build(2);
  const optB = adam(b.params);
  await loadWeights(path, b.params, optB);
  assert.equal(optB.steps, 2);
  assert.equal(optB.lr, 0.05);
  step(a, optA);
  step(b, optB);
  assert.deepEqual([...b.params.values], [...a.params.values]);
  // The file is plain safetensors: parameter names as PyTorch's state_dict, optimizer state beside.
  const names = Object.keys(decodeSafetensors(new Uint8Array(await readFile(path))).tensors).sort();
  assert.deepEqual(names, [
    "0.weight",
    "1.bias",
    "1.weight",
    "optimizer.0.weight.exp_avg",
    "optimizer.0.weight.exp_avg_sq",
    "optimizer.1.bias.exp_avg",
    "optimizer.1.bias.exp_avg_sq",
    "optimizer.1.weight.exp_avg",
    "optimizer.1.weight.exp_avg_sq",
  ]);
  // A file that lacks a tensor (here the optimizer's) is refused before anything is loaded.
  const partial = join(dir, "partial.safetensors");
  await saveWeights(partial, a.params);
  const c = build(3);
  const optC = adam(c.params);
  const before = [...c.params.values];
  await assert.rejects(loadWeights(partial, c.params, optC), /no tensor optimizer\.0\.weight\.exp_avg/);
  assert.deepEqual([...c.params.values], before);
});
