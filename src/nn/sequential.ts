import { EmbedlmError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import type { BuildContext, Layer } from "./layer.js";
import { type NnOps, referenceOps } from "./ops.js";
import { ParamStore } from "./params.js";
import { Arena, type DType, type IdTensor, type Tensor } from "./tensor.js";

/** Layers applied in order; parameter names are prefixed with the layer's index ("0.weight", "1.weight_ih_l0"). */
export class Sequential implements Layer {
  readonly name: string;
  readonly layers: Layer[];

  constructor(layers: Layer[], name = "sequential") {
    this.layers = layers;
    this.name = name;
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    let shape = [...input];
    this.layers.forEach((layer, i) => {
      shape = layer.build(shape, { ...ctx, prefix: `${ctx.prefix}${i}.` });
    });
    return shape;
  }

  forward(x: Tensor | IdTensor, training: boolean): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y, training);
    return y as Tensor;
  }

  backward(dy: Tensor): Tensor | undefined {
    let d: Tensor | undefined = dy;
    for (let i = this.layers.length - 1; i >= 0 && d !== undefined; i--) d = this.layers[i].backward(d);
    return d;
  }

  resetStates(): void {
    for (const layer of this.layers) layer.resetStates?.();
  }
}

export interface ModelOptions {
  /** Input shape without the batch dimension; null for a free sequence length (e.g. [null] for ids). */
  inputShape: (number | null)[];
  /** Seed of the initializers (default 1). */
  seed?: number;
  /** Seed of dropout masks (default seed + 1). */
  dropoutSeed?: number;
  /** "float32" (default) or "float64" (gradient checks). */
  dtype?: DType;
  /** Where parameters and activations live (default: JavaScript typed arrays). */
  arena?: Arena;
  /** The compute (default: the TypeScript references; an NnRuntime for the WebAssembly kernels). */
  ops?: NnOps;
}

/** A built model: its layers, one parameter store, forward/backward over whole batches. */
export class Model {
  readonly net: Sequential;
  readonly params: ParamStore;
  readonly arena: Arena;
  readonly outputShape: (number | null)[];
  /** The generator of dropout masks (its state is saved with training checkpoints). */
  readonly rng: Rng;

  private readonly inputShape: readonly (number | null)[];

  constructor(net: Sequential, opts: ModelOptions) {
    this.net = net;
    this.inputShape = [...opts.inputShape];
    this.arena = opts.arena ?? new Arena(opts.dtype ?? "float32");
    const ops = opts.ops ?? referenceOps;
    this.params = new ParamStore(this.arena, ops);
    const seed = opts.seed ?? 1;
    this.rng = new Rng(opts.dropoutSeed ?? seed + 1);
    this.outputShape = net.build(opts.inputShape, {
      params: this.params,
      arena: this.arena,
      rng: this.rng,
      ops,
      prefix: "",
    });
    this.params.allocate(seed);
  }

  /** x [B, ...input] -> [B, ...output]; `training` enables dropout. */
  forward(x: Tensor | IdTensor, training = false): Tensor {
    // The layers size their loops from the data's length: a wrong shape would run, and wrongly.
    const want = this.inputShape;
    const n = x.shape.reduce((a, b) => a * b, 1);
    if (
      x.shape.length !== want.length + 1 ||
      want.some((d, i) => d !== null && d !== x.shape[i + 1]) ||
      x.data.length !== n
    )
      throw new EmbedlmError(
        `input of shape [${x.shape}] with ${x.data.length} values; the model takes [batch, ${want.map((d) => d ?? "any")}]`,
        { field: "input" },
      );
    return this.net.forward(x, training);
  }

  /** Adds dLoss/dParams into `params.grads` from dLoss/dOutput. */
  backward(dy: Tensor): void {
    this.net.backward(dy);
  }

  zeroGrad(): void {
    this.params.zeroGrad();
  }

  resetStates(): void {
    this.net.resetStates();
  }
}

/**
 * Keras-like builder:
 *   sequential([embedding({inputDim: 10000, outputDim: 200}), lstm({units: 200, numLayers: 2,
 *     returnSequences: true, stateful: true}), dense({units: 10000})], {inputShape: [null]})
 */
export function sequential(layers: Layer[], opts: ModelOptions): Model {
  return new Model(new Sequential(layers), opts);
}
