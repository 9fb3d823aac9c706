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

/**
 * The int8 copy of unit rows that exact queries may scan first (src/vectors/int8-scan.ts has the
 * reference, quantizeRows, and the error bound). For rows r in [from, to): u = row r * inv[r]
 * (float32), qscale[r] = max_j |u_j| / 127, codes[r * stride + j] = round(u_j / qscale[r]) (the
 * `stride - dim` padding bytes are set to 0). Returns the largest residual norm ‖u - qscale[r] *
 * codes[r]‖ over the rows, computed in float32.
 */
export function vecQuantizeRows(
  vectors: usize,
  dim: i32,
  inv: usize,
  from: i32,
  to: i32,
  codes: usize,
  stride: i32,
  qscale: usize,
): f32 {
  const rowBytes = (<usize>dim) << 2;
  const d4 = (<usize>(dim & ~3)) << 2;
  let worst: f32 = 0;
  for (let r = from; r < to; r++) {
    const p = vectors + <usize>r * rowBytes;
    const c = codes + <usize>r * <usize>stride;
    const s = load<f32>(inv + ((<usize>r) << 2));
    const sv = f32x4.splat(s);
    let m = f32x4.splat(0);
    let j: usize = 0;
    for (; j < d4; j += 16) m = f32x4.max(m, f32x4.abs(f32x4.mul(v128.load(p + j), sv)));
    let big = Mathf.max(
      Mathf.max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)),
      Mathf.max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)),
    );
    for (; j < rowBytes; j += 4) big = Mathf.max(big, Mathf.abs(load<f32>(p + j) * s));
    const scale: f32 = big / 127;
    store<f32>(qscale + ((<usize>r) << 2), scale);
    memory.fill(c, 0, <usize>stride);
    if (scale === 0) continue;
    const toCode = f32x4.splat(1 / scale);
    const back = f32x4.splat(scale);
    let e2 = f32x4.splat(0);
    j = 0;
    for (; j < d4; j += 16) {
      const u = f32x4.mul(v128.load(p + j), sv);
      const k = f32x4.nearest(f32x4.mul(u, toCode));
      const d = f32x4.sub(u, f32x4.mul(back, k));
      e2 = madd(d, d, e2);
      const k32 = i32x4.trunc_sat_f32x4_s(k);
      const k8 = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(k32, k32), i16x8.narrow_i32x4_s(k32, k32));
      store<i32>(c + (j >> 2), i32x4.extract_lane(k8, 0));
    }
    let err = hsum(e2);
    for (; j < rowBytes; j += 4) {
      const u = load<f32>(p + j) * s;
      const k = nearest<f32>(u * (1 / scale));
      const d = u - scale * k;
      err += d * d;
      store<i8>(c + (j >> 2), <i8>(<i32>k));
    }
    worst = Mathf.max(worst, Mathf.sqrt(err));
  }
  return worst;
}

/**
 * out[r - from] = dot(codes row r, w) * (qscale[r] * t) for rows r in [from, to): the int8 scan.
 * codes: [rows x stride] int8 (stride a multiple of 16, padding 0); w: [stride] int8, the query
 * quantised with scale t; the dot product is exact (int32), the two float products round.
 */
export function vecInt8DotRows(
  codes: usize,
  stride: i32,
  w: usize,
  qscale: usize,
  t: f32,
  from: i32,
  to: i32,
  out: usize,
): void {
  const sb = <usize>stride;
  for (let r = from; r < to; r++) {
    const p = codes + <usize>r * sb;
    let a0 = i32x4.splat(0);
    let a1 = i32x4.splat(0);
    let j: usize = 0;
    for (; j + 32 <= sb; j += 32) {
      a0 = i32x4.add(a0, dotI8(v128.load(p + j), v128.load(w + j)));
      a1 = i32x4.add(a1, dotI8(v128.load(p + j, 16), v128.load(w + j, 16)));
    }
    if (j < sb) a0 = i32x4.add(a0, dotI8(v128.load(p + j), v128.load(w + j)));
    const a = i32x4.add(a0, a1);
    const d =
      i32x4.extract_lane(a, 0) +
      i32x4.extract_lane(a, 1) +
      (i32x4.extract_lane(a, 2) + i32x4.extract_lane(a, 3));
    store<f32>(out + ((<usize>(r - from)) << 2), <f32>d * (load<f32>(qscale + ((<usize>r) << 2)) * t));
  }
}

/** Four int32 partial sums of a 16-lane int8 dot product (|products| <= 128 * 127: pairs fit in int16). */
function dotI8(a: v128, b: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_s(
    i16x8.add(i16x8.extmul_low_i8x16_s(a, b), i16x8.extmul_high_i8x16_s(a, b)),
  );
}
