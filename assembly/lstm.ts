// LSTM time step, fused: gate nonlinearities and state update (forward), and the gate gradients
// (backward), for a batch of B rows of H units. The matrix products around them are sgemm calls.
// The TypeScript twins are lstmStepForward / lstmStepBackward in src/nn/layers/lstm.ts. Pointers are
// bytes; strides are in elements between consecutive batch rows. H must be a multiple of 4.

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
      const ig = sigmoidV(v128.load(g + j));
      const fg = sigmoidV(v128.load(g + hb + j));
      const gg = tanhV(v128.load(g + 2 * hb + j));
      const og = sigmoidV(v128.load(g + 3 * hb + j));
      v128.store(g + j, ig);
      v128.store(g + hb + j, fg);
      v128.store(g + 2 * hb + j, gg);
      v128.store(g + 3 * hb + j, og);
      const cv = f32x4.add(f32x4.mul(fg, v128.load(cp + j)), f32x4.mul(ig, gg));
      v128.store(cr + j, cv);
      v128.store(hr + j, f32x4.mul(og, tanhV(cv)));
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
      const ig = v128.load(g + j);
      const fg = v128.load(g + hb + j);
      const gg = v128.load(g + 2 * hb + j);
      const og = v128.load(g + 3 * hb + j);
      const tc = tanhV(v128.load(cr + j));
      const dhv = f32x4.add(v128.load(dyr + j), v128.load(dhr + j));
      const dcv = f32x4.add(
        f32x4.mul(f32x4.mul(dhv, og), f32x4.sub(one, f32x4.mul(tc, tc))),
        v128.load(dcr + j),
      );
      v128.store(g + j, f32x4.mul(f32x4.mul(dcv, gg), f32x4.mul(ig, f32x4.sub(one, ig))));
      v128.store(g + hb + j, f32x4.mul(f32x4.mul(dcv, v128.load(cp + j)), f32x4.mul(fg, f32x4.sub(one, fg))));
      v128.store(g + 2 * hb + j, f32x4.mul(f32x4.mul(dcv, ig), f32x4.sub(one, f32x4.mul(gg, gg))));
      v128.store(g + 3 * hb + j, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(og, f32x4.sub(one, og))));
      v128.store(dcr + j, f32x4.mul(dcv, fg));
    }
  }
}
