import type { Buf } from "./tensor.js";

/** Elementwise activations for Dense; the backward of each takes the pre-activation z and output y. */
export type Activation = "linear" | "relu" | "tanh" | "sigmoid" | "gelu";

/** The kernels' numbers for the activations (assembly/activations.ts); linear has no kernel. */
export const ACTIVATION_KINDS: Record<Exclude<Activation, "linear">, number> = {
  relu: 1,
  tanh: 2,
  sigmoid: 3,
  gelu: 4,
};

const GELU_C = Math.sqrt(2 / Math.PI);

/** y[i] = f(z[i]) for i < n (the readable twin of activationForward in assembly/activations.ts). */
export function activate(act: Activation, z: Buf, y: Buf, n: number): void {
  switch (act) {
    case "linear":
      if (y !== z) y.set(z.subarray(0, n));
      return;
    case "relu":
      for (let i = 0; i < n; i++) y[i] = Math.max(z[i], 0);
      return;
    case "tanh":
      for (let i = 0; i < n; i++) y[i] = Math.tanh(z[i]);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-z[i]));
      return;
    case "gelu":
      // The tanh approximation (GPT-2; PyTorch's GELU(approximate="tanh")).
      for (let i = 0; i < n; i++) {
        const x = z[i];
        y[i] = 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
      }
      return;
  }
}

/** dz[i] = dy[i] * f'(z[i]); y is f(z). dz may alias dy. Twin of activationBackward in assembly/. */
export function activateBackward(act: Activation, z: Buf, y: Buf, dy: Buf, dz: Buf, n: number): void {
  switch (act) {
    case "linear":
      if (dz !== dy) dz.set(dy.subarray(0, n));
      return;
    case "relu":
      for (let i = 0; i < n; i++) dz[i] = z[i] > 0 ? dy[i] : 0;
      return;
    case "tanh":
      for (let i = 0; i < n; i++) dz[i] = dy[i] * (1 - y[i] * y[i]);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) dz[i] = dy[i] * y[i] * (1 - y[i]);
      return;
    case "gelu":
      for (let i = 0; i < n; i++) {
        const x = z[i];
        const t = Math.tanh(GELU_C * (x + 0.044715 * x * x * x));
        const dt = (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * x * x);
        dz[i] = dy[i] * (0.5 * (1 + t) + 0.5 * x * dt);
      }
      return;
  }
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
