// Causal attention softmax, forward and backward, over [T, T] score matrices (row t attends to
// columns s <= t). The TypeScript twins are causalSoftmaxForward / causalSoftmaxBackward in
// src/nn/layers/attention.ts.

import { hsum } from "./simd";
import { expS, expV } from "./vmath";

/** In place on `count` matrices [T, T] at p: row t = softmax(row t, columns 0..t), zero after t. */
export function causalSoftmaxForward(count: i32, T: i32, p: usize): void {
  const rowBytes = (<usize>T) << 2;
  for (let m = 0; m < count; m++) {
    const base = p + <usize>m * <usize>T * rowBytes;
    for (let t = 0; t < T; t++) {
      const row = base + <usize>t * rowBytes;
      const len = t + 1;
      const vEnd = len & ~3;
      let mv = f32x4.splat(-Infinity);
      let s = 0;
      for (; s < vEnd; s += 4) mv = f32x4.pmax(mv, v128.load(row + ((<usize>s) << 2)));
      let top = max(
        max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
        max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)),
      );
      for (; s < len; s++) top = max(top, load<f32>(row + ((<usize>s) << 2)));
      const tv = f32x4.splat(top);
      let sv = f32x4.splat(0);
      s = 0;
      for (; s < vEnd; s += 4) {
        const q = row + ((<usize>s) << 2);
        const e = expV(f32x4.sub(v128.load(q), tv));
        v128.store(q, e);
        sv = f32x4.add(sv, e);
      }
      let sum: f32 = hsum(sv);
      for (; s < len; s++) {
        const q = row + ((<usize>s) << 2);
        const e = expS(load<f32>(q) - top);
        store<f32>(q, e);
        sum += e;
      }
      const inv: f32 = 1 / sum;
      const iv = f32x4.splat(inv);
      s = 0;
      for (; s < vEnd; s += 4) {
        const q = row + ((<usize>s) << 2);
        v128.store(q, f32x4.mul(v128.load(q), iv));
      }
      for (; s < len; s++) {
        const q = row + ((<usize>s) << 2);
        store<f32>(q, load<f32>(q) * inv);
      }
      if (len < T) memory.fill(row + ((<usize>len) << 2), 0, (<usize>(T - len)) << 2);
    }
  }
}

/**
 * Backward of causalSoftmaxForward on `count` matrices: dp (dLoss/dP in, dLoss/dscores out, in
 * place) = P * (dp - sum_s dp[t, s] P[t, s]) per row; zero after column t, where P is zero.
 */
export function causalSoftmaxBackward(count: i32, T: i32, p: usize, dp: usize): void {
  const rowBytes = (<usize>T) << 2;
  const vEnd = T & ~3;
  for (let m = 0; m < count; m++) {
    const off = <usize>m * <usize>T * rowBytes;
    for (let t = 0; t < T; t++) {
      const pr = p + off + <usize>t * rowBytes;
      const dr = dp + off + <usize>t * rowBytes;
      let dv = f32x4.splat(0);
      let s = 0;
      for (; s < vEnd; s += 4) {
        const o = (<usize>s) << 2;
        dv = f32x4.add(dv, f32x4.mul(v128.load(dr + o), v128.load(pr + o)));
      }
      let dot: f32 = hsum(dv);
      for (; s < T; s++) dot += load<f32>(dr + ((<usize>s) << 2)) * load<f32>(pr + ((<usize>s) << 2));
      const d4 = f32x4.splat(dot);
      s = 0;
      for (; s < vEnd; s += 4) {
        const o = (<usize>s) << 2;
        v128.store(dr + o, f32x4.mul(v128.load(pr + o), f32x4.sub(v128.load(dr + o), d4)));
      }
      for (; s < T; s++) {
        const o = (<usize>s) << 2;
        store<f32>(dr + o, load<f32>(pr + o) * (load<f32>(dr + o) - dot));
      }
    }
  }
}
