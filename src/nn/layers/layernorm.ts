import { constant } from "../init.js";
import { type BuildContext, type Layer, lastDim } from "../layer.js";
import type { NnOps } from "../ops.js";
import type { Param } from "../params.js";
import { type Buf, type IdTensor, Scratch, type Tensor } from "../tensor.js";

export interface LayerNormOptions {
  /** Added to the variance (default 1e-5, as PyTorch). */
  epsilon?: number;
  name?: string;
}

/**
 * Layer normalization over the last dimension: y = (x - mean) / sqrt(var + eps) * weight + bias.
 * x [..., D] -> y [..., D]; weight [D] (ones), bias [D] (zeros). Keeps mean and 1/std per row.
 */
export class LayerNorm implements Layer {
  readonly name: string;
  private readonly eps: number;
  private d = 0;
  private w!: Param;
  private b!: Param;
  private x!: Tensor;
  private ops!: NnOps;
  private y!: Scratch;
  private stats!: Scratch;
  private dx!: Scratch;

  constructor(opts: LayerNormOptions = {}) {
    this.eps = opts.epsilon ?? 1e-5;
    this.name = opts.name ?? "layer_norm";
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    this.d = lastDim(input, this.name);
    this.ops = ctx.ops;
    this.w = ctx.params.add(`${ctx.prefix}weight`, [this.d], constant(1));
    this.b = ctx.params.add(`${ctx.prefix}bias`, [this.d], constant(0));
    this.y = new Scratch(ctx.arena);
    this.stats = new Scratch(ctx.arena);
    this.dx = new Scratch(ctx.arena);
    return [...input];
  }

  forward(xIn: Tensor | IdTensor): Tensor {
    const x = xIn as Tensor;
    this.x = x;
    const D = this.d;
    const rows = x.data.length / D;
    const y = this.y.get(x.shape);
    const st = this.stats.get([rows, 2]).data;
    const w = this.w.value.data;
    this.ops.layerNormForward(rows, D, x.data, w, this.b.value.data, this.eps, y.data, st);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const D = this.d;
    const x = this.x.data;
    const rows = x.length / D;
    const st = this.stats.get([rows, 2]).data;
    const w = this.w.value.data;
    const gw = this.w.grad.data;
    const gb = this.b.grad.data;
    const dx = this.dx.get(this.x.shape);
    this.ops.layerNormBackward(rows, D, x, dy.data, w, st, dx.data, gw, gb);
    return dx;
  }
}

export const layerNorm = (opts?: LayerNormOptions): LayerNorm => new LayerNorm(opts);

/**
 * Rows of x [rows, D] normalized (the readable twin of assembly/layernorm.ts): y = (x - mean) * rstd
 * * w + b with rstd = 1 / sqrt(var + eps); stats [rows, 2] receives (mean, rstd) per row.
 */
export function layerNormForward(
  rows: number,
  D: number,
  x: Buf,
  w: Buf,
  b: Buf,
  eps: number,
  y: Buf,
  stats: Buf,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    let mean = 0;
    for (let j = 0; j < D; j++) mean += x[o + j];
    mean /= D;
    let v = 0;
    for (let j = 0; j < D; j++) v += (x[o + j] - mean) ** 2;
    const rstd = 1 / Math.sqrt(v / D + eps);
    stats[2 * r] = mean;
    stats[2 * r + 1] = rstd;
    for (let j = 0; j < D; j++) y[o + j] = (x[o + j] - mean) * rstd * w[j] + b[j];
  }
}

/** Backward: dx [rows, D] from dy; gw, gb [D] accumulate dLoss/dweight and dLoss/dbias. */
export function layerNormBackward(
  rows: number,
  D: number,
  x: Buf,
  dy: Buf,
  w: Buf,
  stats: Buf,
  dx: Buf,
  gw: Buf,
  gb: Buf,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * D;
    const mean = stats[2 * r];
    const rstd = stats[2 * r + 1];
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < D; j++) {
      const xh = (x[o + j] - mean) * rstd;
      const g = dy[o + j] * w[j];
      gw[j] += dy[o + j] * xh;
      gb[j] += dy[o + j];
      sumG += g;
      sumGX += g * xh;
    }
    sumG /= D;
    sumGX /= D;
    for (let j = 0; j < D; j++) {
      const xh = (x[o + j] - mean) * rstd;
      dx[o + j] = rstd * (dy[o + j] * w[j] - sumG - xh * sumGX);
    }
  }
}
