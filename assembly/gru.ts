// GRU time step, fused: gate nonlinearities and state update (forward) and the gate gradients
// (backward), PyTorch's equations. The TypeScript twins are gruStepForward / gruStepBackward in
// src/nn/layers/gru.ts. Pointers are bytes (each already at its step); strides are in elements
// between batch rows; gx and gh share one stride, hp, h and dy another. Any H: a row's last 1-3 units go through partial vector loads and stores.

import { sgemmPacked } from "./gemm";
import { carryOutputs } from "./recurrent";
import { loadPart, storePart } from "./simd";
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
      const rest = hb - j;
      const r = sigmoidV(f32x4.add(loadPart(x + j, rest), loadPart(y + j, rest)));
      const z = sigmoidV(f32x4.add(loadPart(x + hb + j, rest), loadPart(y + hb + j, rest)));
      const n = tanhV(
        f32x4.add(loadPart(x + 2 * hb + j, rest), f32x4.mul(r, loadPart(y + 2 * hb + j, rest))),
      );
      storePart(x + j, r, rest);
      storePart(x + hb + j, z, rest);
      storePart(x + 2 * hb + j, n, rest);
      storePart(
        hr + j,
        f32x4.add(f32x4.mul(f32x4.sub(one, z), n), f32x4.mul(z, loadPart(hpr + j, rest))),
        rest,
      );
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
      const rest = hb - j;
      const r = loadPart(x + j, rest);
      const z = loadPart(x + hb + j, rest);
      const n = loadPart(x + 2 * hb + j, rest);
      const dhv = f32x4.add(loadPart(dyr + j, rest), loadPart(dhr + j, rest));
      const dnp = f32x4.mul(f32x4.mul(dhv, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
      const drp = f32x4.mul(f32x4.mul(dnp, loadPart(y + 2 * hb + j, rest)), f32x4.mul(r, f32x4.sub(one, r)));
      const dzp = f32x4.mul(
        f32x4.mul(dhv, f32x4.sub(loadPart(hpr + j, rest), n)),
        f32x4.mul(z, f32x4.sub(one, z)),
      );
      storePart(x + j, drp, rest);
      storePart(x + hb + j, dzp, rest);
      storePart(x + 2 * hb + j, dnp, rest);
      storePart(y + j, drp, rest);
      storePart(y + hb + j, dzp, rest);
      storePart(y + 2 * hb + j, f32x4.mul(dnp, r), rest);
      storePart(dhr + j, f32x4.mul(dhv, z), rest);
    }
  }
}

/**
 * The recurrent part of a whole GRU layer's forward over T steps, for `batch` rows (one thread's
 * share of the batch): per step, gh[:, t] += h_{t-1} W_hh^T, then gruStepForward. Layouts, strides
 * between batch rows: gx, gh [B, T, 3H]; hp [B, T, H] (h_0 in hp[:, 0]; h_{t-1} copied to hp[:, t]);
 * y [B, T, H]; whhT is W_hh^T [H, 3H] packed by sgemmPackB; `work` as sgemm's.
 */
export function gruSequenceForward(
  batch: i32,
  steps: i32,
  h: i32,
  gx: usize,
  gh: usize,
  hp: usize,
  y: usize,
  whhT: usize,
  work: usize,
): void {
  const hb = (<usize>h) << 2;
  const rowH = steps * h;
  const rowG = 3 * rowH;
  for (let t = 0; t < steps; t++) {
    const tH = <usize>t * hb;
    if (t > 0) carryOutputs(batch, rowH, hp, y, tH, hb);
    sgemmPacked(0, batch, 3 * h, h, 1, hp + tH, rowH, whhT, 1, gh + 3 * tH, rowG, work);
    gruStepForward(batch, h, gx + 3 * tH, gh + 3 * tH, rowG, hp + tH, y + tH, rowH);
  }
}

/**
 * The recurrent part of a whole GRU layer's backward, for `batch` rows, steps T-1 down to 0:
 * gruStepBackward, then dh += dgh_t W_hh. dy [B, T, H]; dh [B, H] (contiguous); whh is W_hh [3H, H]
 * packed by sgemmPackB.
 */
export function gruSequenceBackward(
  batch: i32,
  steps: i32,
  h: i32,
  gx: usize,
  gh: usize,
  hp: usize,
  dy: usize,
  dh: usize,
  whh: usize,
  work: usize,
): void {
  const hb = (<usize>h) << 2;
  const rowH = steps * h;
  const rowG = 3 * rowH;
  for (let t = steps - 1; t >= 0; t--) {
    const tH = <usize>t * hb;
    gruStepBackward(batch, h, gx + 3 * tH, gh + 3 * tH, rowG, hp + tH, dy + tH, rowH, dh);
    sgemmPacked(0, batch, h, 3 * h, 1, gh + 3 * tH, rowG, whh, 1, dh, h, work);
  }
}
