// Fused softmax cross-entropy with integer targets, forward and backward in one pass over each row
// (never a one-hot matrix): the loss of the rows and dlogits = g * (softmax - onehot). The TypeScript
// twin is src/nn/loss.ts. exp is a SIMD polynomial (Cephes expf: range reduction by ln 2, degree-6
// polynomial, 2^n through the exponent bits), within a few ulp of Math.exp over the used range.

import { hsum } from "./simd";

const LOG2E: f32 = <f32>Math.LOG2E;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;

/** e^x per lane, for x <= 0 (softmax after subtracting the row maximum); below -87 it is 0. */
function expNeg(x: v128): v128 {
  const xc = f32x4.max(x, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.98756915e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const r2 = f32x4.mul(r, r);
  p = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1.0));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  const out = f32x4.mul(p, pow2);
  // Lanes clamped at -87 underflow to (nearly) zero anyway; make them exactly zero.
  return v128.and(out, f32x4.gt(x, f32x4.splat(-87.0)));
}

function expScalar(x: f32): f32 {
  return f32x4.extract_lane(expNeg(f32x4.splat(x)), 0);
}

/**
 * Rows [r0, r1) of logits [n, vocab] (byte pointer `logits`, targets int32 at `targets`): writes
 * dlogits (may alias logits) = g * (softmax - onehot(target)), zero rows for targets equal to
 * `ignore`, and returns the summed loss of those rows (natural log).
 */
export function softmaxCrossEntropyRows(
  r0: i32,
  r1: i32,
  vocab: i32,
  logits: usize,
  targets: usize,
  dlogits: usize,
  g: f32,
  ignore: i32,
): f64 {
  let total: f64 = 0;
  const rowBytes = (<usize>vocab) << 2;
  const vEnd = vocab & ~3;
  for (let r = r0; r < r1; r++) {
    const x = logits + <usize>r * rowBytes;
    const d = dlogits + <usize>r * rowBytes;
    const t = load<i32>(targets + ((<usize>r) << 2));
    if (t === ignore) {
      memory.fill(d, 0, rowBytes);
      continue;
    }
    let mv = f32x4.splat(-Infinity);
    let j = 0;
    for (; j < vEnd; j += 4) mv = f32x4.max(mv, v128.load(x + ((<usize>j) << 2)));
    let top = max(
      max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
      max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)),
    );
    for (; j < vocab; j++) top = max(top, load<f32>(x + ((<usize>j) << 2)));
    const xt = load<f32>(x + ((<usize>t) << 2));
    const mvec = f32x4.splat(top);
    let sv = f32x4.splat(0);
    j = 0;
    for (; j < vEnd; j += 4) {
      const e = expNeg(f32x4.sub(v128.load(x + ((<usize>j) << 2)), mvec));
      v128.store(d + ((<usize>j) << 2), e);
      sv = f32x4.add(sv, e);
    }
    let sum: f64 = <f64>hsum(sv);
    for (; j < vocab; j++) {
      const e = expScalar(load<f32>(x + ((<usize>j) << 2)) - top);
      store<f32>(d + ((<usize>j) << 2), e);
      sum += e;
    }
    total += <f64>top + Math.log(sum) - <f64>xt;
    const scale = f32x4.splat(<f32>(<f64>g / sum));
    j = 0;
    for (; j < vEnd; j += 4) {
      const p = d + ((<usize>j) << 2);
      v128.store(p, f32x4.mul(v128.load(p), scale));
    }
    for (; j < vocab; j++) {
      const p = d + ((<usize>j) << 2);
      store<f32>(p, load<f32>(p) * <f32>(<f64>g / sum));
    }
    const pt = d + ((<usize>t) << 2);
    store<f32>(pt, load<f32>(pt) - g);
  }
  return total;
}
