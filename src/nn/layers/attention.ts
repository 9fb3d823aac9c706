import { EmbedlmError } from "../../util/errors.js";
import type { GemmFn } from "../gemm.js";
import { glorotUniform, zeros } from "../init.js";
import { type BuildContext, type Layer, lastDim } from "../layer.js";
import type { NnOps } from "../ops.js";
import type { Param } from "../params.js";
import { type Buf, type IdTensor, Scratch, type Tensor } from "../tensor.js";

export interface MultiHeadAttentionOptions {
  /** Heads; the model dimension must be divisible by it. */
  numHeads: number;
  name?: string;
}

/**
 * Causal multi-head self-attention (PyTorch's MultiheadAttention parameters, batch-first):
 *   [q k v] = x W_in^T + b_in;  per head: P = softmax(q k^T / sqrt(dh) + causal mask);  o = P v
 *   y = o W_out^T + b_out
 * x [B, T, D] -> y [B, T, D]; in_proj_weight [3D, D], in_proj_bias [3D], out_proj.weight [D, D],
 * out_proj.bias [D]. Keeps qkv [B, T, 3D], the attention weights P [B, heads, T, T] and o [B, T, D].
 */
export class MultiHeadAttention implements Layer {
  readonly name: string;
  private readonly heads: number;
  private d = 0;
  private win!: Param;
  private bin!: Param;
  private wout!: Param;
  private bout!: Param;
  private x!: Tensor;
  private gemm!: GemmFn;
  private ops!: NnOps;
  private qkv!: Scratch;
  private p!: Scratch;
  private o!: Scratch;
  private y!: Scratch;
  private dqkv!: Scratch;
  private dp!: Scratch;
  private dx!: Scratch;

  constructor(opts: MultiHeadAttentionOptions) {
    this.heads = opts.numHeads;
    this.name = opts.name ?? "multi_head_attention";
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    this.gemm = ctx.ops.gemm;
    this.ops = ctx.ops;
    const d = lastDim(input, this.name);
    if (d % this.heads !== 0)
      throw new EmbedlmError(`dimension ${d} is not divisible by numHeads ${this.heads}`, {
        field: this.name,
      });
    this.d = d;
    const p = ctx.params;
    this.win = p.add(`${ctx.prefix}in_proj_weight`, [3 * d, d], glorotUniform());
    this.bin = p.add(`${ctx.prefix}in_proj_bias`, [3 * d], zeros());
    this.wout = p.add(`${ctx.prefix}out_proj.weight`, [d, d], glorotUniform());
    this.bout = p.add(`${ctx.prefix}out_proj.bias`, [d], zeros());
    for (const name of ["qkv", "p", "o", "y", "dqkv", "dp", "dx"] as const)
      this[name] = new Scratch(ctx.arena);
    return [...input];
  }

