// Bengio et al. 2003's neural probabilistic language model (NPLM), as a [B, T] -> [B, T, V] model.
import type { BuildContext, Layer } from "../../nn/layer.js";
import { dense } from "../../nn/layers/dense.js";
import { dropout } from "../../nn/layers/dropout.js";
import { type Model, Sequential } from "../../nn/sequential.js";
import { type IdTensor, Scratch, type Tensor } from "../../nn/tensor.js";
import { checkInt, checkNumber, EmbedlmError } from "../../util/errors.js";
import type { NeuralArchitecture } from "./build.js";
import type { NeuralPreset } from "./config.js";
import { type BuildOptions, embeddingLayers, type IoConfig, lmModel, logitsLayers } from "./io-layers.js";

/** NPLM hyperparameters (Bengio et al. 2003's names in comments). */
export interface NplmConfig extends IoConfig {
  /** n: the model predicts a word from the n-1 words before it (default 5). */
  order?: number;
  /** Units h of the tanh hidden layer (default 100). */
  hiddenSize?: number;
  /** Stacked tanh hidden layers of h units (default 1, as the paper). */
  numLayers?: number;
  /** Bengio's direct connections W x from the concatenated embeddings to the output (default false). */
  directConnections?: boolean;
  /** Dropout on the concatenated embeddings and on the hidden layer (default 0; the paper had none). */
  dropout?: number;
}

export const NPLM_DEFAULTS = {
  order: 5,
  hiddenSize: 100,
  numLayers: 1,
  directConnections: false,
  dropout: 0,
} as const;

/**
 * ids [B, T] -> context ids [B, T, n-1]: position t gets the n-1 words ending with word t, oldest
 * first. The n-2 last ids of each batch row are carried into the next call (the model's state, as a
 * stateful LSTM carries h and c), so a stream fed in segments gets a full context everywhere; after
 * resetStates, or when the batch size changes, the missing words are `bos`.
 */
export class NgramContext implements Layer {
  readonly name = "ngram_context";
  private readonly width: number;
  private readonly bos: number;
  /** [B, n-2] the last ids seen per row, oldest first. */
  private carried = new Int32Array(0);
  private batch = -1;
  private out: IdTensor = { shape: [0], data: new Int32Array(0) };

  constructor(order: number, bos: number) {
    this.width = order - 1;
    this.bos = bos;
  }

  build(input: readonly (number | null)[], _ctx: BuildContext): (number | null)[] {
    if (input.length !== 1)
      throw new EmbedlmError(`expects ids [B, T], got [B, ${input}]`, { field: this.name });
    return [input[0], this.width];
  }

  // The output is integer ids for the Embedding after it; Layer types outputs as float tensors.
  forward(x: Tensor | IdTensor): Tensor {
    if (!(x.data instanceof Int32Array))
      throw new EmbedlmError("expects integer ids (Int32Array)", { field: this.name });
    const [B, T] = x.shape;
    const k = this.width;
    const keep = k - 1;
    if (B !== this.batch) {
      this.batch = B;
      this.carried = new Int32Array(B * keep);
      this.resetStates();
    }
    if (this.out.data.length !== B * T * k) this.out = { shape: [B, T, k], data: new Int32Array(B * T * k) };
    else this.out = { shape: [B, T, k], data: this.out.data };
    const ids = x.data as Int32Array;
    const o = this.out.data;
    const prev = this.carried;
    for (let b = 0; b < B; b++) {
      // Word at stream position p of this row: p < 0 reaches into the carried ids.
      const at = (p: number): number => (p >= 0 ? ids[b * T + p] : prev[b * keep + keep + p]);
      for (let t = 0; t < T; t++) for (let j = 0; j < k; j++) o[(b * T + t) * k + j] = at(t - keep + j);
      const last = Array.from({ length: keep }, (_, j) => at(T - keep + j));
      prev.set(last, b * keep);
    }
    return this.out as unknown as Tensor;
  }

  backward(): undefined {
    return undefined;
  }

  resetStates(): void {
    this.carried.fill(this.bos);
  }

  /**
   * The carried ids [B * (n-2)] as the layer's one state vector (Recurrent.state's shape of answer, so
   * training checkpoints keep it); undefined before the first batch and for a bigram model.
   */
  state(l: number): Int32Array[] | undefined {
    return l === 0 && this.batch >= 0 && this.carried.length > 0 ? [this.carried] : undefined;
  }
}

/** [..., a, b] -> [..., a * b]: the n-1 context embeddings side by side (a view, nothing copied). */
class Concat implements Layer {
  readonly name = "concat";
  private inShape: readonly number[] = [];

  build(input: readonly (number | null)[]): (number | null)[] {
    const [a, b] = input.slice(-2);
    return [...input.slice(0, -2), a === null || b === null ? null : a * b];
  }

  forward(xIn: Tensor | IdTensor): Tensor {
    const x = xIn as Tensor;
    this.inShape = x.shape;
    const s = x.shape;
    return { shape: [...s.slice(0, -2), s[s.length - 2] * s[s.length - 1]], data: x.data };
  }

  backward(dy: Tensor): Tensor {
    return { shape: this.inShape, data: dy.data };
  }
}

