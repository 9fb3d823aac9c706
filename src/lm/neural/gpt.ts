// GPT-mini: a pre-LayerNorm decoder-only Transformer language model (GPT-2 / nanoGPT layout).
import { normal, zeros } from "../../nn/init.js";
import type { Layer } from "../../nn/layer.js";
import { multiHeadAttention } from "../../nn/layers/attention.js";
import { dense } from "../../nn/layers/dense.js";
import { dropout } from "../../nn/layers/dropout.js";
import { layerNorm } from "../../nn/layers/layernorm.js";
import { positionEmbedding } from "../../nn/layers/position.js";
import { residual } from "../../nn/layers/residual.js";
import type { Model } from "../../nn/sequential.js";
import { checkInt, checkNumber, EmbedlmError } from "../../util/errors.js";
import type { NeuralArchitecture } from "./build.js";
import type { NeuralPreset } from "./config.js";
import { type BuildOptions, embeddingLayers, type IoConfig, lmModel, logitsLayers } from "./io-layers.js";

/** GPT hyperparameters (nanoGPT's GPTConfig names in comments). */
export interface GptConfig extends IoConfig {
  /** n_layer: Transformer blocks. */
  numLayers: number;
  /** n_head: attention heads; hiddenSize must be divisible by it. */
  numHeads: number;
  /** n_embd: the model's width. The embedding size E defaults to it (else a projection maps E to it). */
  hiddenSize: number;
  /** block_size: the longest sequence the model reads (its learned positions). */
  blockSize: number;
  /** dropout after the embeddings and on each block's residual branches (default 0). */
  dropout?: number;
  /** Tie the output layer to the embedding table (default true, as GPT-2 and nanoGPT). */
  tie?: boolean;
}

export type GptPresetName = "nano" | "micro" | "mini" | "gpt2";

/**
 * Sizes by name: minGPT's gpt-nano / gpt-micro / gpt-mini and nanoGPT's default gpt2 (124M parameters
 * with its 50,257 tokens), all with minGPT's dropout 0.1; block sizes are ours for word-level corpora
 * (gpt2's is its 1024).
 */
export const GPT_PRESETS: Record<
  GptPresetName,
  Pick<GptConfig, "numLayers" | "numHeads" | "hiddenSize" | "blockSize" | "dropout">
> = {
  nano: { numLayers: 3, numHeads: 3, hiddenSize: 48, blockSize: 64, dropout: 0.1 },
  micro: { numLayers: 4, numHeads: 4, hiddenSize: 128, blockSize: 128, dropout: 0.1 },
  mini: { numLayers: 6, numHeads: 6, hiddenSize: 192, blockSize: 128, dropout: 0.1 },
  gpt2: { numLayers: 12, numHeads: 12, hiddenSize: 768, blockSize: 1024, dropout: 0.1 },
};

/** A preset by name ("mini" or minGPT's "gpt-mini"). */
export function gptPreset(name: string): (typeof GPT_PRESETS)[GptPresetName] {
  const key = name.replace(/^gpt-/, "") as GptPresetName;
  const preset = GPT_PRESETS[key];
  if (preset === undefined)
    throw new EmbedlmError(
      `unknown GPT preset '${name}' (expected one of ${Object.keys(GPT_PRESETS).join(", ")})`,
      { field: "preset" },
    );
  return preset;
}

/**
 * The layers: token embedding (+ ReLU projection when E differs from n_embd) + learned positions,
 * dropout, n_layer blocks x -> x + Drop(Attn(LN(x))) -> x + Drop(MLP(LN(x))) with a GELU MLP of
 * width 4 n_embd, a final LayerNorm and the output layer (tied by default). ids [B, T] -> logits
 * [B, T, V] with T <= blockSize; causal, so the logits at t see words 0..t only and predict word t+1.
 * Weights start as nanoGPT's: N(0, 0.02) for linear layers and embeddings, N(0, 0.02 / sqrt(2 n_layer))
 * for the projections back into the residual stream, zero biases; attention keeps PyTorch's
 * nn.MultiheadAttention init (Xavier uniform, zero biases).
 */
