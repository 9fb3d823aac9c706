// Layer normalization over rows of D floats, forward and backward, fused per row. The TypeScript
// twins are layerNormForward / layerNormBackward in src/nn/layers/layernorm.ts. Pointers are bytes;
// any D: a row's last 1-3 features go through partial vector loads and stores. Row statistics are
// summed in f32 lanes, then in f64.

import { hsum, loadPart, storePart } from "./simd";

/** y = (x - mean) * rstd * w + b per row; stats [rows, 2] (f32) receives mean and rstd. */
export function layerNormForward(
  rows: i32,
  d: i32,
  x: usize,
  w: usize,
  b: usize,
  eps: f32,
  y: usize,
  stats: usize,
): void {
  const db = (<usize>d) << 2;
  // The lanes of a row's last, partial vector: past the end they load as 0, and in the variance
  // they would add mean^2 each.
  const mask = i32x4.gt_s(i32x4.splat(<i32>((db & 15) >> 2)), i32x4(0, 1, 2, 3));
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * db;
    const yr = y + <usize>r * db;
    let acc = f32x4.splat(0);
    for (let j: usize = 0; j < db; j += 16) acc = f32x4.add(acc, loadPart(xr + j, db - j));
    const mean = <f32>(<f64>hsum(acc) / <f64>d);
    const mv = f32x4.splat(mean);
    let vacc = f32x4.splat(0);
    for (let j: usize = 0; j < db; j += 16) {
      const rest = db - j;
      let c = f32x4.sub(loadPart(xr + j, rest), mv);
      if (rest < 16) c = v128.and(c, mask);
      vacc = f32x4.add(vacc, f32x4.mul(c, c));
    }
    const rstd = <f32>(1 / Math.sqrt(<f64>hsum(vacc) / <f64>d + <f64>eps));
    store<f32>(stats + ((<usize>r) << 3), mean);
    store<f32>(stats + ((<usize>r) << 3), rstd, 4);
    const rv = f32x4.splat(rstd);
    for (let j: usize = 0; j < db; j += 16) {
      const rest = db - j;
      const xh = f32x4.mul(f32x4.sub(loadPart(xr + j, rest), mv), rv);
      storePart(yr + j, f32x4.add(f32x4.mul(xh, loadPart(w + j, rest)), loadPart(b + j, rest)), rest);
    }
  }
}

/** dx from dy per row; gw, gb [D] accumulate the weight and bias gradients. */
export function layerNormBackward(
  rows: i32,
  d: i32,
  x: usize,
  dy: usize,
  w: usize,
  stats: usize,
  dx: usize,
  gw: usize,
  gb: usize,
): void {
  const db = (<usize>d) << 2;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * db;
    const dyr = dy + <usize>r * db;
    const dxr = dx + <usize>r * db;
    const mv = f32x4.splat(load<f32>(stats + ((<usize>r) << 3)));
    const rstd = load<f32>(stats + ((<usize>r) << 3), 4);
    const rv = f32x4.splat(rstd);
    let sg = f32x4.splat(0);
    let sgx = f32x4.splat(0);
    // The lanes past a row's end: dy loads as 0 there, so they add nothing to the sums.
    for (let j: usize = 0; j < db; j += 16) {
      const rest = db - j;
      const xh = f32x4.mul(f32x4.sub(loadPart(xr + j, rest), mv), rv);
      const g = loadPart(dyr + j, rest);
      const gwv = f32x4.mul(g, loadPart(w + j, rest));
      storePart(gw + j, f32x4.add(loadPart(gw + j, rest), f32x4.mul(g, xh)), rest);
      storePart(gb + j, f32x4.add(loadPart(gb + j, rest), g), rest);
      sg = f32x4.add(sg, gwv);
      sgx = f32x4.add(sgx, f32x4.mul(gwv, xh));
    }
    const meanG = f32x4.splat(<f32>(<f64>hsum(sg) / <f64>d));
    const meanGX = f32x4.splat(<f32>(<f64>hsum(sgx) / <f64>d));
    for (let j: usize = 0; j < db; j += 16) {
      const rest = db - j;
      const xh = f32x4.mul(f32x4.sub(loadPart(xr + j, rest), mv), rv);
      const gwv = f32x4.mul(loadPart(dyr + j, rest), loadPart(w + j, rest));
      storePart(dxr + j, f32x4.mul(rv, f32x4.sub(f32x4.sub(gwv, meanG), f32x4.mul(xh, meanGX))), rest);
    }
  }
}
