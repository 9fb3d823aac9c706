// LSTM time step, fused: gate nonlinearities and state update (forward), and the gate gradients
// (backward), for a batch of B rows of H units. The matrix products around them are sgemm calls.
// The TypeScript twins are lstmStepForward / lstmStepBackward in src/nn/layers/lstm.ts. Pointers are
// bytes; strides are in elements between consecutive batch rows. Any H: a row's last 1-3 units go through partial vector loads and stores.

import { sgemmPacked } from "./gemm";
import { carryOutputs } from "./recurrent";
import { loadPart, storePart } from "./simd";
import { sigmoidV, tanhV } from "./vmath";

/**
 * gates [B, 4H] (pre-activations i, f, g, o in, activations out), cPrev [B, H] -> c, h [B, H]:
 * c = σ(f) cPrev + σ(i) tanh(g), h = σ(o) tanh(c).
 */
export function lstmStepForward(
  batch: i32,
  h: i32,
  gates: usize,
  gStride: i32,
  cPrev: usize,
  cpStride: i32,
  c: usize,
  cStride: i32,
  out: usize,
  outStride: i32,
): void {
  const hb = (<usize>h) << 2;
  for (let b = 0; b < batch; b++) {
    const g = gates + ((<usize>(b * gStride)) << 2);
    const cp = cPrev + ((<usize>(b * cpStride)) << 2);
    const cr = c + ((<usize>(b * cStride)) << 2);
    const hr = out + ((<usize>(b * outStride)) << 2);
    for (let j: usize = 0; j < hb; j += 16) {
      const rest = hb - j;
      const ig = sigmoidV(loadPart(g + j, rest));
      const fg = sigmoidV(loadPart(g + hb + j, rest));
      const gg = tanhV(loadPart(g + 2 * hb + j, rest));
      const og = sigmoidV(loadPart(g + 3 * hb + j, rest));
      storePart(g + j, ig, rest);
      storePart(g + hb + j, fg, rest);
      storePart(g + 2 * hb + j, gg, rest);
      storePart(g + 3 * hb + j, og, rest);
      const cv = f32x4.add(f32x4.mul(fg, loadPart(cp + j, rest)), f32x4.mul(ig, gg));
      storePart(cr + j, cv, rest);
      storePart(hr + j, f32x4.mul(og, tanhV(cv)), rest);
    }
  }
}

/**
 * Backward of one step: gates hold the activations (in) and receive dLoss/dpre-activations (out);
 * dh [B, H] (contiguous) holds dLoss/dh_t from the step after (the caller then overwrites it with
 * the next GEMM); dc [B, H] (contiguous) carries dLoss/dc_t in and dLoss/dc_{t-1} out.
 */
export function lstmStepBackward(
  batch: i32,
  h: i32,
  gates: usize,
  gStride: i32,
  c: usize,
  cStride: i32,
  cPrev: usize,
  cpStride: i32,
  dy: usize,
  dyStride: i32,
  dh: usize,
  dc: usize,
): void {
  const hb = (<usize>h) << 2;
  const one = f32x4.splat(1.0);
  for (let b = 0; b < batch; b++) {
    const g = gates + ((<usize>(b * gStride)) << 2);
    const cr = c + ((<usize>(b * cStride)) << 2);
    const cp = cPrev + ((<usize>(b * cpStride)) << 2);
    const dyr = dy + ((<usize>(b * dyStride)) << 2);
    const dhr = dh + <usize>b * hb;
    const dcr = dc + <usize>b * hb;
    for (let j: usize = 0; j < hb; j += 16) {
      const rest = hb - j;
      const ig = loadPart(g + j, rest);
      const fg = loadPart(g + hb + j, rest);
      const gg = loadPart(g + 2 * hb + j, rest);
      const og = loadPart(g + 3 * hb + j, rest);
      const tc = tanhV(loadPart(cr + j, rest));
      const dhv = f32x4.add(loadPart(dyr + j, rest), loadPart(dhr + j, rest));
      const dcv = f32x4.add(
        f32x4.mul(f32x4.mul(dhv, og), f32x4.sub(one, f32x4.mul(tc, tc))),
        loadPart(dcr + j, rest),
      );
      storePart(g + j, f32x4.mul(f32x4.mul(dcv, gg), f32x4.mul(ig, f32x4.sub(one, ig))), rest);
      storePart(
        g + hb + j,
        f32x4.mul(f32x4.mul(dcv, loadPart(cp + j, rest)), f32x4.mul(fg, f32x4.sub(one, fg))),
        rest,
      );
      storePart(g + 2 * hb + j, f32x4.mul(f32x4.mul(dcv, ig), f32x4.sub(one, f32x4.mul(gg, gg))), rest);
      storePart(g + 3 * hb + j, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(og, f32x4.sub(one, og))), rest);
      storePart(dcr + j, f32x4.mul(dcv, fg), rest);
    }
  }
}

