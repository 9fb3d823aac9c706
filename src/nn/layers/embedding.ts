import { EmbedlmError } from "../../util/errors.js";
import { fromArray, type Initializer, normal } from "../init.js";
import type { BuildContext, Layer } from "../layer.js";
import type { NnOps } from "../ops.js";
import type { Param } from "../params.js";
import { type Buf, type IdTensor, isIdTensor, Scratch, type Tensor } from "../tensor.js";

export interface EmbeddingOptions {
  /** Vocabulary size. */
  inputDim: number;
  /** Vector size. */
  outputDim: number;
  /** Initial vectors, row-major [inputDim, outputDim] (e.g. pretrained word2vec). */
  weights?: ArrayLike<number>;
  /** false freezes the table: no gradient, optimizers skip it (default true). */
  trainable?: boolean;
  /** Default N(0, 1), as PyTorch's Embedding. */
  embeddingsInitializer?: Initializer;
  name?: string;
}

/**
 * Embedding lookup. ids [...] (Int32) -> y [..., outputDim]; weight [inputDim, outputDim].
 * The gradient is row-sparse: backward scatter-adds into the touched rows only and records them.
 */
export class Embedding implements Layer {
  readonly name: string;
  private readonly opts: EmbeddingOptions;
  private w!: Param;
  private ids!: IdTensor;
  private y!: Scratch;
  private ops!: NnOps;

  constructor(opts: EmbeddingOptions) {
    this.opts = opts;
    this.name = opts.name ?? "embedding";
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    const { inputDim, outputDim } = this.opts;
    const init = this.opts.weights
      ? fromArray(this.opts.weights)
      : (this.opts.embeddingsInitializer ?? normal(0, 1));
    this.w = ctx.params.add(`${ctx.prefix}weight`, [inputDim, outputDim], init, {
      trainable: this.opts.trainable ?? true,
      sparse: true,
    });
    this.y = new Scratch(ctx.arena);
    this.ops = ctx.ops;
    return [...input, outputDim];
  }

  /** The table [inputDim, outputDim], after build (a tied output layer shares it). */
  get weight(): Param {
    return this.w;
  }

  forward(x: Tensor | IdTensor): Tensor {
    if (!isIdTensor(x))
      throw new EmbedlmError("Embedding expects integer ids (Int32Array)", { field: this.name });
    const { inputDim, outputDim: d } = this.opts;
    this.ids = x;
    const y = this.y.get([...x.shape, d]);
    for (let i = 0; i < x.data.length; i++) {
      const id = x.data[i];
      if (id < 0 || id >= inputDim)
        throw new EmbedlmError(`id ${id} out of range [0, ${inputDim})`, { field: this.name });
    }
    this.ops.gatherRows(x.data.length, d, x.data, this.w.value.data, y.data);
    return y;
  }

  backward(dy: Tensor): undefined {
    if (!this.w.trainable) return undefined;
    const d = this.opts.outputDim;
    const ids = this.ids.data;
    this.ops.scatterAddRows(ids.length, d, ids, dy.data, this.w.grad.data);
    for (let i = 0; i < ids.length; i++) this.w.rows!.add(ids[i]);
    return undefined;
  }
}

export const embedding = (opts: EmbeddingOptions): Embedding => new Embedding(opts);

/**
 * The lookup: y [n, d] row i = w row ids[i] (ids checked by the caller). The readable twin of the
 * kernel in assembly/rows.ts.
 */
export function gatherRows(n: number, d: number, ids: Int32Array, w: Buf, y: Buf): void {
  for (let i = 0; i < n; i++) {
    const o = ids[i] * d;
    for (let j = 0; j < d; j++) y[i * d + j] = w[o + j];
  }
}

/** The sparse gradient: g row ids[i] += dy [n, d] row i (repeated ids accumulate). Twin of assembly/rows.ts. */
export function scatterAddRows(n: number, d: number, ids: Int32Array, dy: Buf, g: Buf): void {
  for (let i = 0; i < n; i++) {
    const o = ids[i] * d;
    for (let j = 0; j < d; j++) g[o + j] += dy[i * d + j];
  }
}
