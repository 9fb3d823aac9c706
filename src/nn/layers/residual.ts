import type { BuildContext, Layer } from "../layer.js";
import { Sequential } from "../sequential.js";
import { type IdTensor, Scratch, type Tensor } from "../tensor.js";

/** Residual block y = x + f(x), f a stack of layers keeping the shape. x [..., D] -> y [..., D]. */
export class Residual implements Layer {
  readonly name: string;
  private readonly inner: Sequential;
  private y!: Scratch;
  private dx!: Scratch;

  constructor(layers: Layer[], name = "residual") {
    this.inner = new Sequential(layers);
    this.name = name;
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    const out = this.inner.build(input, ctx);
    if (out.length !== input.length || out.some((d, i) => d !== input[i]))
      throw new Error(`${this.name}: the block maps [${input}] to [${out}]; a residual needs the same shape`);
    this.y = new Scratch(ctx.arena);
    this.dx = new Scratch(ctx.arena);
    return out;
  }

  forward(xIn: Tensor | IdTensor, training: boolean): Tensor {
    const x = xIn as Tensor;
    const f = this.inner.forward(x, training);
    const y = this.y.get(x.shape);
    for (let i = 0; i < y.data.length; i++) y.data[i] = x.data[i] + f.data[i];
    return y;
  }

  backward(dy: Tensor): Tensor {
    const df = this.inner.backward(dy)!;
    const dx = this.dx.get(dy.shape);
    for (let i = 0; i < dx.data.length; i++) dx.data[i] = dy.data[i] + df.data[i];
    return dx;
  }

  resetStates(): void {
    this.inner.resetStates();
  }
}

export const residual = (layers: Layer[]): Residual => new Residual(layers);