/**
 * The recurrent part of a whole LSTM layer's forward over T steps, for `batch` rows (one thread's
 * share of the batch: rows are independent, so threads need no synchronisation inside the loop):
 * per step, gates[:, t] += h_{t-1} W_hh^T, then lstmStepForward. Layouts, strides between batch rows:
 * gates [B, T, 4H] (x W_ih^T + biases in; activations out), hp [B, T, H] (h_0 in hp[:, 0]; h_{t-1}
 * copied to hp[:, t] for the weight gradient), c0 [B, H], c and y [B, T, H]; whhT is W_hh^T
 * [H, 4H] packed by sgemmPackB; `work` as sgemm's.
 */
export function lstmSequenceForward(
  batch: i32,
  steps: i32,
  h: i32,
  gates: usize,
  hp: usize,
  c0: usize,
  c: usize,
  y: usize,
  whhT: usize,
  work: usize,
): void {
  const hb = (<usize>h) << 2;
  const rowH = steps * h;
  const rowG = 4 * rowH;
  for (let t = 0; t < steps; t++) {
    const tH = <usize>t * hb;
    if (t > 0) carryOutputs(batch, rowH, hp, y, tH, hb);
    sgemmPacked(0, batch, 4 * h, h, 1, hp + tH, rowH, whhT, 1, gates + 4 * tH, rowG, work);
    if (t === 0) lstmStepForward(batch, h, gates, rowG, c0, h, c, rowH, y, rowH);
    else lstmStepForward(batch, h, gates + 4 * tH, rowG, c + tH - hb, rowH, c + tH, rowH, y + tH, rowH);
  }
}

/**
 * The recurrent part of a whole LSTM layer's backward, for `batch` rows, steps T-1 down to 0:
 * lstmStepBackward, then dh = dgates_t W_hh. gates, c, c0 as left by the forward; dy [B, T, H];
 * dh, dc [B, H] (contiguous, zero or the carried gradients on entry); whh is W_hh [4H, H] packed by
 * sgemmPackB. Leaves dLoss/dpre-activations in gates.
 */
export function lstmSequenceBackward(
  batch: i32,
  steps: i32,
  h: i32,
  gates: usize,
  c: usize,
  c0: usize,
  dy: usize,
  dh: usize,
  dc: usize,
  whh: usize,
  work: usize,
): void {
  const hb = (<usize>h) << 2;
  const rowH = steps * h;
  const rowG = 4 * rowH;
  for (let t = steps - 1; t >= 0; t--) {
    const tH = <usize>t * hb;
    const g = gates + 4 * tH;
    if (t === 0) lstmStepBackward(batch, h, g, rowG, c, rowH, c0, h, dy, rowH, dh, dc);
    else lstmStepBackward(batch, h, g, rowG, c + tH, rowH, c + tH - hb, rowH, dy + tH, rowH, dh, dc);
    sgemmPacked(0, batch, h, 4 * h, 1, g, rowG, whh, 0, dh, h, work);
  }
}