export function gptLayers(config: GptConfig, opts: BuildOptions = {}): Layer[] {
  const L = checkInt("numLayers", config.numLayers, 1);
  const heads = checkInt("numHeads", config.numHeads, 1);
  const D = checkInt("hiddenSize", config.hiddenSize, 1);
  const block = checkInt("blockSize", config.blockSize, 1);
  const rate = checkNumber("dropout", config.dropout ?? 0, 0, 0.999999);
  if (D % heads !== 0)
    throw new EmbedlmError(`hiddenSize (n_embd) ${D} is not divisible by numHeads (n_head) ${heads}`, {
      field: "numHeads",
    });
  const w = normal(0, 0.02);
  const residualOut = normal(0, 0.02 / Math.sqrt(2 * L));
  const input = embeddingLayers(
    { ...config, tie: config.tie ?? true },
    { modelDim: D, init: opts.init, initializer: w },
  );
  const layers: Layer[] = [
    ...input.layers,
    // Named so the error for a too long sequence says what to change.
    positionEmbedding({ maxLength: block, name: "block_size" }),
    dropout({ rate }),
  ];
  for (let l = 0; l < L; l++)
    layers.push(
      residual([layerNorm(), multiHeadAttention({ numHeads: heads }), dropout({ rate })]),
      residual([
        layerNorm(),
        dense({ units: 4 * D, activation: "gelu", kernelInitializer: w, biasInitializer: zeros() }),
        dense({ units: D, kernelInitializer: residualOut, biasInitializer: zeros() }),
        dropout({ rate }),
      ]),
    );
  layers.push(
    layerNorm(),
    ...logitsLayers({ ...config, tie: config.tie ?? true }, input, D, {
      kernelInitializer: w,
      biasInitializer: zeros(),
    }),
  );
  return layers;
}

/** A GPT as a Model: ids [B, T] (Int32, T <= blockSize) -> logits [B, T, V]. */
export function buildGpt(config: GptConfig, opts: BuildOptions = {}): Model {
  return lmModel(gptLayers(config, opts), "gpt", opts);
}

/** GPT in the architecture registry: `context` is the block size, `heads` n_head. */
export const gptArchitecture: NeuralArchitecture = {
  recurrent: false,
  contextSize: (c) => c.context,
  maxLength: (c) => c.context,
  // Causal: padding after the last token changes no earlier position. Powers of two: a few lengths,
  // at most twice the work of one forward call.
  paddedLength: (n, c) => Math.min(2 ** Math.ceil(Math.log2(Math.max(n, 1))), c.context),
  build: (c, o) => {
    if (c.heads === undefined)
      throw new EmbedlmError("a GPT needs its number of attention heads (--heads)", { field: "heads" });
    return buildGpt(
      {
        vocabSize: o.vocabSize,
        embeddingDim: c.embeddingDim,
        numLayers: c.numLayers,
        numHeads: c.heads,
        hiddenSize: c.hiddenSize,
        blockSize: c.context,
        dropout: c.dropout,
        tie: c.tie,
        freezeEmbeddings: c.freezeEmbeddings,
      },
      { init: o.init, seed: o.seed, dropoutSeed: o.dropoutSeed, arena: o.arena, ops: o.ops },
    );
  },
};

/**
 * `--type gpt --preset nano|micro|mini|gpt2`: the sizes of GPT_PRESETS, tied, trained with AdamW on
 * blocks of the stream, minGPT's way: the mean loss over the block's tokens, its gradient clipped at 1.
 */
export const gptPresets = Object.fromEntries(
  Object.entries(GPT_PRESETS).map(([name, p]) => [
    name,
    {
      model: {
        embeddingDim: p.hiddenSize,
        hiddenSize: p.hiddenSize,
        numLayers: p.numLayers,
        heads: p.numHeads,
        dropout: p.dropout ?? 0,
        tie: true,
        freezeEmbeddings: false,
        context: p.blockSize,
        initRange: 0,
      },
      train: {
        epochs: 10,
        optimizer: "adamw",
        lr: 1e-3,
        lrDecay: 0.8,
        decayAfter: 2,
        clip: 1,
        batchSize: 16,
        lossReduction: "mean",
      },
    },
  ]),
) as Record<GptPresetName, NeuralPreset>;
