// Central finite differences in float64 against a model's backward, for the gradient tests.
import assert from "node:assert/strict";
import type { Layer } from "../../src/nn/layer.js";
import { type Model, sequential } from "../../src/nn/sequential.js";
import type { Buf, IdTensor, Tensor } from "../../src/nn/tensor.js";
import { Rng } from "../../src/util/rng.js";

export function randomTensor(shape: number[], rng: Rng, scale = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = scale * rng.normal();
  return { shape, data };
}

export interface GradCheckOptions {
  inputShape: (number | null)[];
  x: Tensor | IdTensor;
  /** Elements checked per parameter (spread over it) and of the input. */
  samples?: number;
  /** Runs before every forward (e.g. to restore a carried state). */
  before?: (m: Model) => void;
  /**
   * The scalar loss of an output and dLoss/dOutput; default sum(y * R) for a fixed random R.
   */
  loss?: (y: Tensor) => { value: number; grad: Tensor };
  seed?: number;
}

function close(analytic: number, numeric: number, what: string): void {
  const err = Math.abs(analytic - numeric);
  assert.ok(
    err <= 1e-7 + 1e-6 * Math.max(Math.abs(analytic), Math.abs(numeric)),
    `${what}: analytic ${analytic} vs numeric ${numeric}`,
  );
}

/** Builds `layers` in float64 and checks every parameter's and the input's gradient. Returns the model. */
export function gradCheck(layers: Layer[], o: GradCheckOptions): Model {
  const model = sequential(layers, { inputShape: o.inputShape, dtype: "float64", seed: o.seed ?? 3 });
  const rng = new Rng(99);
  let r: Tensor | undefined;
  const lossOf = (y: Tensor) => {
    if (o.loss) return o.loss(y);
    if (r === undefined) r = randomTensor([...y.shape], rng);
    let v = 0;
    for (let i = 0; i < y.data.length; i++) v += y.data[i] * r.data[i];
    return { value: v, grad: r };
  };
  const f = (): number => {
    o.before?.(model);
    return lossOf(model.forward(o.x, false)).value;
  };
  // A first forward allocates per-shape buffers and state that `before` may want to set.
  model.forward(o.x, false);
  model.zeroGrad();
  o.before?.(model);
  const y = model.forward(o.x, false);
  const { grad } = lossOf(y);
  const dx = model.net.backward(grad);
  const eps = 1e-5;
  const samples = o.samples ?? 12;
  const probe = (buf: Buf, i: number): number => {
    const old = buf[i];
    buf[i] = old + eps;
    const up = f();
    buf[i] = old - eps;
    const down = f();
    buf[i] = old;
    return (up - down) / (2 * eps);
  };
  let checked = 0;
  for (const p of model.params.params) {
    const n = p.value.data.length;
    const step = Math.max(1, Math.floor(n / samples));
    for (let i = 0; i < n; i += step) {
      close(p.grad.data[i], probe(p.value.data, i), `${p.name}[${i}]`);
      checked++;
    }
  }
  if (!(o.x.data instanceof Int32Array)) {
    assert.ok(dx !== undefined, "backward returned no input gradient");
    const xd = o.x.data as Buf;
    const step = Math.max(1, Math.floor(xd.length / samples));
    for (let i = 0; i < xd.length; i += step) {
      close(dx.data[i], probe(xd, i), `input[${i}]`);
      checked++;
    }
  }
  assert.ok(checked > 0);
  return model;
}
