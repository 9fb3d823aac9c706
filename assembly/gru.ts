// GRU time step, fused: gate nonlinearities and state update (forward) and the gate gradients
// (backward), PyTorch's equations. The TypeScript twins are gruStepForward / gruStepBackward in
// src/nn/layers/gru.ts. Pointers are bytes (each already at its step); strides are in elements
// between batch rows; gx and gh share one stride, hp, h and dy another. H must be a multiple of 4.

import { sigmoidV, tanhV } from "./vmath";

/** gx, gh [B, 3H] (r, z, n projections) -> gx activated; h = (1 - z) n + z hp. */
export function gruStepForward(
  batch: i32,
  h: i32,
  gx: usize,
  gh: usize,
  gStride: i32,
  hp: usize,
  out: usize,
  hStride: i32,
): void {
  const hb = (<usize>h) << 2;
  const one = f32x4.splat(1.0);
  for (let b = 0; b < batch; b++) {
    const x = gx + ((<usize>(b * gStride)) << 2);
    const y = gh + ((<usize>(b * gStride)) << 2);
    const hpr = hp + ((<usize>(b * hStride)) << 2);
    const hr = out + ((<usize>(b * hStride)) << 2);
    for (let j: usize = 0; j < hb; j += 16) {
      const r = sigmoidV(f32x4.add(v128.load(x + j), v128.load(y + j)));
      const z = sigmoidV(f32x4.add(v128.load(x + hb + j), v128.load(y + hb + j)));
      const n = tanhV(f32x4.add(v128.load(x + 2 * hb + j), f32x4.mul(r, v128.load(y + 2 * hb + j))));
      v128.store(x + j, r);
      v128.store(x + hb + j, z);
      v128.store(x + 2 * hb + j, n);
      v128.store(hr + j, f32x4.add(f32x4.mul(f32x4.sub(one, z), n), f32x4.mul(z, v128.load(hpr + j))));
    }
  }
}

/** Backward of one step; dh [B, H] (contiguous): dLoss/dh_t in, dLoss/dh_t * z out. */
export function gruStepBackward(
  batch: i32,
  h: i32,
  gx: usize,
  gh: usize,
  gStride: i32,
  hp: usize,
  dy: usize,
  hStride: i32,
  dh: usize,
): void {
  const hb = (<usize>h) << 2;
  const one = f32x4.splat(1.0);
  for (let b = 0; b < batch; b++) {
    const x = gx + ((<usize>(b * gStride)) << 2);
    const y = gh + ((<usize>(b * gStride)) << 2);
    const hpr = hp + ((<usize>(b * hStride)) << 2);
    const dyr = dy + ((<usize>(b * hStride)) << 2);
    const dhr = dh + <usize>b * hb;
    for (let j: usize = 0; j < hb; j += 16) {
      const r = v128.load(x + j);
      const z = v128.load(x + hb + j);
      const n = v128.load(x + 2 * hb + j);
      const dhv = f32x4.add(v128.load(dyr + j), v128.load(dhr + j));
      const dnp = f32x4.mul(f32x4.mul(dhv, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
      const drp = f32x4.mul(f32x4.mul(dnp, v128.load(y + 2 * hb + j)), f32x4.mul(r, f32x4.sub(one, r)));
      const dzp = f32x4.mul(
        f32x4.mul(dhv, f32x4.sub(v128.load(hpr + j), n)),
        f32x4.mul(z, f32x4.sub(one, z)),
      );
      v128.store(x + j, drp);
      v128.store(x + hb + j, dzp);
      v128.store(x + 2 * hb + j, dnp);
      v128.store(y + j, drp);
      v128.store(y + hb + j, dzp);
      v128.store(y + 2 * hb + j, f32x4.mul(dnp, r));
      v128.store(dhr + j, f32x4.mul(dhv, z));
    }
  }
}
