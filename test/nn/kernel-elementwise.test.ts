// The small kernels held equal to their TypeScript references: embedding row gather/scatter-add,
// bias add and column sums (split by columns across threads when large), activations, and the
// causal attention softmax.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Activation, activate, activateBackward } from "../../src/nn/activations.js";
import { addBias, columnSums } from "../../src/nn/bias.js";
import { causalSoftmaxBackward, causalSoftmaxForward } from "../../src/nn/layers/attention.js";
import { gatherRows, scatterAddRows } from "../../src/nn/layers/embedding.js";
import { createNnRuntime, type NnRuntime } from "../../src/nn/runtime.js";
import { Rng } from "../../src/util/rng.js";

let rt: NnRuntime;
before(async () => {
  rt = await createNnRuntime({ threads: 2 });
});
after(async () => {
  await rt.close();
});

const rng = new Rng(5);
const fill = (n: number, s = 1) => {
  const x = rt.arena.alloc(n) as Float32Array;
  for (let i = 0; i < n; i++) x[i] = s * rng.normal();
  return x;
};
function same(got: ArrayLike<number>, want: ArrayLike<number>, what: string, abs = 1e-6, rel = 1e-5): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++)
    assert.ok(
      Math.abs(got[i] - want[i]) <= abs + rel * Math.abs(want[i]),
      `${what}[${i}]: ${got[i]} vs ${want[i]}`,
    );
}

test("embedding row gather and scatter-add equal the reference (repeated ids accumulate)", () => {
  for (const d of [7, 12]) {
    const V = 9;
    const n = 30;
    const ids = Int32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 3 : rng.int(V)));
    const w = fill(V * d);
    const y = fill(n * d);
    const want = Float64Array.from(y);
    rt.gatherRows(n, d, ids, w, y);
    gatherRows(n, d, ids, Float64Array.from(w), want);
    same(y, want, `gather d=${d}`, 0, 0);
    const dy = fill(n * d);
    const g = fill(V * d);
    const gWant = Float64Array.from(g);
    rt.scatterAddRows(n, d, ids, dy, g);
    scatterAddRows(n, d, ids, Float64Array.from(dy), gWant);
    same(g, gWant, `scatter d=${d}`);
  }
});

test("bias add and column sums equal the reference, small and split across threads", () => {
  for (const [rows, n] of [
    [5, 13],
    [70, 4001],
  ]) {
    const b = fill(n);
    const y = fill(rows * n);
    const want = Float64Array.from(y);
    rt.addBias(rows, n, b, y);
    addBias(rows, n, Float64Array.from(b), want);
    same(y, want, `addBias ${rows}x${n}`);
    const g = fill(n);
    const gWant = Float64Array.from(g);
    rt.columnSums(rows, n, y, g);
    columnSums(rows, n, Float64Array.from(y), gWant);
    same(g, gWant, `columnSums ${rows}x${n}`, 1e-4);
  }
});

test("activation kernels (relu, tanh, sigmoid, gelu) equal the reference, forward and backward", () => {
  const n = 1003;
  for (const act of ["relu", "tanh", "sigmoid", "gelu"] as Activation[]) {
    const z = fill(n, 3);
    const y = fill(n);
    const yWant = new Float64Array(n);
    rt.activate(act, z, y, n);
    activate(act, Float64Array.from(z), yWant, n);
    // tanh and sigmoid go through a float32 exp whose error is absolute near 0 (vmath.ts); GELU's
    // backward multiplies it by z.
    same(y, yWant, `${act} forward`, 1e-6);
    const dy = fill(n);
    const dz = fill(n);
    const dzWant = new Float64Array(n);
    rt.activateBackward(act, z, y, dy, dz, n);
    activateBackward(act, Float64Array.from(z), Float64Array.from(y), Float64Array.from(dy), dzWant, n);
    same(dz, dzWant, `${act} backward`, 1e-5);
  }
});

test("causal attention softmax kernels equal the reference, forward and backward", () => {
  for (const T of [7, 9]) {
    const count = 3;
    const off = 2;
    const p = fill(off + count * T * T, 2);
    const want = Float64Array.from(p);
    rt.causalSoftmaxForward(count, T, p, off);
    causalSoftmaxForward(count, T, want, off);
    same(p, want, `forward T=${T}`);
    const dp = fill(count * T * T);
    const dpWant = Float64Array.from(dp);
    rt.causalSoftmaxBackward(count, T, p, off, dp, 0);
    causalSoftmaxBackward(count, T, Float64Array.from(p), off, dpWant, 0);
    same(dp, dpWant, `backward T=${T}`);
  }
});
