// The input and output layers every neural language model shares: the embedding (random or from
// word vectors, frozen or fine-tuned), a projection when its size differs from the model's, and the
// output layer (a dense softmax layer or one tied to the embedding table).
import { type Initializer, normal } from "../../nn/init.js";
import type { Layer } from "../../nn/layer.js";
import { type Dense, dense } from "../../nn/layers/dense.js";
import { Embedding } from "../../nn/layers/embedding.js";
import { tiedDense } from "../../nn/layers/tied.js";
import type { NnOps } from "../../nn/ops.js";
import { Model, Sequential } from "../../nn/sequential.js";
import type { Arena, DType } from "../../nn/tensor.js";
import { checkInt, EmbedlmError } from "../../util/errors.js";
import { type VectorInit, vectorInitializer } from "./embedding-init.js";

/** What a model builder runs on, besides its configuration. */
export interface BuildOptions {
  /** Word vectors matched to the vocabulary, to initialise the embedding (matchVectors / loadVectorInit). */
  init?: VectorInit;
  /** The id that fills the context before the first word after resetStates (the `<eos>`/`<s>` id). Default 0. */
  bos?: number;
  /** The compute (default the TypeScript references; an NnRuntime for the WebAssembly kernels). */
  ops?: NnOps;
  /** Where parameters and activations live (an NnRuntime's arena with its ops). */
  arena?: Arena;
  /** "float64" for gradient checks (default float32). */
  dtype?: DType;
  /** Seed of the initializers (default 1). */
  seed?: number;
  /** Seed of the dropout masks (default seed + 1). */
  dropoutSeed?: number;
}

/** A language model's layers as a Model over ids [B, T] (Int32) -> logits [B, T, V]. */
export function lmModel(layers: Layer[], name: string, opts: BuildOptions): Model {
  return new Model(new Sequential(layers, name), {
    inputShape: [null],
    seed: opts.seed,
    dropoutSeed: opts.dropoutSeed,
    ops: opts.ops,
    arena: opts.arena,
    dtype: opts.dtype,
  });
}

/** The configuration fields the input and output layers read. */
export interface IoConfig {
  /** Vocabulary size V. */
  vocabSize: number;
  /**
   * Size E of the embedding vectors. Default: the init vectors' dimension, else the model's size.
   * Given together with init vectors of another dimension, it is an error (no silent projection).
   */
  embeddingDim?: number;
  /** Input/output weight tying (Press & Wolf 2017): the output layer uses the embedding table. */
  tie?: boolean;
  /** Keep the embedding table fixed (trainable false); with `tie` the output projection is fixed too. */
  freezeEmbeddings?: boolean;
}

export interface EmbeddingLayerOptions {
  /**
   * The width the model body needs (GPT's n_embd). When E differs, a learned projection
   * e = ReLU(W x + b) maps the embedding to it. Undefined: the embedding is passed on as it is (an
   * LSTM's input weights and the NPLM's concatenation take any E).
   */
  modelDim?: number;
  /** Word vectors matched to the vocabulary (matchVectors / loadVectorInit); uncovered rows stay random. */
  init?: VectorInit;
  /** The random initializer of the table (and of uncovered rows); default N(0, 1) as PyTorch's Embedding. */
  initializer?: Initializer;
}

/** The layers `embeddingLayers` made: give them to `logitsLayers` to tie. */
export interface EmbeddingLayers {
  /** The embedding, then the projection when there is one. */
  readonly layers: Layer[];
  readonly embedding: Embedding;
  /** E as resolved (store it in the model's configuration so a reload builds the same table). */
  readonly embeddingDim: number;
}

/**
 * E for a configuration and optional init vectors. Store the result as the configuration's
 * `embeddingDim` before training, so reloading the model without the vectors builds the same shapes.
 */
export function resolveEmbeddingDim(
  config: Pick<IoConfig, "embeddingDim">,
  init?: Pick<VectorInit, "dim" | "source">,
  fallback?: number,
): number {
  if (init !== undefined) {
    if (config.embeddingDim !== undefined && config.embeddingDim !== init.dim)
      throw new EmbedlmError(
        `the init vectors have dimension ${init.dim} but embeddingDim is ${config.embeddingDim}: leave embeddingDim (--emb-dim) unset to use ${init.dim} (projected to the model's size when it differs), or give vectors of dimension ${config.embeddingDim}`,
        { file: init.source, field: "embeddingDim" },
      );
    return init.dim;
  }
  const e = config.embeddingDim ?? fallback;
  if (e === undefined) throw new EmbedlmError("embeddingDim is required", { field: "embeddingDim" });
  return checkInt("embeddingDim", e, 1);
}

/** The embedding [V, E] (+ a ReLU projection to `modelDim` when E differs): ids [B, T] -> [B, T, modelDim ?? E]. */
export function embeddingLayers(config: IoConfig, opts: EmbeddingLayerOptions = {}): EmbeddingLayers {
  const vocab = checkInt("vocabSize", config.vocabSize, 1);
  const e = resolveEmbeddingDim(config, opts.init, opts.modelDim);
  if (opts.init !== undefined && opts.init.rows.length !== vocab)
    throw new EmbedlmError(
      `the init vectors were matched to ${opts.init.rows.length} words, the model has ${vocab}`,
      { file: opts.init.source, field: "vocabSize" },
    );
  const random = opts.initializer ?? normal(0, 1);
  const embedding = new Embedding({
    inputDim: vocab,
    outputDim: e,
    trainable: !(config.freezeEmbeddings ?? false),
    embeddingsInitializer: opts.init === undefined ? random : vectorInitializer(opts.init, random),
  });
  const layers: Layer[] = [embedding];
  if (opts.modelDim !== undefined && opts.modelDim !== e) layers.push(projection(opts.modelDim));
  return { layers, embedding, embeddingDim: e };
}

/** The founding design's projection e = ReLU(W x + b) from the embedding to the model's size. */
function projection(units: number): Dense {
  return dense({ units, activation: "relu", name: "projection" });
}

export interface LogitsLayerOptions {
  /** Initializers of an untied output layer (default PyTorch's Linear init). */
  kernelInitializer?: Initializer;
  biasInitializer?: Initializer;
}

/**
 * The output layers from the model's last hidden size H to logits [..., V]: a Dense layer, or with
 * `tie` the embedding table transposed (plus an own bias); when H differs from E a linear projection
 * H -> E (no bias) comes first, so the table can be shared (PyTorch's word_language_model refuses
 * that case instead).
 */
export function logitsLayers(
  config: IoConfig,
  input: EmbeddingLayers,
  hiddenSize: number,
  opts: LogitsLayerOptions = {},
): Layer[] {
  if (!(config.tie ?? false))
    return [
      dense({
        units: config.vocabSize,
        kernelInitializer: opts.kernelInitializer,
        biasInitializer: opts.biasInitializer,
      }),
    ];
  const out: Layer[] = [];
  if (hiddenSize !== input.embeddingDim)
    out.push(
      dense({
        units: input.embeddingDim,
        useBias: false,
        kernelInitializer: opts.kernelInitializer,
        name: "tie_projection",
      }),
    );
  out.push(tiedDense(input.embedding, { biasInitializer: opts.biasInitializer }));
  return out;
}
