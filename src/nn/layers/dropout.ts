import { checkNumber } from "../../util/errors.js";
import type { Rng } from "../../util/rng.js";
import type { BuildContext, Layer } from "../layer.js";
import { type IdTensor, Scratch, type Tensor } from "../tensor.js";

export interface DropoutOptions {
  /** Fraction of units zeroed during training, in [0, 1). */
  rate: number;
  /**
   * Locked (variational) dropout for sequences [B, T, D]: one mask per sequence and feature, the same
   * at every time step (Gal & Ghahramani; Merity's LockedDropout). Default false: a mask per element.
   */
  locked?: boolean;
  name?: string;
}

/**
 * Inverted dropout: kept units are scaled by 1/(1-rate) in training, identity at inference.
 * x [...] -> y [...]; locked: x [B, T, D] with mask [B, D].
 */
export class Dropout implements Layer {
  readonly name: string;
  private readonly rate: number;
  private readonly locked: boolean;
  private rng!: Rng;
  private mask!: Scratch;
  private y!: Scratch;
  private dx!: Scratch;
  private active = false;
  private lastMaskShape: readonly number[] = [];

  constructor(opts: DropoutOptions) {
    this.rate = checkNumber("rate", opts.rate, 0, 0.999999);
    this.locked = opts.locked ?? false;
    this.name = opts.name ?? "dropout";
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    this.rng = ctx.rng;
    this.mask = new Scratch(ctx.arena);
    this.y = new Scratch(ctx.arena);
    this.dx = new Scratch(ctx.arena);
    return [...input];
  }

  forward(xIn: Tensor | IdTensor, training: boolean): Tensor {
    const x = xIn as Tensor;
    this.active = training && this.rate > 0;
    if (!this.active) return x;
    const s = x.shape;
    const maskShape = this.locked ? [s[0], s[s.length - 1]] : s;
    this.lastMaskShape = maskShape;
    const mask = this.mask.get(maskShape).data;
    const scale = 1 / (1 - this.rate);
    for (let i = 0; i < mask.length; i++) mask[i] = this.rng.next() < this.rate ? 0 : scale;
    const y = this.y.get(s);
    this.apply(x.data, y.data, mask, s);
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.active) return dy;
    const dx = this.dx.get(dy.shape);
    this.apply(dy.data, dx.data, this.mask.get(this.lastMaskShape).data, dy.shape);
    return dx;
  }

  private apply(src: Tensor["data"], dst: Tensor["data"], mask: Tensor["data"], s: readonly number[]): void {
    if (!this.locked) {
      for (let i = 0; i < src.length; i++) dst[i] = src[i] * mask[i];
      return;
    }
    const d = s[s.length - 1];
    const perSeq = src.length / s[0];
    for (let i = 0; i < src.length; i++) {
      const b = Math.floor(i / perSeq);
      dst[i] = src[i] * mask[b * d + (i % d)];
    }
  }
}

export const dropout = (opts: DropoutOptions): Dropout => new Dropout(opts);
