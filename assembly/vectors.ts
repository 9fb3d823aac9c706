// Exact nearest-neighbour scans for word vectors (src/vectors): one query against a block of rows.
// Reference: scaledDotRows in src/vectors/topk.ts (test/vectors/kernels.test.ts holds them equal).

import { hsum, madd } from "./simd";

/**
 * out[r - from] = dot(row r, q) * scale[r] for rows r in [from, to).
 * vectors: [rows x dim] row-major float32 (rows need not be 16-byte aligned); q: [dim];
 * scale: [rows] (1 / row norms for cosines); out: [to - from].
 * One row at a time, read front to back with four accumulators (a cache line per step): on a matrix
 * far larger than the caches this single sequential stream runs at nearly the memory's read speed,
 * while interleaving four rows (four streams sharing each load of q) ran ~1.5x slower.
 */
export function vecScaledDotRows(
  vectors: usize,
  dim: i32,
  q: usize,
  scale: usize,
  from: i32,
  to: i32,
  out: usize,
): void {
  const rowBytes = (<usize>dim) << 2;
  const d16 = (<usize>(dim & ~15)) << 2;
  const d4 = (<usize>(dim & ~3)) << 2;
  for (let r = from; r < to; r++) {
    const p = vectors + <usize>r * rowBytes;
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let j: usize = 0;
    for (; j < d16; j += 64) {
      a0 = madd(v128.load(p + j), v128.load(q + j), a0);
      a1 = madd(v128.load(p + j, 16), v128.load(q + j, 16), a1);
      a2 = madd(v128.load(p + j, 32), v128.load(q + j, 32), a2);
      a3 = madd(v128.load(p + j, 48), v128.load(q + j, 48), a3);
    }
    for (; j < d4; j += 16) a0 = madd(v128.load(p + j), v128.load(q + j), a0);
    let s = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
    for (; j < rowBytes; j += 4) s += load<f32>(p + j) * load<f32>(q + j);
    store<f32>(out + ((<usize>(r - from)) << 2), s * load<f32>(scale + ((<usize>r) << 2)));
  }
}

/**
 * out[r] = 1 / sqrt(dot(row r, row r)) for rows r in [from, to), 0 for an all-zero row.
 * Reference: KeyedVectors.inverseNorms (src/vectors/keyed-vectors.ts).
 */
export function vecInverseNorms(vectors: usize, dim: i32, from: i32, to: i32, out: usize): void {
  const rowBytes = (<usize>dim) << 2;
  const d4 = (<usize>(dim & ~3)) << 2;
  for (let r = from; r < to; r++) {
    const p = vectors + <usize>r * rowBytes;
    let a = f32x4.splat(0);
    let j: usize = 0;
    for (; j < d4; j += 16) {
      const v = v128.load(p + j);
      a = madd(v, v, a);
    }
    let s = hsum(a);
    for (; j < rowBytes; j += 4) {
      const x = load<f32>(p + j);
      s += x * x;
    }
    store<f32>(out + ((<usize>r) << 2), s > 0 ? 1 / Mathf.sqrt(s) : 0);
  }
}

/**
 * Index of the first NaN or infinite value among n float32, or -1: the check every loader runs.
 * Reference: firstNonFinite (src/vectors/formats/data.ts).
 */
export function vecFirstNonFinite(values: usize, n: i32): i32 {
  const expMask = i32x4.splat(0x7f800000);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = values + ((<usize>i) << 2);
    // A value is finite unless all its exponent bits are set.
    const m0 = i32x4.eq(v128.and(v128.load(p), expMask), expMask);
    const m1 = i32x4.eq(v128.and(v128.load(p, 16), expMask), expMask);
    const m2 = i32x4.eq(v128.and(v128.load(p, 32), expMask), expMask);
    const m3 = i32x4.eq(v128.and(v128.load(p, 48), expMask), expMask);
    if (v128.any_true(v128.or(v128.or(m0, m1), v128.or(m2, m3)))) break;
  }
  for (; i < n; i++) {
    if ((load<u32>(values + ((<usize>i) << 2)) & 0x7f800000) === 0x7f800000) return i;
  }
  return -1;
}
