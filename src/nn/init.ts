import { EmbedlmError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";
import { type Buf, numel } from "./tensor.js";

/**
 * Fills a parameter in place. Shapes follow PyTorch's layout: a weight is [out, in, ...], so
 * fan-in is the product of all dimensions but the first and fan-out is the first.
 */
export type Initializer = (data: Buf, shape: readonly number[], rng: Rng) => void;

function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) return [shape[0] ?? 1, shape[0] ?? 1];
  const fanOut = shape[0];
  return [numel(shape) / fanOut, fanOut];
}

export const zeros = (): Initializer => (d) => d.fill(0);

export const constant =
  (value: number): Initializer =>
  (d) =>
    d.fill(value);

export const uniform =
  (lo: number, hi: number): Initializer =>
  (d, _s, rng) => {
    for (let i = 0; i < d.length; i++) d[i] = rng.uniform(lo, hi);
  };

export const normal =
  (mean = 0, std = 1): Initializer =>
  (d, _s, rng) => {
    for (let i = 0; i < d.length; i++) d[i] = mean + std * rng.normal();
  };

/** Xavier/Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)) (Keras' default kernel). */
export const glorotUniform =
  (gain = 1): Initializer =>
  (d, s, rng) => {
    const [fi, fo] = fans(s);
    const a = gain * Math.sqrt(6 / (fi + fo));
    uniform(-a, a)(d, s, rng);
  };

/** Xavier/Glorot normal: N(0, gain^2 * 2 / (fanIn + fanOut)). */
export const glorotNormal =
  (gain = 1): Initializer =>
  (d, s, rng) => {
    const [fi, fo] = fans(s);
    normal(0, gain * Math.sqrt(2 / (fi + fo)))(d, s, rng);
  };

/**
 * Orthogonal matrix (Saxe et al.), as torch.nn.init.orthogonal_: the Q of a QR of a normal matrix,
 * signs fixed by R's diagonal, transposed when there are fewer rows than columns.
 */
export const orthogonal =
  (gain = 1): Initializer =>
  (d, s, rng) => {
    if (s.length < 2)
      throw new EmbedlmError("orthogonal init needs at least 2 dimensions", { field: "shape" });
    const rows = s[0];
    const cols = numel(s) / rows;
    const tall = rows >= cols;
    const r = tall ? rows : cols;
    const c = tall ? cols : rows;
    // Modified Gram-Schmidt on the c columns (length r) of a normal matrix, in float64.
    const q = new Float64Array(r * c);
    for (let i = 0; i < q.length; i++) q[i] = rng.normal();
    for (let j = 0; j < c; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < r; i++) dot += q[i * c + j] * q[i * c + p];
        for (let i = 0; i < r; i++) q[i * c + j] -= dot * q[i * c + p];
      }
      let norm = 0;
      for (let i = 0; i < r; i++) norm += q[i * c + j] ** 2;
      norm = Math.sqrt(norm);
      for (let i = 0; i < r; i++) q[i * c + j] /= norm;
    }
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) d[i * cols + j] = gain * (tall ? q[i * c + j] : q[j * c + i]);
  };

/** Copies a given matrix (e.g. pretrained word vectors); its length must match the parameter. */
export const fromArray =
  (values: ArrayLike<number>): Initializer =>
  (d, s) => {
    if (values.length !== d.length)
      throw new EmbedlmError(
        `expected ${d.length} values for shape [${s.join(", ")}], got ${values.length}`,
        {
          field: "weights",
        },
      );
    d.set(values);
  };
