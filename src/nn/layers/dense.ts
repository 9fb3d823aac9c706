import type { Activation } from "../activations.js";
import type { GemmFn } from "../gemm.js";
import { type Initializer, uniform } from "../init.js";
import { type BuildContext, type Layer, lastDim } from "../layer.js";
import type { NnOps } from "../ops.js";
import type { Param } from "../params.js";
import { type IdTensor, Scratch, type Tensor } from "../tensor.js";

export interface DenseOptions {
  /** Output features. */
  units: number;
  /** Applied to x W^T + b (default "linear"). */
  activation?: Activation;
  /** Add a bias (default true). */
  useBias?: boolean;
  /** Default: PyTorch's Linear init, U(-1/sqrt(in), 1/sqrt(in)) for weight and bias. */
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
  name?: string;
}

/**
 * Dense / Linear: y = act(x W^T + b) over the last dimension.
 * x [..., in] -> y [..., units]; weight [units, in] (PyTorch layout), bias [units].
 */
export class Dense implements Layer {
  readonly name: string;
  private readonly opts: DenseOptions;
  private readonly act: Activation;
  private w!: Param;
  private b: Param | undefined;
  private inDim = 0;
  private x!: Tensor;
  private gemm!: GemmFn;
  private ops!: NnOps;
  private z!: Scratch;
  private y!: Scratch;
  private dx!: Scratch;

  constructor(opts: DenseOptions) {
    this.opts = opts;
    this.act = opts.activation ?? "linear";
    this.name = opts.name ?? "dense";
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    this.gemm = ctx.ops.gemm;
    this.ops = ctx.ops;
    this.inDim = lastDim(input, this.name);
    const bound = 1 / Math.sqrt(this.inDim);
    this.w = ctx.params.add(
      `${ctx.prefix}weight`,
      [this.opts.units, this.inDim],
      this.opts.kernelInitializer ?? uniform(-bound, bound),
    );
    if (this.opts.useBias ?? true)
      this.b = ctx.params.add(
        `${ctx.prefix}bias`,
        [this.opts.units],
        this.opts.biasInitializer ?? uniform(-bound, bound),
      );
    this.z = new Scratch(ctx.arena);
    this.y = new Scratch(ctx.arena);
    this.dx = new Scratch(ctx.arena);
    return [...input.slice(0, -1), this.opts.units];
  }

  forward(xIn: Tensor | IdTensor): Tensor {
    const x = xIn as Tensor;
    this.x = x;
    const units = this.opts.units;
    const rows = x.data.length / this.inDim;
    const shape = [...x.shape.slice(0, -1), units];
    const y = this.y.get(shape);
    const z = this.act === "linear" ? y : this.z.get(shape);
    this.gemm(
      false,
      true,
      rows,
      units,
      this.inDim,
      1,
      x.data,
      0,
      this.inDim,
      this.w.value.data,
      0,
      this.inDim,
      0,
      z.data,
      0,
      units,
    );
    if (this.b !== undefined) this.ops.addBias(rows, units, this.b.value.data, z.data);
    if (z !== y) this.ops.activate(this.act, z.data, y.data, y.data.length);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const units = this.opts.units;
    const rows = dy.data.length / units;
    const y = this.y.get(dy.shape);
    let dz = dy;
    if (this.act !== "linear") {
      // The pre-activation buffer is no longer needed after this, so it takes dz.
      const z = this.z.get(dy.shape);
      this.ops.activateBackward(this.act, z.data, y.data, dy.data, z.data, dy.data.length);
      dz = z;
    }
    this.gemm(
      true,
      false,
      units,
      this.inDim,
      rows,
      1,
      dz.data,
      0,
      units,
      this.x.data,
      0,
      this.inDim,
      1,
      this.w.grad.data,
      0,
      this.inDim,
    );
    if (this.b !== undefined) this.ops.columnSums(rows, units, dz.data, this.b.grad.data);
    const dx = this.dx.get(this.x.shape);
    this.gemm(
      false,
      false,
      rows,
      this.inDim,
      units,
      1,
      dz.data,
      0,
      units,
      this.w.value.data,
      0,
      this.inDim,
      0,
      dx.data,
      0,
      this.inDim,
    );
    return dx;
  }
}

export const dense = (opts: DenseOptions): Dense => new Dense(opts);
