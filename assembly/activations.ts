// Elementwise activations, forward and backward, for Dense (and any layer with an activation).
// The TypeScript twins are activate / activateBackward in src/nn/activations.ts; `kind` numbers
// follow ACTIVATION_KINDS there: 1 relu, 2 tanh, 3 sigmoid, 4 gelu (tanh approximation).

import { sigmoidV, tanhV } from "./vmath";

const GELU_C: f32 = 0.7978845608028654; // sqrt(2 / pi)
const GELU_A: f32 = 0.044715;

function forwardV(kind: i32, x: v128): v128 {
  if (kind === 1) return f32x4.pmax(x, f32x4.splat(0));
  if (kind === 2) return tanhV(x);
  if (kind === 3) return sigmoidV(x);
  const u = f32x4.mul(
    f32x4.splat(GELU_C),
    f32x4.add(x, f32x4.mul(f32x4.splat(GELU_A), f32x4.mul(x, f32x4.mul(x, x)))),
  );
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), x), f32x4.add(f32x4.splat(1), tanhV(u)));
}

/** dLoss/dz per lane from z, y = f(z) and dy. */
function backwardV(kind: i32, z: v128, y: v128, dy: v128): v128 {
  const one = f32x4.splat(1);
  if (kind === 1) return v128.and(dy, f32x4.gt(z, f32x4.splat(0)));
  if (kind === 2) return f32x4.mul(dy, f32x4.sub(one, f32x4.mul(y, y)));
  if (kind === 3) return f32x4.mul(dy, f32x4.mul(y, f32x4.sub(one, y)));
  const z2 = f32x4.mul(z, z);
  const t = tanhV(
    f32x4.mul(f32x4.splat(GELU_C), f32x4.add(z, f32x4.mul(f32x4.splat(GELU_A), f32x4.mul(z, z2)))),
  );
  const dt = f32x4.mul(
    f32x4.mul(f32x4.sub(one, f32x4.mul(t, t)), f32x4.splat(GELU_C)),
    f32x4.add(one, f32x4.mul(f32x4.splat(3 * GELU_A), z2)),
  );
  const half = f32x4.splat(0.5);
  return f32x4.mul(dy, f32x4.add(f32x4.mul(half, f32x4.add(one, t)), f32x4.mul(f32x4.mul(half, z), dt)));
}

/** y[i] = f(z[i]) for i < n (y may be z). */
export function activationForward(kind: i32, n: i32, z: usize, y: usize): void {
  const nb = (<usize>n) << 2;
  const vb = nb & ~(<usize>15);
  let j: usize = 0;
  for (; j < vb; j += 16) v128.store(y + j, forwardV(kind, v128.load(z + j)));
  // The tail goes through the same four-lane code, one lane at a time.
  for (; j < nb; j += 4)
    store<f32>(y + j, f32x4.extract_lane(forwardV(kind, f32x4.splat(load<f32>(z + j))), 0));
}

/** dz[i] = dy[i] f'(z[i]) for i < n, with y = f(z); dz may be dy. */
export function activationBackward(kind: i32, n: i32, z: usize, y: usize, dy: usize, dz: usize): void {
  const nb = (<usize>n) << 2;
  const vb = nb & ~(<usize>15);
  let j: usize = 0;
  for (; j < vb; j += 16)
    v128.store(dz + j, backwardV(kind, v128.load(z + j), v128.load(y + j), v128.load(dy + j)));
  for (; j < nb; j += 4) {
    const r = backwardV(
      kind,
      f32x4.splat(load<f32>(z + j)),
      f32x4.splat(load<f32>(y + j)),
      f32x4.splat(load<f32>(dy + j)),
    );
    store<f32>(dz + j, f32x4.extract_lane(r, 0));
  }
}
