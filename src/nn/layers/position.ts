import { EmbedlmError } from "../../util/errors.js";
import { type Initializer, normal } from "../init.js";
import { type BuildContext, type Layer, lastDim } from "../layer.js";
import type { Param } from "../params.js";
import { type IdTensor, Scratch, type Tensor } from "../tensor.js";

export interface PositionEmbeddingOptions {
  /** Longest sequence (context length). */
  maxLength: number;
  /** Default N(0, 0.02) (GPT-2). */
  initializer?: Initializer;
  name?: string;
}

/** Learned absolute positions added to the input: y[b,t] = x[b,t] + weight[t]. x [B, T, D]; weight [maxLength, D]. */
export class PositionEmbedding implements Layer {
  readonly name: string;
  private readonly opts: PositionEmbeddingOptions;
  private w!: Param;
  private y!: Scratch;

  constructor(opts: PositionEmbeddingOptions) {
    this.opts = opts;
    this.name = opts.name ?? "position_embedding";
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    const d = lastDim(input, this.name);
    this.w = ctx.params.add(
      `${ctx.prefix}weight`,
      [this.opts.maxLength, d],
      this.opts.initializer ?? normal(0, 0.02),
    );
    this.y = new Scratch(ctx.arena);
    return [...input];
  }

  forward(xIn: Tensor | IdTensor): Tensor {
    const x = xIn as Tensor;
    const [B, T, D] = x.shape;
    if (T > this.opts.maxLength)
      throw new EmbedlmError(`sequence length ${T} exceeds maxLength ${this.opts.maxLength}`, {
        field: this.name,
      });
    const y = this.y.get(x.shape);
    const w = this.w.value.data;
    for (let b = 0; b < B; b++)
      for (let i = 0; i < T * D; i++) y.data[b * T * D + i] = x.data[b * T * D + i] + w[i];
    return y;
  }

  backward(dy: Tensor): Tensor {
    const [B, T, D] = dy.shape;
    const g = this.w.grad.data;
    for (let b = 0; b < B; b++) for (let i = 0; i < T * D; i++) g[i] += dy.data[b * T * D + i];
    return dy;
  }
}

export const positionEmbedding = (opts: PositionEmbeddingOptions): PositionEmbedding =>
  new PositionEmbedding(opts);
