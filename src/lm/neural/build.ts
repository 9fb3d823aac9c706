import { type Initializer, uniform } from "../../nn/init.js";
import type { Layer } from "../../nn/layer.js";
import { dropout } from "../../nn/layers/dropout.js";
import { gru } from "../../nn/layers/gru.js";
import { lstm } from "../../nn/layers/lstm.js";
import type { RecurrentOptions } from "../../nn/layers/recurrent.js";
import type { NnOps } from "../../nn/ops.js";
import type { Model } from "../../nn/sequential.js";
import type { Arena } from "../../nn/tensor.js";
import { EmbedlmError } from "../../util/errors.js";
import type { NeuralKind, NeuralLmConfig } from "./config.js";
import type { VectorInit } from "./embedding-init.js";
import { gptArchitecture } from "./gpt.js";
import { type EmbeddingLayers, embeddingLayers, lmModel, logitsLayers } from "./io-layers.js";
import { nplmArchitecture } from "./nplm.js";

/** What a builder needs beyond the config. */
export interface BuildNeuralOptions {
  vocabSize: number;
  /** Seed of the initializers (default 1). */
  seed?: number;
  /** Seed of the dropout masks (default seed + 1). */
  dropoutSeed?: number;
  /** Where parameters and activations live and what computes (an NnRuntime's, or the references). */
  arena?: Arena;
  ops?: NnOps;
  /** Word vectors matched to the vocabulary (src/lm/neural/embedding-init.ts): the embedding's initial rows. */
  init?: VectorInit;
  /** The sentence boundary id (`<eos>`): what the NPLM's context holds before the first word. */
  bos?: number;
}

/**
 * One architecture. `build` returns a model whose forward maps ids [B, T] (Int32) to logits [B, T, V]
 * where position t predicts token t+1. A recurrent model carries its state from one forward call to
 * the next (truncated BPTT; `resetStates` zeroes it); other models see only the ids of the call.
 */
export interface NeuralArchitecture {
  build(config: NeuralLmConfig, opts: BuildNeuralOptions): Model;
  readonly recurrent: boolean;
  /** Tokens a prediction can see (Infinity for a recurrent model). */
  contextSize(config: NeuralLmConfig): number;
  /** The longest input a forward call takes (Infinity: any). */
  maxLength(config: NeuralLmConfig): number;
  /**
   * The length to pad a scoring call of `n` tokens to, at its end, for a model whose positions see
   * only earlier ones and that carries nothing between calls. Each input length allocates its own
   * activations in the never-freeing WebAssembly arena: generation, whose context grows a token at a
   * time, and per-sentence scoring would otherwise allocate for every length up to the block size
   * (the output logits alone: V x 4 bytes x the sum of the lengths).
   */
  paddedLength?(n: number, config: NeuralLmConfig): number;
}

/** Zaremba's uniform initialisation of every weight, or undefined for each layer's default. */
function initializer(config: NeuralLmConfig): Initializer | undefined {
  return config.initRange > 0 ? uniform(-config.initRange, config.initRange) : undefined;
}

/**
 * The embedding (random or from `opts.init`, frozen or not) and its dropout: ids [B, T] ->
 * [B, T, embeddingDim]. The recurrent layer's input weights take any embeddingDim, as in PyTorch's
 * word_language_model: no projection.
 */
export function inputLayers(config: NeuralLmConfig, opts: BuildNeuralOptions): EmbeddingLayers {
  const input = embeddingLayers(
    { ...config, vocabSize: opts.vocabSize },
    { init: opts.init, initializer: initializer(config) },
  );
  if (config.dropout === 0) return input;
  return { ...input, layers: [...input.layers, dropout({ rate: config.dropout })] };
}

/** Dropout and the softmax layer's logits (dense, or tied to the embedding): [B, T, hiddenSize] -> [B, T, V]. */
export function outputLayers(
  config: NeuralLmConfig,
  opts: BuildNeuralOptions,
  input: EmbeddingLayers,
): Layer[] {
  const init = initializer(config);
  const layers: Layer[] = [];
  if (config.dropout > 0) layers.push(dropout({ rate: config.dropout }));
  layers.push(
    ...logitsLayers({ ...config, vocabSize: opts.vocabSize }, input, config.hiddenSize, {
      kernelInitializer: init,
      biasInitializer: init,
    }),
  );
  return layers;
}

function recurrentArchitecture(layer: (o: RecurrentOptions) => Layer): NeuralArchitecture {
  return {
    recurrent: true,
    contextSize: () => Number.POSITIVE_INFINITY,
    maxLength: () => Number.POSITIVE_INFINITY,
    build(config, opts) {
      const init = initializer(config);
      const rnn = layer({
        units: config.hiddenSize,
        numLayers: config.numLayers,
        returnSequences: true,
        stateful: true,
        dropout: config.dropout,
        kernelInitializer: init,
        recurrentInitializer: init,
        biasInitializer: init,
      });
      const input = inputLayers(config, opts);
      return lmModel([...input.layers, rnn, ...outputLayers(config, opts, input)], config.kind, opts);
    },
  };
}

/** The architectures by kind; one entry each. */
export const architectures: Partial<Record<NeuralKind, NeuralArchitecture>> = {
  lstm: recurrentArchitecture(lstm),
  gru: recurrentArchitecture(gru),
  nplm: nplmArchitecture,
  gpt: gptArchitecture,
};

export function architecture(kind: NeuralKind): NeuralArchitecture {
  const arch = architectures[kind];
  if (arch === undefined)
    throw new EmbedlmError(
      `model type '${kind}' is not available yet in this build (available: ${Object.keys(architectures).join(", ")})`,
      { field: "kind" },
    );
  return arch;
}

/** Builds the model a config describes. */
export function buildNeuralModel(config: NeuralLmConfig, opts: BuildNeuralOptions): Model {
  return architecture(config.kind).build(config, opts);
}
