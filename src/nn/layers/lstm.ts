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
 * One LSTM layer, PyTorch's equations and layout (gates i, f, g, o):
 *   gates = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh        [B, 4H]
 *   c_t = σ(f) c_{t-1} + σ(i) tanh(g);  h_t = σ(o) tanh(c_t)
 * x [B, T, I] -> h [B, T, H]; weight_ih [4H, I], weight_hh [4H, H], bias_ih [4H], bias_hh [4H].
 * The input projection of all steps is one GEMM; the recurrence (one [B, H] x [H, 4H] GEMM and the
 * fused gate update per step) is one lstmSequenceForward / lstmSequenceBackward call.
 */
export class LstmCell implements RecurrentCell {
  readonly stateCount = 2;
  private h = 0;
  private inDim = 0;
  private w!: RecurrentWeights;
  private x!: Tensor;
  private gemm!: GemmFn;
  private ops!: NnOps;
  /** Activated gates per step [B, T, 4H], reused for their gradients in backward. */
  private gates!: Scratch;
  private c!: Scratch;
  private y!: Scratch;
  /** h_{t-1} per step [B, T, H], for the single dW_hh GEMM of backward. */
  private hprev!: Scratch;
  private c0!: Scratch;
  private dx!: Scratch;
  private dh!: Scratch;
  private dc!: Scratch;

  build(inDim: number, ctx: BuildContext, l: number, opts: RecurrentOptions): void {
    this.ops = ctx.ops;
    this.gemm = ctx.ops.gemm;
    const h = opts.units;
    this.h = h;
    this.inDim = inDim;
    this.w = recurrentWeights(ctx, l, opts, inDim, 4);
    for (const name of ["gates", "c", "y", "hprev", "c0", "dx", "dh", "dc"] as const)
      this[name] = new Scratch(ctx.arena);
  }

  forward(x: Tensor, state: Buf[], carry: boolean): Tensor {
    const [B, T] = x.shape;
    const H = this.h;
    const G4 = 4 * H;
    this.x = x;
    const g = this.gates.get([B, T, G4]).data;
    const c = this.c.get([B, T, H]).data;
    const y = this.y.get([B, T, H]);
    const hp = this.hprev.get([B, T, H]).data;
    const c0 = this.c0.get([B, H]).data;
    c0.set(state[1]);
    this.gemm(
      false,
      true,
      B * T,
      G4,
      this.inDim,
      1,
      x.data,
      0,
      this.inDim,
      this.w.wih.value.data,
      0,
      this.inDim,
      0,
      g,
      0,
      G4,
    );
    this.ops.addBias(B * T, G4, this.w.bih.value.data, g);
    this.ops.addBias(B * T, G4, this.w.bhh.value.data, g);
    copyRows(B, H, state[0], 0, H, hp, 0, T * H);
    this.ops.lstmSequenceForward(B, T, H, g, hp, c0, c, y.data, this.w.whh.value.data);
    if (carry) {
      copyRows(B, H, y.data, (T - 1) * H, T * H, state[0], 0, H);
      copyRows(B, H, c, (T - 1) * H, T * H, state[1], 0, H);
    }
    return y;
  }

  backward(dyT: Tensor): Tensor {
    const [B, T] = dyT.shape;
    const H = this.h;
    const G4 = 4 * H;
    const I = this.inDim;
    const dy = dyT.data;
    const g = this.gates.get([B, T, G4]).data;
    const c = this.c.get([B, T, H]).data;
    const c0 = this.c0.get([B, H]).data;
    const dh = this.dh.get([B, H]).data;
    const dc = this.dc.get([B, H]).data;
    dh.fill(0);
    dc.fill(0);
    this.ops.lstmSequenceBackward(B, T, H, g, c, c0, dy, dh, dc, this.w.whh.value.data);
    // g now holds dLoss/dgates for every step.
    const hp = this.hprev.get([B, T, H]).data;
    const dx = this.dx.get(this.x.shape);
    recurrentWeightGrads(this.ops, B * T, G4, I, H, g, g, this.x.data, hp, this.w, dx.data);
    return dx;
  }
}

/** LSTM (multi-layer, batch-first): x [B, T, I] -> [B, T, H] (returnSequences) or [B, H]. */
export const lstm = (opts: RecurrentOptions): Recurrent => new Recurrent(opts, () => new LstmCell(), "lstm");

/**
 * One forward step's gate nonlinearities and state update (the readable twin of the kernel in
 * assembly/lstm.ts): gates [B, 4H] pre-activations i, f, g, o in, activations out; cPrev [B, H]
 * -> c [B, H], h [B, H]. Each matrix starts at its offset; strides are between batch rows.
 */
