import { sigmoid } from "../activations.js";
import { type GemmFn, gemm } from "../gemm.js";
import type { BuildContext } from "../layer.js";
import type { NnOps } from "../ops.js";
import { type Buf, Scratch, type Tensor } from "../tensor.js";
import {
  copyRows,
  Recurrent,
  type RecurrentCell,
  type RecurrentOptions,
  type RecurrentWeights,
  recurrentWeightGrads,
  recurrentWeights,
} from "./recurrent.js";

/**
 * One GRU layer, PyTorch's equations and layout (gates r, z, n):
 *   r = σ(x W_ir^T + b_ir + h W_hr^T + b_hr);  z = σ(x W_iz^T + b_iz + h W_hz^T + b_hz)
 *   n = tanh(x W_in^T + b_in + r ⊙ (h W_hn^T + b_hn));  h' = (1 - z) ⊙ n + z ⊙ h
 * x [B, T, I] -> h [B, T, H]; weight_ih [3H, I], weight_hh [3H, H], bias_ih [3H], bias_hh [3H].
 */
export class GruCell implements RecurrentCell {
  readonly stateCount = 1;
  private h = 0;
  private inDim = 0;
  private w!: RecurrentWeights;
  private x!: Tensor;
  private gemm!: GemmFn;
  private ops!: NnOps;
  /** Input projections, then activated gates r, z, n [B, T, 3H]; in backward their gradients. */
  private gx!: Scratch;
  /** Recurrent projections h W_hh^T + b_hh [B, T, 3H]; in backward their gradients. */
  private gh!: Scratch;
  private y!: Scratch;
  private hprev!: Scratch;
  private dx!: Scratch;
  private dh!: Scratch;

  build(inDim: number, ctx: BuildContext, l: number, opts: RecurrentOptions): void {
    this.ops = ctx.ops;
    this.gemm = ctx.ops.gemm;
    const h = opts.units;
    this.h = h;
    this.inDim = inDim;
    this.w = recurrentWeights(ctx, l, opts, inDim, 3);
    for (const name of ["gx", "gh", "y", "hprev", "dx", "dh"] as const) this[name] = new Scratch(ctx.arena);
  }

  forward(x: Tensor, state: Buf[], carry: boolean): Tensor {
    const [B, T] = x.shape;
    const H = this.h;
    const G3 = 3 * H;
    this.x = x;
    const gx = this.gx.get([B, T, G3]).data;
    const gh = this.gh.get([B, T, G3]).data;
    const y = this.y.get([B, T, H]).data;
    const hp = this.hprev.get([B, T, H]).data;
    const bih = this.w.bih.value.data;
    const bhh = this.w.bhh.value.data;
    for (let r = 0; r < B * T; r++) {
      gx.set(bih, r * G3);
      gh.set(bhh, r * G3);
    }
    this.gemm(
      false,
      true,
      B * T,
      G3,
      this.inDim,
      1,
      x.data,
      0,
      this.inDim,
      this.w.wih.value.data,
      0,
      this.inDim,
      1,
      gx,
      0,
      G3,
    );
    copyRows(B, H, state[0], 0, H, hp, 0, T * H);
    this.ops.gruSequenceForward(B, T, H, gx, gh, hp, y, this.w.whh.value.data);
    if (carry) copyRows(B, H, y, (T - 1) * H, T * H, state[0], 0, H);
    return this.y.get([B, T, H]);
  }

  backward(dyT: Tensor): Tensor {
    const [B, T] = dyT.shape;
    const H = this.h;
    const G3 = 3 * H;
    const I = this.inDim;
    const dy = dyT.data;
    const gx = this.gx.get([B, T, G3]).data;
    const gh = this.gh.get([B, T, G3]).data;
    const hp = this.hprev.get([B, T, H]).data;
    const dh = this.dh.get([B, H]).data;
    dh.fill(0);
    this.ops.gruSequenceBackward(B, T, H, gx, gh, hp, dy, dh, this.w.whh.value.data);
    const dx = this.dx.get(this.x.shape);
    recurrentWeightGrads(this.ops, B * T, G3, I, H, gx, gh, this.x.data, hp, this.w, dx.data);
    return dx;
  }
}

/** GRU (multi-layer, batch-first): x [B, T, I] -> [B, T, H] (returnSequences) or [B, H]. */
export const gru = (opts: RecurrentOptions): Recurrent => new Recurrent(opts, () => new GruCell(), "gru");

/**
 * One forward step (the readable twin of the kernel in assembly/gru.ts): gx holds the input
 * projections [B, 3H] (r, z, n) and receives the activated gates; gh the recurrent projections
 * h W_hh^T + b_hh. hp [B, H] is h_{t-1}, h [B, H] receives h_t. gx and gh share offset and stride
 * (they are [B, T, 3H] at one step), as do hp and h.
 */
