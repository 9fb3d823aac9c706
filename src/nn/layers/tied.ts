import { EmbedlmError } from "../../util/errors.js";
import type { GemmFn } from "../gemm.js";
import { type Initializer, zeros } from "../init.js";
import { type BuildContext, type Layer, lastDim } from "../layer.js";
import type { Param } from "../params.js";
import { type IdTensor, Scratch, type Tensor } from "../tensor.js";
import type { Embedding } from "./embedding.js";

export interface TiedDenseOptions {
  /** Add the layer's own bias [V] (default true). */
  useBias?: boolean;
  /** Default zeros (PyTorch's word_language_model zeroes its decoder bias). */
  biasInitializer?: Initializer;
  name?: string;
}

/**
 * Output layer sharing an Embedding's table (input/output weight tying, Press & Wolf 2017):
 *   logits = h W_emb^T + b;  h [..., D] -> logits [..., V];  W_emb [V, D] is the embedding's weight,
 *   bias [V] is this layer's own.
 * The table's gradient is then dense: backward adds dlogits^T h into every row and records all rows
 * in the table's row set, so zeroGrad and the row-sparse plain SGD update every row (Adam and
 * momentum SGD run densely anyway). A frozen table (trainable false) stays frozen: the output
 * projection is frozen with it and only the bias trains.
 */
export class TiedDense implements Layer {
  readonly name: string;
  private readonly source: Embedding;
  private readonly opts: TiedDenseOptions;
  private w!: Param;
  private b: Param | undefined;
  private vocab = 0;
  private dim = 0;
  private x!: Tensor;
  private gemm!: GemmFn;
  private y!: Scratch;
  private dx!: Scratch;
  private ones!: Scratch;

  constructor(source: Embedding, opts: TiedDenseOptions = {}) {
    this.source = source;
    this.opts = opts;
    this.name = opts.name ?? "tied_dense";
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    const w = this.source.weight;
    if (w === undefined)
      throw new EmbedlmError("the embedding it is tied to must come before it in the model", {
        field: this.name,
      });
    this.w = w;
    [this.vocab, this.dim] = w.shape;
    const d = lastDim(input, this.name);
    if (d !== this.dim)
      throw new EmbedlmError(
        `input dimension ${d} differs from the tied embedding's dimension ${this.dim}; project to ${this.dim} first`,
        { field: this.name },
      );
    this.gemm = ctx.ops.gemm;
    if (this.opts.useBias ?? true)
      this.b = ctx.params.add(`${ctx.prefix}bias`, [this.vocab], this.opts.biasInitializer ?? zeros());
    this.y = new Scratch(ctx.arena);
    this.dx = new Scratch(ctx.arena);
    this.ones = new Scratch(ctx.arena);
    return [...input.slice(0, -1), this.vocab];
  }

  forward(xIn: Tensor | IdTensor): Tensor {
    const x = xIn as Tensor;
    this.x = x;
    const { vocab: V, dim: D } = this;
    const rows = x.data.length / D;
    const y = this.y.get([...x.shape.slice(0, -1), V]);
    if (this.b !== undefined) for (let r = 0; r < rows; r++) y.data.set(this.b.value.data, r * V);
    const beta = this.b ? 1 : 0;
    this.gemm(false, true, rows, V, D, 1, x.data, 0, D, this.w.value.data, 0, D, beta, y.data, 0, V);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const { vocab: V, dim: D } = this;
    const rows = dy.data.length / V;
    if (this.w.trainable) {
      this.gemm(true, false, V, D, rows, 1, dy.data, 0, V, this.x.data, 0, D, 1, this.w.grad.data, 0, D);
      const touched = this.w.rows;
      if (touched !== undefined && touched.count < V) for (let r = 0; r < V; r++) touched.add(r);
    }
    if (this.b !== undefined) {
      // Column sums of dy as a product with a ones vector, so they run on the GEMM kernel (as Dense).
      const ones = this.ones.get([rows]).data;
      if (ones[0] !== 1) ones.fill(1);
      this.gemm(false, false, 1, V, rows, 1, ones, 0, rows, dy.data, 0, V, 1, this.b.grad.data, 0, V);
    }
    const dx = this.dx.get(this.x.shape);
    this.gemm(false, false, rows, D, V, 1, dy.data, 0, V, this.w.value.data, 0, D, 0, dx.data, 0, D);
    return dx;
  }
}

export const tiedDense = (source: Embedding, opts?: TiedDenseOptions): TiedDense =>
  new TiedDense(source, opts);
