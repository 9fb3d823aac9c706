import { constant } from "../init.js";
import { type BuildContext, type Layer, lastDim } from "../layer.js";
import type { Param } from "../params.js";
import { type IdTensor, Scratch, type Tensor } from "../tensor.js";

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
  private y!: Scratch;
  private stats!: Scratch;
  private dx!: Scratch;

  constructor(opts: LayerNormOptions = {}) {
    this.eps = opts.epsilon ?? 1e-5;
    this.name = opts.name ?? "layer_norm";
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    this.d = lastDim(input, this.name);
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
    const bias = this.b.value.data;
    for (let r = 0; r < rows; r++) {
      const o = r * D;
      let mean = 0;
      for (let j = 0; j < D; j++) mean += x.data[o + j];
      mean /= D;
      let v = 0;
      for (let j = 0; j < D; j++) v += (x.data[o + j] - mean) ** 2;
      const rstd = 1 / Math.sqrt(v / D + this.eps);
      st[2 * r] = mean;
      st[2 * r + 1] = rstd;
      for (let j = 0; j < D; j++) y.data[o + j] = (x.data[o + j] - mean) * rstd * w[j] + bias[j];
    }
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
    for (let r = 0; r < rows; r++) {
      const o = r * D;
      const mean = st[2 * r];
      const rstd = st[2 * r + 1];
      let sumG = 0;
      let sumGX = 0;
      for (let j = 0; j < D; j++) {
        const xh = (x[o + j] - mean) * rstd;
        const g = dy.data[o + j] * w[j];
        gw[j] += dy.data[o + j] * xh;
        gb[j] += dy.data[o + j];
        sumG += g;
        sumGX += g * xh;
      }
      sumG /= D;
      sumGX /= D;
      for (let j = 0; j < D; j++) {
        const xh = (x[o + j] - mean) * rstd;
        dx.data[o + j] = rstd * (dy.data[o + j] * w[j] - sumG - xh * sumGX);
      }
    }
    return dx;
  }
}

export const layerNorm = (opts?: LayerNormOptions): LayerNorm => new LayerNorm(opts);
