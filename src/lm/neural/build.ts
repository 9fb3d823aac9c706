import { type Initializer, uniform } from "../../nn/init.js";
import type { Layer } from "../../nn/layer.js";
import { dense } from "../../nn/layers/dense.js";
import { dropout } from "../../nn/layers/dropout.js";
import { embedding } from "../../nn/layers/embedding.js";
import { gru } from "../../nn/layers/gru.js";
import { lstm } from "../../nn/layers/lstm.js";
import type { RecurrentOptions } from "../../nn/layers/recurrent.js";
import type { NnOps } from "../../nn/ops.js";
import { type Model, sequential } from "../../nn/sequential.js";
import type { Arena } from "../../nn/tensor.js";
import { EmbedlmError } from "../../util/errors.js";
import type { NeuralKind, NeuralLmConfig } from "./config.js";

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
  /** Initial embedding rows [vocabSize, embeddingDim] (e.g. from KeyedVectors), instead of random ones. */
  embeddingWeights?: ArrayLike<number>;
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
}

/** Zaremba's uniform initialisation of every weight, or undefined for each layer's default. */
function initializer(config: NeuralLmConfig): Initializer | undefined {
  return config.initRange > 0 ? uniform(-config.initRange, config.initRange) : undefined;
}

/** The embedding and its dropout: ids [B, T] -> [B, T, embeddingDim]. */
export function inputLayers(config: NeuralLmConfig, opts: BuildNeuralOptions): Layer[] {
  const layers: Layer[] = [
    embedding({
      inputDim: opts.vocabSize,
      outputDim: config.embeddingDim,
      weights: opts.embeddingWeights,
      trainable: !config.freezeEmbeddings,
      embeddingsInitializer: initializer(config),
    }),
  ];
  if (config.dropout > 0) layers.push(dropout({ rate: config.dropout }));
  return layers;
}

/** Dropout and the softmax layer's logits: [B, T, inDim] -> [B, T, V]. */
export function outputLayers(config: NeuralLmConfig, opts: BuildNeuralOptions): Layer[] {
  if (config.tie)
    throw new EmbedlmError(
      "weight tying is not available yet in this build (it comes with the tied output layer)",
      {
        field: "tie",
      },
    );
  const init = initializer(config);
  const layers: Layer[] = [];
  if (config.dropout > 0) layers.push(dropout({ rate: config.dropout }));
  layers.push(dense({ units: opts.vocabSize, kernelInitializer: init, biasInitializer: init }));
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
      return sequential([...inputLayers(config, opts), rnn, ...outputLayers(config, opts)], {
        inputShape: [null],
        seed: opts.seed,
        dropoutSeed: opts.dropoutSeed,
        arena: opts.arena,
        ops: opts.ops,
      });
    },
  };
}

/** The architectures by kind; one entry each. */
export const architectures: Partial<Record<NeuralKind, NeuralArchitecture>> = {
  lstm: recurrentArchitecture(lstm),
  gru: recurrentArchitecture(gru),
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
