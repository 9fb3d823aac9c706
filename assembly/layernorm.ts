// Layer normalization over rows of D floats, forward and backward, fused per row. The TypeScript
// twins are layerNormForward / layerNormBackward in src/nn/layers/layernorm.ts. Pointers are bytes;
// any D: a row's last 1-3 features go through partial vector loads and stores. Row statistics are
// summed in f32 lanes, then in f64.

import { hsum, loadPart, storePart } from "./simd";

/** All ones in the lanes of a row's last `tail` bytes (4, 8 or 12), zero in the others. */
function tailMask(tail: usize): v128 {
  return i32x4.gt_s(i32x4.splat(<i32>(tail >> 2)), i32x4(0, 1, 2, 3));
}

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
  const dv = db & ~(<usize>15);
  const tail = db - dv;
  const mask = tailMask(tail);
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * db;
    const yr = y + <usize>r * db;
    let acc = f32x4.splat(0);
    for (let j: usize = 0; j < dv; j += 16) acc = f32x4.add(acc, v128.load(xr + j));
    if (tail !== 0) acc = f32x4.add(acc, loadPart(xr + dv, tail));
    const mean = <f32>(<f64>hsum(acc) / <f64>d);
    const mv = f32x4.splat(mean);
    let vacc = f32x4.splat(0);
    for (let j: usize = 0; j < dv; j += 16) {
      const c = f32x4.sub(v128.load(xr + j), mv);
      vacc = f32x4.add(vacc, f32x4.mul(c, c));
    }
    if (tail !== 0) {
      // The missing lanes load as 0 and would add mean^2 each.
      const c = v128.and(f32x4.sub(loadPart(xr + dv, tail), mv), mask);
      vacc = f32x4.add(vacc, f32x4.mul(c, c));
    }
    const rstd = <f32>(1 / Math.sqrt(<f64>hsum(vacc) / <f64>d + <f64>eps));
    store<f32>(stats + ((<usize>r) << 3), mean);
    store<f32>(stats + ((<usize>r) << 3), rstd, 4);
    const rv = f32x4.splat(rstd);
    for (let j: usize = 0; j < dv; j += 16) {
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + j), mv), rv);
      v128.store(yr + j, f32x4.add(f32x4.mul(xh, v128.load(w + j)), v128.load(b + j)));
    }
    if (tail !== 0) {
      const xh = f32x4.mul(f32x4.sub(loadPart(xr + dv, tail), mv), rv);
      const yv = f32x4.add(f32x4.mul(xh, loadPart(w + dv, tail)), loadPart(b + dv, tail));
      storePart(yr + dv, yv, tail);
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
  const dv = db & ~(<usize>15);
  const tail = db - dv;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * db;
    const dyr = dy + <usize>r * db;
    const dxr = dx + <usize>r * db;
    const mv = f32x4.splat(load<f32>(stats + ((<usize>r) << 3)));
    const rstd = load<f32>(stats + ((<usize>r) << 3), 4);
    const rv = f32x4.splat(rstd);
    let sg = f32x4.splat(0);
    let sgx = f32x4.splat(0);
    for (let j: usize = 0; j < dv; j += 16) {
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + j), mv), rv);
      const g = v128.load(dyr + j);
      const gwv = f32x4.mul(g, v128.load(w + j));
      v128.store(gw + j, f32x4.add(v128.load(gw + j), f32x4.mul(g, xh)));
      v128.store(gb + j, f32x4.add(v128.load(gb + j), g));
      sg = f32x4.add(sg, gwv);
      sgx = f32x4.add(sgx, f32x4.mul(gwv, xh));
    }
    if (tail !== 0) {
      // The missing lanes of dy load as 0, so they add nothing to the sums.
      const xh = f32x4.mul(f32x4.sub(loadPart(xr + dv, tail), mv), rv);
      const g = loadPart(dyr + dv, tail);
      const gwv = f32x4.mul(g, loadPart(w + dv, tail));
      storePart(gw + dv, f32x4.add(loadPart(gw + dv, tail), f32x4.mul(g, xh)), tail);
      storePart(gb + dv, f32x4.add(loadPart(gb + dv, tail), g), tail);
      sg = f32x4.add(sg, gwv);
      sgx = f32x4.add(sgx, f32x4.mul(gwv, xh));
    }
    const meanG = f32x4.splat(<f32>(<f64>hsum(sg) / <f64>d));
    const meanGX = f32x4.splat(<f32>(<f64>hsum(sgx) / <f64>d));
    for (let j: usize = 0; j < dv; j += 16) {
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + j), mv), rv);
      const gwv = f32x4.mul(v128.load(dyr + j), v128.load(w + j));
      v128.store(dxr + j, f32x4.mul(rv, f32x4.sub(f32x4.sub(gwv, meanG), f32x4.mul(xh, meanGX))));
    }
    if (tail !== 0) {
      const xh = f32x4.mul(f32x4.sub(loadPart(xr + dv, tail), mv), rv);
      const gwv = f32x4.mul(loadPart(dyr + dv, tail), loadPart(w + dv, tail));
      storePart(dxr + dv, f32x4.mul(rv, f32x4.sub(f32x4.sub(gwv, meanG), f32x4.mul(xh, meanGX))), tail);
    }
  }
}
