// Vector helpers shared by the kernels. `madd` is a fused multiply-add in the relaxed-SIMD build
// (ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so the other branch is never emitted) and a
// multiply then add in the plain build; results differ in the last bits between the two builds.

/** a * b + c, four lanes. */
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the four lanes. */
export function hsum(v: v128): f32 {
  return (
    f32x4.extract_lane(v, 0) +
    f32x4.extract_lane(v, 1) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3))
  );
}

/** Dot product of two float32 rows of `bytes` bytes (a multiple of 16, 16-byte aligned). */
export function dotRow(a: usize, b: usize, bytes: usize): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let j: usize = 0;
  for (; j + 32 <= bytes; j += 32) {
    acc0 = madd(v128.load(a + j), v128.load(b + j), acc0);
    acc1 = madd(v128.load(a + j, 16), v128.load(b + j, 16), acc1);
  }
  if (j < bytes) acc0 = madd(v128.load(a + j), v128.load(b + j), acc0);
  return hsum(f32x4.add(acc0, acc1));
}

/**
 * Lanes of the floats at p: all four when `bytes` >= 16, else the first bytes / 4 (the rest 0), for
 * the tail of a row whose length is not a multiple of 4 (e.g. an LSTM of 650 units).
 */
export function loadPart(p: usize, bytes: usize): v128 {
  if (bytes >= 16) return v128.load(p);
  let v = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
  if (bytes > 4) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (bytes > 8) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores v at p: all four lanes when `bytes` >= 16, else the first bytes / 4. */
export function storePart(p: usize, v: v128, bytes: usize): void {
  if (bytes >= 16) {
    v128.store(p, v);
    return;
  }
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (bytes > 4) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (bytes > 8) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}