  forward(xIn: Tensor | IdTensor): Tensor {
    const x = xIn as Tensor;
    this.x = x;
    const [B, T, D] = x.shape;
    const nh = this.heads;
    const dh = D / nh;
    const scale = 1 / Math.sqrt(dh);
    const qkv = this.qkv.get([B, T, 3 * D]).data;
    const P = this.p.get([B, nh, T, T]).data;
    const o = this.o.get([B, T, D]).data;
    linear(this.ops, x.data, B * T, D, 3 * D, this.win.value.data, this.bin.value.data, qkv);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < nh; h++) {
        const q = b * T * 3 * D + h * dh;
        this.gemm(
          false,
          true,
          T,
          T,
          dh,
          scale,
          qkv,
          q,
          3 * D,
          qkv,
          q + D,
          3 * D,
          0,
          P,
          (b * nh + h) * T * T,
          T,
        );
      }
    this.ops.causalSoftmaxForward(B * nh, T, P, 0);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < nh; h++) {
        const pOff = (b * nh + h) * T * T;
        const v = b * T * 3 * D + h * dh + 2 * D;
        this.gemm(false, false, T, dh, T, 1, P, pOff, T, qkv, v, 3 * D, 0, o, b * T * D + h * dh, D);
      }
    const y = this.y.get([B, T, D]);
    linear(this.ops, o, B * T, D, D, this.wout.value.data, this.bout.value.data, y.data);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const [B, T, D] = dy.shape;
    const nh = this.heads;
    const dh = D / nh;
    const scale = 1 / Math.sqrt(dh);
    const qkv = this.qkv.get([B, T, 3 * D]).data;
    const P = this.p.get([B, nh, T, T]).data;
    const o = this.o.get([B, T, D]).data;
    const dqkv = this.dqkv.get([B, T, 3 * D]).data;
    const dP = this.dp.get([T, T]).data;
    linearBackward(this.ops, dy.data, o, B * T, D, D, this.wout, this.bout);
    // o's buffer is not needed any more: it takes dLoss/do.
    const dO = o;
    this.gemm(false, false, B * T, D, D, 1, dy.data, 0, D, this.wout.value.data, 0, D, 0, dO, 0, D);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < nh; h++) {
        const q = b * T * 3 * D + h * dh;
        const oOff = b * T * D + h * dh;
        const pOff = (b * nh + h) * T * T;
        this.gemm(false, true, T, T, dh, 1, dO, oOff, D, qkv, q + 2 * D, 3 * D, 0, dP, 0, T);
        this.gemm(true, false, T, dh, T, 1, P, pOff, T, dO, oOff, D, 0, dqkv, q + 2 * D, 3 * D);
        this.ops.causalSoftmaxBackward(1, T, P, pOff, dP, 0);
        this.gemm(false, false, T, dh, T, scale, dP, 0, T, qkv, q + D, 3 * D, 0, dqkv, q, 3 * D);
        this.gemm(true, false, T, dh, T, scale, dP, 0, T, qkv, q, 3 * D, 0, dqkv, q + D, 3 * D);
      }
    linearBackward(this.ops, dqkv, this.x.data, B * T, D, 3 * D, this.win, this.bin);
    const dx = this.dx.get([B, T, D]);
    this.gemm(false, false, B * T, D, 3 * D, 1, dqkv, 0, 3 * D, this.win.value.data, 0, D, 0, dx.data, 0, D);
    return dx;
  }
}

/** y [rows, out] = x [rows, in] W^T + b. */
function linear(ops: NnOps, x: Buf, rows: number, inDim: number, out: number, w: Buf, b: Buf, y: Buf): void {
  ops.gemm(false, true, rows, out, inDim, 1, x, 0, inDim, w, 0, inDim, 0, y, 0, out);
  ops.addBias(rows, out, b, y);
}

/** dW += dy^T x, db += column sums of dy (dy [rows, out], x [rows, in]). */
function linearBackward(
  ops: NnOps,
  dy: Buf,
  x: Buf,
  rows: number,
  inDim: number,
  out: number,
  w: Param,
  b: Param,
): void {
  ops.gemm(true, false, out, inDim, rows, 1, dy, 0, out, x, 0, inDim, 1, w.grad.data, 0, inDim);
  ops.columnSums(rows, out, dy, b.grad.data);
}

export const multiHeadAttention = (opts: MultiHeadAttentionOptions): MultiHeadAttention =>
  new MultiHeadAttention(opts);

/**
 * Causal softmax in place on `count` score matrices [T, T] from pOff: row t becomes the softmax of
 * its columns 0..t, and its columns after t become 0. The readable twin of the kernel in
 * assembly/attention.ts.
 */
export function causalSoftmaxForward(count: number, T: number, p: Buf, pOff: number): void {
  for (let m = 0; m < count; m++)
    for (let t = 0; t < T; t++) {
      const row = pOff + (m * T + t) * T;
      let max = Number.NEGATIVE_INFINITY;
      for (let s = 0; s <= t; s++) max = Math.max(max, p[row + s]);
      let sum = 0;
      for (let s = 0; s <= t; s++) {
        const e = Math.exp(p[row + s] - max);
        p[row + s] = e;
        sum += e;
      }
      for (let s = 0; s <= t; s++) p[row + s] /= sum;
      p.fill(0, row + t + 1, row + T);
    }
}

/**
 * Its backward on `count` matrices: dp holds dLoss/dP and receives dLoss/dscores, in place:
 * dp[t, s] = P[t, s] (dp[t, s] - sum_u dp[t, u] P[t, u]) (zero after column t, where P is zero).
 */
export function causalSoftmaxBackward(
  count: number,
  T: number,
  p: Buf,
  pOff: number,
  dp: Buf,
  dpOff: number,
): void {
  for (let m = 0; m < count; m++)
    for (let t = 0; t < T; t++) {
      const pr = pOff + (m * T + t) * T;
      const dr = dpOff + (m * T + t) * T;
      let dot = 0;
      for (let s = 0; s <= t; s++) dot += dp[dr + s] * p[pr + s];
      for (let s = 0; s < T; s++) dp[dr + s] = p[pr + s] * (dp[dr + s] - dot);
    }
}