export function gruStepForward(
  B: number,
  H: number,
  gx: Buf,
  gh: Buf,
  gOff: number,
  gStride: number,
  hp: Buf,
  h: Buf,
  hOff: number,
  hStride: number,
): void {
  for (let b = 0; b < B; b++) {
    const gi = gOff + b * gStride;
    const hi = hOff + b * hStride;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(gx[gi + j] + gh[gi + j]);
      const z = sigmoid(gx[gi + H + j] + gh[gi + H + j]);
      const n = Math.tanh(gx[gi + 2 * H + j] + r * gh[gi + 2 * H + j]);
      gx[gi + j] = r;
      gx[gi + H + j] = z;
      gx[gi + 2 * H + j] = n;
      h[hi + j] = (1 - z) * n + z * hp[hi + j];
    }
  }
}

/**
 * One backward step: gx (activated gates) receives dLoss/d(input projections), gh (recurrent
 * projections) dLoss/d(recurrent projections); dy [B, H] is this step's output gradient; dh [B, H]
 * (contiguous) holds dLoss/dh_t from later steps in and the direct part dLoss/dh_{t-1} = dh_t z out
 * (the caller adds the part through W_hh).
 */
export function gruStepBackward(
  B: number,
  H: number,
  gx: Buf,
  gh: Buf,
  gOff: number,
  gStride: number,
  hp: Buf,
  dy: Buf,
  hOff: number,
  hStride: number,
  dh: Buf,
): void {
  for (let b = 0; b < B; b++) {
    const gi = gOff + b * gStride;
    const hi = hOff + b * hStride;
    for (let j = 0; j < H; j++) {
      const r = gx[gi + j];
      const z = gx[gi + H + j];
      const n = gx[gi + 2 * H + j];
      const dhv = dy[hi + j] + dh[b * H + j];
      const dnp = dhv * (1 - z) * (1 - n * n);
      const drp = dnp * gh[gi + 2 * H + j] * r * (1 - r);
      const dzp = dhv * (hp[hi + j] - n) * z * (1 - z);
      gx[gi + j] = drp;
      gx[gi + H + j] = dzp;
      gx[gi + 2 * H + j] = dnp;
      gh[gi + j] = drp;
      gh[gi + H + j] = dzp;
      gh[gi + 2 * H + j] = dnp * r;
      dh[b * H + j] = dhv * z;
    }
  }
}

/**
 * The recurrent part of one GRU layer's forward over T steps (the readable twin of the kernel in
 * assembly/gru.ts, which runs batch rows on several threads): per step t,
 *   gh[:, t] += h_{t-1} W_hh^T;  gruStepForward on gx[:, t], gh[:, t].
 * gx [B, T, 3H] holds x W_ih^T + b_ih on entry, gh [B, T, 3H] b_hh; both receive what the backward
 * needs. hp [B, T, H] holds h_0 in hp[:, 0] and receives h_{t-1} in hp[:, t]; y [B, T, H] out;
 * whh [3H, H] (PyTorch's weight_hh).
 */
export function gruSequenceForward(
  B: number,
  T: number,
  H: number,
  gx: Buf,
  gh: Buf,
  hp: Buf,
  y: Buf,
  whh: Buf,
): void {
  const G3 = 3 * H;
  for (let t = 0; t < T; t++) {
    if (t > 0) copyRows(B, H, y, (t - 1) * H, T * H, hp, t * H, T * H);
    gemm(false, true, B, G3, H, 1, hp, t * H, T * H, whh, 0, H, 1, gh, t * G3, T * G3);
    gruStepForward(B, H, gx, gh, t * G3, T * G3, hp, y, t * H, T * H);
  }
}

/**
 * The recurrent part of one GRU layer's backward, steps T-1 down to 0: gruStepBackward, then
 * dh += dgh_t W_hh. gx, gh, hp as gruSequenceForward left them; dy [B, T, H]; dh [B, H] carries the
 * gradient of h between steps (zero on entry for a fresh sequence). Leaves the gate gradients in gx
 * and gh.
 */
export function gruSequenceBackward(
  B: number,
  T: number,
  H: number,
  gx: Buf,
  gh: Buf,
  hp: Buf,
  dy: Buf,
  dh: Buf,
  whh: Buf,
): void {
  const G3 = 3 * H;
  for (let t = T - 1; t >= 0; t--) {
    gruStepBackward(B, H, gx, gh, t * G3, T * G3, hp, dy, t * H, T * H, dh);
    gemm(false, false, B, H, G3, 1, gh, t * G3, T * G3, whh, 0, H, 1, dh, 0, H);
  }
}
