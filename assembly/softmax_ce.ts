// Fused softmax cross-entropy with integer targets, forward and backward in one pass over each row
// (never a one-hot matrix): the loss of the rows and dlogits = g * (softmax - onehot). The TypeScript
// twin is src/nn/loss.ts. exp is the SIMD polynomial of vmath.ts.

import { hsum } from "./simd";
import { expS, expV, logF64 } from "./vmath";

/**
 * Rows [r0, r1) of logits [n, vocab] (byte pointer `logits`, targets int32 at `targets`): writes
 * dlogits (may alias logits) = g * (softmax - onehot(target)), zero rows for targets equal to
 * `ignore`, and returns the summed loss of those rows (natural log).
 */
export function softmaxCrossEntropyRows(
  r0: i32,
  r1: i32,
  vocab: i32,
  logits: usize,
  targets: usize,
  dlogits: usize,
  g: f32,
  ignore: i32,
): f64 {
  let total: f64 = 0;
  const rowBytes = (<usize>vocab) << 2;
  const vEnd = vocab & ~3;
  for (let r = r0; r < r1; r++) {
    const x = logits + <usize>r * rowBytes;
    const d = dlogits + <usize>r * rowBytes;
    const t = load<i32>(targets + ((<usize>r) << 2));
    if (t === ignore) {
      memory.fill(d, 0, rowBytes);
      continue;
    }
    let mv = f32x4.splat(-Infinity);
    let j = 0;
    for (; j < vEnd; j += 4) mv = f32x4.pmax(mv, v128.load(x + ((<usize>j) << 2)));
    let top = max(
      max(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
      max(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)),
    );
    for (; j < vocab; j++) top = max(top, load<f32>(x + ((<usize>j) << 2)));
    const xt = load<f32>(x + ((<usize>t) << 2));
    const mvec = f32x4.splat(top);
    let sv = f32x4.splat(0);
    j = 0;
    for (; j < vEnd; j += 4) {
      const e = expV(f32x4.sub(v128.load(x + ((<usize>j) << 2)), mvec));
      v128.store(d + ((<usize>j) << 2), e);
      sv = f32x4.add(sv, e);
    }
    let sum: f64 = <f64>hsum(sv);
    for (; j < vocab; j++) {
      const e = expS(load<f32>(x + ((<usize>j) << 2)) - top);
      store<f32>(d + ((<usize>j) << 2), e);
      sum += e;
    }
    total += <f64>top + logF64(sum) - <f64>xt;
    const scale = f32x4.splat(<f32>(<f64>g / sum));
    j = 0;
    for (; j < vEnd; j += 4) {
      const p = d + ((<usize>j) << 2);
      v128.store(p, f32x4.mul(v128.load(p), scale));
    }
    for (; j < vocab; j++) {
      const p = d + ((<usize>j) << 2);
      store<f32>(p, load<f32>(p) * <f32>(<f64>g / sum));
    }
    const pt = d + ((<usize>t) << 2);
    store<f32>(pt, load<f32>(pt) - g);
  }
  return total;
}
