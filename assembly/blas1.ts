// Level-1 BLAS on float32 vectors of any length (pointers into the shared memory, 4-byte aligned).

import { hsum, madd } from "./simd";

/** sum_i x[i] * y[i] over n elements. */
export function sdot(n: i32, x: usize, y: usize): f32 {
  let acc = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4)
    acc = madd(v128.load(x + ((<usize>i) << 2)), v128.load(y + ((<usize>i) << 2)), acc);
  let s = hsum(acc);
  for (; i < n; i++) s += load<f32>(x + ((<usize>i) << 2)) * load<f32>(y + ((<usize>i) << 2));
  return s;
}

/** y[i] += a * x[i] over n elements. */
export function saxpy(n: i32, a: f32, x: usize, y: usize): void {
  const av = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = y + ((<usize>i) << 2);
    v128.store(p, madd(av, v128.load(x + ((<usize>i) << 2)), v128.load(p)));
  }
  for (; i < n; i++) {
    const p = y + ((<usize>i) << 2);
    store<f32>(p, load<f32>(p) + a * load<f32>(x + ((<usize>i) << 2)));
  }
}