export function lstmStepForward(
  B: number,
  H: number,
  g: Buf,
  gOff: number,
  gStride: number,
  cp: Buf,
  cpOff: number,
  cpStride: number,
  c: Buf,
  cOff: number,
  cStride: number,
  h: Buf,
  hOff: number,
  hStride: number,
): void {
  for (let b = 0; b < B; b++) {
    const gi = gOff + b * gStride;
    for (let j = 0; j < H; j++) {
      const ig = sigmoid(g[gi + j]);
      const fg = sigmoid(g[gi + H + j]);
      const gg = Math.tanh(g[gi + 2 * H + j]);
      const og = sigmoid(g[gi + 3 * H + j]);
      g[gi + j] = ig;
      g[gi + H + j] = fg;
      g[gi + 2 * H + j] = gg;
      g[gi + 3 * H + j] = og;
      const cv = fg * cp[cpOff + b * cpStride + j] + ig * gg;
      c[cOff + b * cStride + j] = cv;
      h[hOff + b * hStride + j] = og * Math.tanh(cv);
    }
  }
}

/**
 * One backward step: gates hold the activations and receive dLoss/dpre-activations; dh [B, H]
 * (contiguous) is dLoss/dh_t from later steps, dy [B, H] the output gradient of this step; dc [B, H]
 * (contiguous) carries dLoss/dc_t in and dLoss/dc_{t-1} out.
 */
export function lstmStepBackward(
  B: number,
  H: number,
  g: Buf,
  gOff: number,
  gStride: number,
  c: Buf,
  cOff: number,
  cStride: number,
  cp: Buf,
  cpOff: number,
  cpStride: number,
  dy: Buf,
  dyOff: number,
  dyStride: number,
  dh: Buf,
  dc: Buf,
): void {
  for (let b = 0; b < B; b++) {
    const gi = gOff + b * gStride;
    for (let j = 0; j < H; j++) {
      const ig = g[gi + j];
      const fg = g[gi + H + j];
      const gg = g[gi + 2 * H + j];
      const og = g[gi + 3 * H + j];
      const tc = Math.tanh(c[cOff + b * cStride + j]);
      const dhv = dy[dyOff + b * dyStride + j] + dh[b * H + j];
      const dcv = dhv * og * (1 - tc * tc) + dc[b * H + j];
      g[gi + j] = dcv * gg * ig * (1 - ig);
      g[gi + H + j] = dcv * cp[cpOff + b * cpStride + j] * fg * (1 - fg);
      g[gi + 2 * H + j] = dcv * ig * (1 - gg * gg);
      g[gi + 3 * H + j] = dhv * tc * og * (1 - og);
      dc[b * H + j] = dcv * fg;
    }
  }
}

/**
 * The recurrent part of one LSTM layer's forward over T steps (the readable twin of the kernel in
 * assembly/lstm.ts, which runs batch rows on several threads): per step t,
 *   gates[:, t] += h_{t-1} W_hh^T;  lstmStepForward on gates[:, t].
 * gates [B, T, 4H] hold x W_ih^T + biases on entry and the activations on return; hp [B, T, H]
 * holds h_0 in hp[:, 0] and receives h_{t-1} in hp[:, t]; c0 [B, H]; c, y [B, T, H] out;
 * whh [4H, H] (PyTorch's weight_hh).
 */
export function lstmSequenceForward(
  B: number,
  T: number,
  H: number,
  g: Buf,
  hp: Buf,
  c0: Buf,
  c: Buf,
  y: Buf,
  whh: Buf,
): void {
  const G4 = 4 * H;
  for (let t = 0; t < T; t++) {
    if (t > 0) copyRows(B, H, y, (t - 1) * H, T * H, hp, t * H, T * H);
    gemm(false, true, B, G4, H, 1, hp, t * H, T * H, whh, 0, H, 1, g, t * G4, T * G4);
    if (t === 0) lstmStepForward(B, H, g, 0, T * G4, c0, 0, H, c, 0, T * H, y, 0, T * H);
    else lstmStepForward(B, H, g, t * G4, T * G4, c, (t - 1) * H, T * H, c, t * H, T * H, y, t * H, T * H);
  }
}

/**
 * The recurrent part of one LSTM layer's backward, steps T-1 down to 0: lstmStepBackward on
 * gates[:, t], then dh = dgates_t W_hh. gates, c, c0 as lstmSequenceForward left them; dy [B, T, H];
 * dh, dc [B, H] carry the gradients of h and c between steps (zero on entry for a fresh sequence).
 * Leaves dLoss/dpre-activations of every step in gates.
 */
export function lstmSequenceBackward(
  B: number,
  T: number,
  H: number,
  g: Buf,
  c: Buf,
  c0: Buf,
  dy: Buf,
  dh: Buf,
  dc: Buf,
  whh: Buf,
): void {
  const G4 = 4 * H;
  for (let t = T - 1; t >= 0; t--) {
    if (t === 0) lstmStepBackward(B, H, g, 0, T * G4, c, 0, T * H, c0, 0, H, dy, 0, T * H, dh, dc);
    else
      lstmStepBackward(
        B,
        H,
        g,
        t * G4,
        T * G4,
        c,
        t * H,
        T * H,
        c,
        (t - 1) * H,
        T * H,
        dy,
        t * H,
        T * H,
        dh,
        dc,
      );
    gemm(false, false, B, H, G4, 1, g, t * G4, T * G4, whh, 0, H, 0, dh, 0, H);
  }
}