/** y = f(x) + g(x) for stacks of the same output shape (NPLM's direct connections beside the hidden layer). */
export class Sum implements Layer {
  readonly name = "sum";
  private readonly branches: Sequential[];
  private y!: Scratch;
  private dx!: Scratch;

  constructor(...branches: Layer[][]) {
    this.branches = branches.map((layers) => new Sequential(layers));
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    const shapes = this.branches.map((b, i) => b.build(input, { ...ctx, prefix: `${ctx.prefix}${i}.` }));
    if (shapes.some((s) => s.join() !== shapes[0].join()))
      throw new Error(`sum: the branches give different shapes ${shapes.map((s) => `[${s}]`).join(", ")}`);
    this.y = new Scratch(ctx.arena);
    this.dx = new Scratch(ctx.arena);
    return shapes[0];
  }

  forward(x: Tensor | IdTensor, training: boolean): Tensor {
    return addAll(
      this.branches.map((b) => b.forward(x, training)),
      this.y,
    );
  }

  backward(dy: Tensor): Tensor {
    return addAll(
      this.branches.map((b) => b.backward(dy)!),
      this.dx,
    );
  }

  resetStates(): void {
    for (const b of this.branches) b.resetStates();
  }
}

function addAll(terms: Tensor[], into: Scratch): Tensor {
  const y = into.get(terms[0].shape);
  y.data.set(terms[0].data);
  for (const t of terms.slice(1)) for (let i = 0; i < y.data.length; i++) y.data[i] += t.data[i];
  return y;
}

/**
 * The NPLM's layers: context ids -> embeddings C(w) concatenated (x) -> logits
 * y = b + W x + U tanh(d + H x) (W x only with direct connections; U is tied to C with `tie`).
 * ids [B, T] -> logits [B, T, V]; the logits at t predict word t+1.
 */
export function nplmLayers(config: NplmConfig, opts: BuildOptions = {}): Layer[] {
  const n = checkInt("order", config.order ?? NPLM_DEFAULTS.order, 2);
  const h = checkInt("hiddenSize", config.hiddenSize ?? NPLM_DEFAULTS.hiddenSize, 1);
  const depth = checkInt("numLayers", config.numLayers ?? NPLM_DEFAULTS.numLayers, 1);
  const rate = checkNumber("dropout", config.dropout ?? NPLM_DEFAULTS.dropout, 0, 0.999999);
  const bos = checkInt("bos", opts.bos ?? 0, 0, config.vocabSize - 1);
  // Bengio's embeddings are free parameters of size m, independent of h: no projection.
  const input = embeddingLayers(config, { init: opts.init });
  const hidden: Layer[] = [];
  for (let l = 0; l < depth; l++)
    hidden.push(dense({ units: h, activation: "tanh", name: "hidden" }), dropout({ rate }));
  hidden.push(...logitsLayers(config, input, h));
  const head: Layer[] = config.directConnections
    ? [new Sum(hidden, [dense({ units: config.vocabSize, useBias: false, name: "direct" })])]
    : hidden;
  return [new NgramContext(n, bos), ...input.layers, new Concat(), dropout({ rate }), ...head];
}

/** An NPLM as a Model: ids [B, T] (Int32) -> logits [B, T, V]. */
export function buildNplm(config: NplmConfig, opts: BuildOptions = {}): Model {
  return lmModel(nplmLayers(config, opts), "nplm", opts);
}

/**
 * The NPLM in the architecture registry. Its `context` is n-1; it counts as recurrent because it
 * carries its last words from one forward call to the next, so training and scoring read streams in
 * consecutive segments with the state kept, as for an LSTM.
 */
export const nplmArchitecture: NeuralArchitecture = {
  recurrent: true,
  contextSize: (c) => c.context,
  maxLength: () => Number.POSITIVE_INFINITY,
  build: (c, o) =>
    buildNplm(
      {
        vocabSize: o.vocabSize,
        embeddingDim: c.embeddingDim,
        order: c.context + 1,
        hiddenSize: c.hiddenSize,
        numLayers: c.numLayers,
        directConnections: c.directConnections,
        dropout: c.dropout,
        tie: c.tie,
        freezeEmbeddings: c.freezeEmbeddings,
      },
      { init: o.init, bos: o.bos, seed: o.seed, dropoutSeed: o.dropoutSeed, arena: o.arena, ops: o.ops },
    ),
};

/**
 * `--type nplm --preset bengio`: a 5-gram model with m = 60, h = 100, in the range of the paper's Brown
 * corpus models, trained with Adam (many short segments of n-1 words side by side: batch 128) on the
 * mean loss per predicted word (Bengio's per-example log-likelihood averaged over the minibatch, as
 * PyTorch's default reduction).
 */
export const nplmPresets: Record<"bengio", NeuralPreset> = {
  bengio: {
    model: {
      embeddingDim: 60,
      hiddenSize: 100,
      numLayers: 1,
      dropout: 0,
      tie: false,
      freezeEmbeddings: false,
      context: NPLM_DEFAULTS.order - 1,
      initRange: 0,
      directConnections: false,
    },
    train: {
      epochs: 10,
      optimizer: "adam",
      lr: 1e-3,
      lrDecay: 0.5,
      decayAfter: 4,
      clip: 5,
      batchSize: 128,
      lossReduction: "mean",
    },
  },
};
