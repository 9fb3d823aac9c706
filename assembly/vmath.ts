// Four-lane float32 exp, sigmoid and tanh for the nn kernels. exp is Cephes' expf: range reduction
// by ln 2 (split in two constants), a degree-6 polynomial, and 2^n through the exponent bits; it is
// within a few ulp of Math.exp. tanh goes through exp, so near 0 its error is absolute (~1e-7), not
// relative: fine for activations, and the tests compare with that tolerance.

import { madd } from "./simd";

const LOG2E: f32 = <f32>Math.LOG2E;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444e-4;
/** 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer, held in the low bits. */
const ROUND: f32 = 12582912.0;

/** e^x per lane; x is clamped to [-87, 88] (results below e^-87 are flushed to 0). */
export function expV(x: v128): v128 {
  // pmin/pmax are single instructions on x64; min/max carry wasm's NaN rules and take several (a
  // NaN still ends as 0 through the final mask). n = round(x log2 e) comes from adding 1.5 * 2^23,
  // whose low mantissa bits then hold n itself: no nearest/trunc_sat (the latter is a long sequence
  // on x64 without AVX-512). With the max pass of softmax on pmax too, softmax cross-entropy over
  // 400 x 10,000 logits fell from 13.8-14.2 to 6.0-6.3 ms on one thread (Zaremba-small LSTM step:
  // 3,965 and 4,117 -> 4,390 and 4,472 tokens/s, alternating runs).
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const kf = madd(xc, f32x4.splat(LOG2E), f32x4.splat(ROUND));
  const n = f32x4.sub(kf, f32x4.splat(ROUND));
  let r = madd(n, f32x4.splat(-LN2_HI), xc);
  r = madd(n, f32x4.splat(-LN2_LO), r);
  let p = f32x4.splat(1.98756915e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  p = f32x4.add(madd(p, f32x4.mul(r, r), r), f32x4.splat(1.0));
  // 2^n: n + 127 into the exponent field; the bits of ROUND itself shift out past bit 31.
  const pow2 = i32x4.shl(i32x4.add(kf, i32x4.splat(127)), 23);
  return v128.and(f32x4.mul(p, pow2), f32x4.gt(x, f32x4.splat(-87.0)));
}

/** 1 / (1 + e^-x) per lane. */
export function sigmoidV(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), expV(f32x4.neg(x))));
}

/** tanh per lane, as sign(x) (1 - e) / (1 + e) with e = e^(-2|x|) (no overflow). */
export function tanhV(x: v128): v128 {
  const e = expV(f32x4.mul(f32x4.abs(x), f32x4.splat(-2.0)));
  const t = f32x4.div(f32x4.sub(f32x4.splat(1.0), e), f32x4.add(f32x4.splat(1.0), e));
  return v128.or(t, v128.and(x, f32x4.splat(-0.0)));
}

/** Lane 0 of f applied to a scalar (tails of rows that are not a multiple of 4). */
export function expS(x: f32): f32 {
  return f32x4.extract_lane(expV(f32x4.splat(x)), 0);
}

/**
 * Natural log of a positive, finite f64 without AssemblyScript's Math.log, whose lookup tables live
 * in the module's static data: the kernels' memory is shared with the arena, so kernels must not
 * depend on static data. x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = 2 atanh((m-1)/(m+1)) by its
 * series (|s| < 0.172: 10 terms reach double precision).
 */
export function logF64(x: f64): f64 {
  const bits = reinterpret<u64>(x);
  let e = <i32>((bits >> 52) & 0x7ff) - 1023;
  let m = reinterpret<f64>((bits & 0x000fffffffffffff) | 0x3ff0000000000000);
  if (m > Math.SQRT2) {
    m *= 0.5;
    e++;
  }
  const s = (m - 1) / (m + 1);
  const s2 = s * s;
  let term = s;
  let sum = s;
  for (let k = 3; k <= 21; k += 2) {
    term *= s2;
    sum += term / <f64>k;
  }
  return <f64>e * Math.LN2 + 2 * sum;
}
