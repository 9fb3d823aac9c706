// Exact top-k through an int8 first pass. A query against the float32 matrix reads every byte of it;
// an int8 copy of the unit rows is a quarter of that traffic. The int8 scores are within a proven
// bound of the float32 scan's, so every row whose int8 score could still reach the k-th best is
// rescored with the float32 scan itself: the result is the float32 scan's, ranking and scores.
//
// The bound, for a row x with computed 1/‖x‖ = inv and unit copy u = fl(x * inv), its int8 codes c
// with scale s (residual e = ‖u - s c‖ <= E for every row), and the unit query v (‖v‖ = nv) with
// int8 codes w and scale t (residual f = ‖v - t w‖); S = fl(dot(x, v)) * inv is the float32 score and
// A = fl(fl(dot(c, w)) * fl(s * t)) the int8 one (dot(c, w) exact in int32):
//   |S - A| <= |S - (x·v) inv| + |(x·v) inv - u·v| + |u·v - (s c)·(t w)| + |(s c)·(t w) - A|
//           <= g nv + 2^-24 nv + (E nv + (1 + g + E) f) + 2^-22
// where g = (dim + 2) 2^-24 / (1 - (dim + 2) 2^-24) bounds the float32 dot product's rounding
// (Higham's gamma, any summation order, with or without fused multiply-add) and ‖u‖ <= 1 + g.
// Cauchy-Schwarz gives the middle terms: u·v - (s c)·(t w) = (u - s c)·v + (s c)·(v - t w).
// int8Bound doubles the rounding terms and inflates E and f for their own float32 rounding.
import { TopK } from "./topk.js";

/** The int8 copy of a matrix's unit rows (see quantizeRows). */
export interface Int8Rows {
  dim: number;
  /** Bytes per row: dim rounded up to a multiple of 16 (the padding is 0). */
  stride: number;
  /** [rows x stride] codes in [-127, 127]. */
  codes: Int8Array;
  /** Per row: the value of one code step (max |u_j| / 127). */
  scales: Float32Array;
  /** The largest residual norm ‖u - scale * codes‖ over the rows (as computed in float32). */
  maxErr: number;
}

/**
 * out[r - from] = dot(codes row r, w) * (scales[r] * t) for rows r in [from, to): int8DotRows or the
 * SIMD kernel (VectorKernels.scanInt8).
 */
export type Int8Scanner = (
  rows: Int8Rows,
  w: Int8Array,
  t: number,
  from: number,
  to: number,
  out: Float32Array,
) => void;

export function int8Stride(dim: number): number {
  return Math.ceil(dim / 16) * 16;
}

const f32 = Math.fround;

/** Rounds half to even, as f32x4.nearest does. */
function nearest(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Reference of vecQuantizeRows (assembly/vectors.ts): the int8 copy of rows [0, rows) of `vectors`
 * scaled by `inv`, every step in float32 as the kernel takes it.
 */
export function quantizeRows(vectors: Float32Array, dim: number, inv: Float32Array, rows: number): Int8Rows {
  const stride = int8Stride(dim);
  const codes = new Int8Array(rows * stride);
  const scales = new Float32Array(rows);
  let maxErr = 0;
  for (let r = 0; r < rows; r++) {
    const s = inv[r];
    let big = 0;
    for (let j = 0; j < dim; j++) big = Math.max(big, Math.abs(f32(vectors[r * dim + j] * s)));
    const scale = f32(big / 127);
    scales[r] = scale;
    if (scale === 0) continue;
    const toCode = f32(1 / scale);
    let err = 0;
    for (let j = 0; j < dim; j++) {
      const u = f32(vectors[r * dim + j] * s);
      const k = nearest(f32(u * toCode));
      const d = f32(u - f32(scale * k));
      err += d * d;
      codes[r * stride + j] = k;
    }
    maxErr = Math.max(maxErr, Math.sqrt(err));
  }
  return { dim, stride, codes, scales, maxErr };
}

/** The query's int8 codes (stride bytes), their scale t (a float32) and the residual ‖v - t w‖. */
export function quantizeQuery(v: Float32Array, stride: number): { w: Int8Array; t: number; err: number } {
  let big = 0;
  for (let j = 0; j < v.length; j++) big = Math.max(big, Math.abs(v[j]));
  const t = f32(big / 127);
  const w = new Int8Array(stride);
  let err = 0;
  for (let j = 0; j < v.length; j++) {
    const k = t === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(v[j] / t)));
    w[j] = k;
    // v[j] and t * k are exact in float64 (24-bit times 8-bit mantissas), so d is nearly exact.
    const d = v[j] - t * k;
    err += d * d;
  }
  return { w, t, err: Math.sqrt(err) };
}

/** Reference of vecInt8DotRows: the int8 scan (see Int8Scanner). */
export const int8DotRows: Int8Scanner = (rows, w, t, from, to, out) => {
  const { codes, stride, scales } = rows;
  for (let r = from; r < to; r++) {
    let d = 0;
    for (let j = 0, at = r * stride; j < stride; j++) d += codes[at + j] * w[j];
    out[r - from] = f32(d * f32(scales[r] * t));
  }
};

/**
 * The largest |float32 score - int8 score| of any row (see the top of this file): rows' residuals
 * up to `maxErr`, the query's `queryErr`, its norm `nv`.
 */
export function int8Bound(dim: number, maxErr: number, nv: number, queryErr: number): number {
  const u = 2 ** -24;
  const g = ((dim + 2) * u) / (1 - (dim + 2) * u);
  // maxErr and queryErr came out of float32 / float64 sums of squares: inflate them past that error.
  const e = maxErr * (1 + 2 * g) + 4 * u;
  const f = queryErr * (1 + 1e-9) + 1e-12;
  return 2 * (g + u) * nv + e * nv + (1 + g + e) * f + 4 * u;
}

/**
 * The k best rows of [0, to) by the float32 score, found from their int8 scores `approx` and the
 * bound: every row whose int8 score is within 2 * bound of the k-th best int8 score is rescored by
 * `exact` (the float32 scan of one row), and the k best of those are kept, ties to the lower row as
 * TopK keeps them. Returns undefined when more than `maxCandidates` rows would need rescoring (then
 * a full float32 scan is cheaper).
 */
export function int8TopK(
  approx: Float32Array,
  k: number,
  bound: number,
  exact: (row: number) => number,
  maxCandidates: number,
): TopK | undefined {
  const to = approx.length;
  const best = new TopK(k);
  let t = best.threshold;
  // One pass: the k best int8 scores, and every row within 2 * bound of the k-th best so far (that
  // threshold only rises, so the final candidates are among them).
  const seen: number[] = [];
  for (let r = 0; r < to; r++) {
    const a = approx[r];
    if (a >= t - 2 * bound) {
      seen.push(r);
      if (a >= t) {
        best.push(a, r);
        t = best.threshold;
      }
    }
  }
  // At least k rows have a float32 score >= (k-th int8 score) - bound; a row can only beat that if
  // its int8 score + bound reaches it.
  const cut = t - 2 * bound;
  const candidates = seen.filter((r) => approx[r] >= cut);
  if (candidates.length > maxCandidates) return undefined;
  const top = new TopK(k);
  for (const r of candidates) {
    const s = exact(r);
    if (s >= top.threshold) top.push(s, r);
  }
  return top;
}
