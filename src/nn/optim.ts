import type { ParamStore } from "./params.js";
import type { Buf, Tensor } from "./tensor.js";

/**
 * Optimizers update the trainable prefix of a ParamStore's flat buffers in one loop, PyTorch's update
 * rules exactly. Their state is allocated once, from the store's arena.
 */
export interface Optimizer {
  /** Learning rate of the next step (schedules set it). */
  lr: number;
  /** Steps taken. */
  readonly steps: number;
  step(): void;
  /** State tensors by name (for saving) plus scalar metadata. */
  stateDict(): { tensors: Record<string, Tensor>; meta: Record<string, number> };
  loadStateDict(tensors: Record<string, Tensor>, meta: Record<string, number>): void;
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). */
  nesterov?: boolean;
  dampening?: number;
  /** L2 penalty added to the gradient. */
  weightDecay?: number;
}

function stateTensors(store: ParamStore, buffers: Record<string, Buf>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [suffix, buf] of Object.entries(buffers))
    for (const p of store.params)
      if (p.trainable)
        out[`${p.name}.${suffix}`] = {
          shape: p.shape,
          data: buf.subarray(p.offset, p.offset + p.value.data.length),
        };
  return out;
}

function loadTensors(store: ParamStore, buffers: Record<string, Buf>, tensors: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(stateTensors(store, buffers))) {
    const src = tensors[name];
    if (src === undefined) throw new Error(`optimizer state: missing ${name}`);
    t.data.set(src.data);
  }
}

/** SGD with optional momentum / Nesterov / weight decay (torch.optim.SGD). */
export class SGD implements Optimizer {
  lr: number;
  steps = 0;
  private readonly store: ParamStore;
  private readonly opts: SgdOptions;
  private readonly buf: Buf | undefined;

  constructor(store: ParamStore, opts: SgdOptions) {
    this.store = store;
    this.opts = opts;
    this.lr = opts.lr;
    if ((opts.momentum ?? 0) > 0) this.buf = store.arena.alloc(store.trainableSize);
  }

  step(): void {
    const { values: p, grads: g, trainableSize: n } = this.store;
    const lr = this.lr;
    const wd = this.opts.weightDecay ?? 0;
    const mu = this.opts.momentum ?? 0;
    if (this.buf === undefined) {
      if (wd === 0) {
        // Plain SGD touches only the gradient rows that exist (sparse embedding rows).
        const { axpy } = this.store.ops;
        for (const prm of this.store.params) {
          if (!prm.trainable) continue;
          if (prm.rows === undefined) axpy(prm.value.data.length, -lr, g, prm.offset, p, prm.offset);
          else {
            const { list, count, width } = prm.rows;
            for (let r = 0; r < count; r++) {
              const o = prm.offset + list[r] * width;
              axpy(width, -lr, g, o, p, o);
            }
          }
        }
      } else for (let i = 0; i < n; i++) p[i] -= lr * (g[i] + wd * p[i]);
    } else {
      const buf = this.buf;
      const damp = this.steps === 0 ? 0 : (this.opts.dampening ?? 0);
      const nesterov = this.opts.nesterov ?? false;
      for (let i = 0; i < n; i++) {
        const d = g[i] + wd * p[i];
        buf[i] = this.steps === 0 ? d : mu * buf[i] + (1 - damp) * d;
        p[i] -= lr * (nesterov ? d + mu * buf[i] : buf[i]);
      }
    }
    this.steps++;
  }

  stateDict(): { tensors: Record<string, Tensor>; meta: Record<string, number> } {
    const tensors = this.buf ? stateTensors(this.store, { momentum_buffer: this.buf }) : {};
    return { tensors, meta: { step: this.steps, lr: this.lr } };
  }

  loadStateDict(tensors: Record<string, Tensor>, meta: Record<string, number>): void {
    if (this.buf) loadTensors(this.store, { momentum_buffer: this.buf }, tensors);
    this.steps = meta.step ?? 0;
    this.lr = meta.lr ?? this.lr;
  }
}

export interface AdamOptions {
  /** Default 1e-3. */
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0); AdamW: decoupled decay (default 0.01). */
  weightDecay?: number;
}

/** Adam (torch.optim.Adam); `decoupled` gives AdamW (torch.optim.AdamW). */
export class Adam implements Optimizer {
  lr: number;
  steps = 0;
  private readonly store: ParamStore;
  private readonly b1: number;
  private readonly b2: number;
  private readonly eps: number;
  private readonly wd: number;
  private readonly decoupled: boolean;
  private readonly m: Buf;
  private readonly v: Buf;

  constructor(store: ParamStore, opts: AdamOptions = {}, decoupled = false) {
    this.store = store;
    this.lr = opts.lr ?? 1e-3;
    this.b1 = opts.beta1 ?? 0.9;
    this.b2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.decoupled = decoupled;
    this.wd = opts.weightDecay ?? (decoupled ? 0.01 : 0);
    this.m = store.arena.alloc(store.trainableSize);
    this.v = store.arena.alloc(store.trainableSize);
  }

  step(): void {
    const { values: p, grads: g, trainableSize: n } = this.store;
    const { b1, b2, eps, wd, m, v, lr } = this;
    this.steps++;
    const bc1 = 1 - b1 ** this.steps;
    const bc2Sqrt = Math.sqrt(1 - b2 ** this.steps);
    const stepSize = lr / bc1;
    const decay = this.decoupled ? 1 - lr * wd : 1;
    const l2 = this.decoupled ? 0 : wd;
    for (let i = 0; i < n; i++) {
      const d = g[i] + l2 * p[i];
      m[i] = b1 * m[i] + (1 - b1) * d;
      v[i] = b2 * v[i] + (1 - b2) * d * d;
      p[i] = p[i] * decay - (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + eps);
    }
  }

  stateDict(): { tensors: Record<string, Tensor>; meta: Record<string, number> } {
    return {
      tensors: stateTensors(this.store, { exp_avg: this.m, exp_avg_sq: this.v }),
      meta: { step: this.steps, lr: this.lr },
    };
  }

  loadStateDict(tensors: Record<string, Tensor>, meta: Record<string, number>): void {
    loadTensors(this.store, { exp_avg: this.m, exp_avg_sq: this.v }, tensors);
    this.steps = meta.step ?? 0;
    this.lr = meta.lr ?? this.lr;
  }
}

export const sgd = (store: ParamStore, opts: SgdOptions): SGD => new SGD(store, opts);
export const adam = (store: ParamStore, opts?: AdamOptions): Adam => new Adam(store, opts);
export const adamw = (store: ParamStore, opts?: AdamOptions): Adam => new Adam(store, opts, true);

/**
 * Scales all trainable gradients so their global L2 norm is at most maxNorm
 * (torch.nn.utils.clip_grad_norm_); returns the norm before clipping.
 */
export function clipGradNorm(store: ParamStore, maxNorm: number): number {
  const g = store.grads;
  const n = store.trainableSize;
  const norm = Math.sqrt(store.ops.dot(n, g, 0, g, 0));
  const coef = maxNorm / (norm + 1e-6);
  // g += (coef - 1) g scales in place on the same kernel.
  if (coef < 1) store.ops.axpy(n, coef - 1, g, 0, g, 0);
  return norm;
}
