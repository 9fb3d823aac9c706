import { checkInt, checkNumber, EmbedlmError } from "../../util/errors.js";
import { gptPresets } from "./gpt.js";
import { nplmPresets } from "./nplm.js";

/** The neural language model architectures (src/lm/neural/build.ts maps each to a builder). */
export type NeuralKind = "nplm" | "lstm" | "gru" | "gpt";
export const neuralKinds: readonly NeuralKind[] = ["nplm", "lstm", "gru", "gpt"];

/** What a neural language model is: enough to rebuild it (saved as the model directory's config.json). */
export interface NeuralLmConfig {
  kind: NeuralKind;
  /** Embedding (input vector) size. */
  embeddingDim: number;
  /** Hidden size: LSTM/GRU units, NPLM hidden layer, GPT model width. */
  hiddenSize: number;
  /** Stacked recurrent layers / Transformer blocks (NPLM: hidden layers). */
  numLayers: number;
  /** Dropout rate on the embedding output, between layers and before the output layer (Zaremba's placement). */
  dropout: number;
  /** Share the output layer's weights with the embedding (Press & Wolf; Inan et al.). */
  tie: boolean;
  /** Keep the embedding fixed during training (e.g. pretrained vectors). */
  freezeEmbeddings: boolean;
  /**
   * Tokens a prediction sees: the truncated-BPTT length for LSTM/GRU (training segments; the state
   * carries on beyond it), n-1 for NPLM, the block size for GPT.
   */
  context: number;
  /**
   * LSTM/GRU: all weights U(-initRange, initRange) (Zaremba: 0.1 small, 0.05 medium, 0.04 large);
   * 0: each layer's default. NPLM and GPT keep their own initialisations: training refuses > 0.
   */
  initRange: number;
  /** GPT: attention heads. */
  heads?: number;
  /** NPLM: Bengio's direct connections from the embeddings to the output. */
  directConnections?: boolean;
  /**
   * How text (files, prompts) becomes tokens: "whitespace" (default; PTB-style files are tokenized
   * already) or "unicode" (embedlm's Tokenizer with its defaults, for raw text).
   */
  tokenizer?: "whitespace" | "unicode";
}

/**
 * How the per-token cross-entropies of a training segment [B, L] make the loss whose gradient is
 * taken (and which `clip` and an L2 weight decay are measured against): "sum-over-time" averages
 * over the batch and sums over the L steps (Zaremba et al.; their lr 1 and clip 5 refer to it),
 * "mean" averages over all B L tokens (PyTorch's CrossEntropyLoss default, minGPT's and nanoGPT's):
 * its gradient is 1/L of the other's.
 */
export type LossReduction = "sum-over-time" | "mean";
export const lossReductions: readonly LossReduction[] = ["sum-over-time", "mean"];

/** How a model is trained (the part of a preset that is not the model). */
export interface NeuralTrainConfig {
  /** Passes over the training text. */
  epochs: number;
  /** torch.optim's update rules: SGD, Adam (L2 weight decay), AdamW (decoupled weight decay). */
  optimizer: "sgd" | "adam" | "adamw";
  /** Learning rate of the first epochs. */
  lr: number;
  /** lr * lrDecay^max(epoch - decayAfter, 0), epochs counted from 1 (Zaremba's schedule). */
  lrDecay: number;
  /** Epochs at the full rate. */
  decayAfter: number;
  /** Global gradient-norm clipping threshold (0: none), on the gradient of the `lossReduction` loss. */
  clip: number;
  /** Contiguous streams side by side (LSTM/GRU/NPLM) or blocks (GPT) per step. */
  batchSize: number;
  /**
   * The training loss (see LossReduction); default "sum-over-time". The LSTM/GRU presets use
   * "sum-over-time", the GPT and NPLM presets "mean". A resumed run keeps its checkpoint's
   * (checkpoints written before this setting existed: "sum-over-time").
   */
  lossReduction?: LossReduction;
}

export interface NeuralPreset {
  model: Omit<NeuralLmConfig, "kind">;
  train: NeuralTrainConfig;
}

const zaremba = (
  hidden: number,
  dropout: number,
  initRange: number,
  bptt: number,
  train: Partial<NeuralTrainConfig>,
): NeuralPreset => ({
  model: {
    embeddingDim: hidden,
    hiddenSize: hidden,
    numLayers: 2,
    dropout,
    tie: false,
    freezeEmbeddings: false,
    context: bptt,
    initRange,
  },
  train: {
    epochs: 13,
    optimizer: "sgd",
    lr: 1,
    lrDecay: 0.5,
    decayAfter: 4,
    clip: 5,
    batchSize: 20,
    lossReduction: "sum-over-time",
    ...train,
  },
});

/**
 * Zaremba, Sutskever & Vinyals 2014, "Recurrent Neural Network Regularization" (their ptb_word_lm
 * configurations): small 2x200 no dropout, 13 epochs, SGD lr 1 halved after epoch 4, clip 5, bptt
 * 20, batch 20; medium 2x650, dropout 0.5, 39 epochs, decay 0.8 after epoch 6, bptt 35; large
 * 2x1500, dropout 0.65, 55 epochs, decay 1/1.15 after epoch 14, clip 10, bptt 35.
 */
export const zarembaPresets: Record<"small" | "medium" | "large", NeuralPreset> = {
  small: zaremba(200, 0, 0.1, 20, {}),
  medium: zaremba(650, 0.5, 0.05, 35, { epochs: 39, lrDecay: 0.8, decayAfter: 6 }),
  large: zaremba(1500, 0.65, 0.04, 35, { epochs: 55, lrDecay: 1 / 1.15, decayAfter: 14, clip: 10 }),
};
export type PresetName = keyof typeof zarembaPresets;

/** The presets of a kind by name, and the default one. */
export function neuralPresets(kind: NeuralKind): { presets: Record<string, NeuralPreset>; default: string } {
  if (kind === "gpt") return { presets: gptPresets, default: "nano" };
  if (kind === "nplm") return { presets: nplmPresets, default: "bengio" };
  return { presets: zarembaPresets, default: "small" };
}

/** Checks a config (from options or a config.json) field by field; returns it. */
export function checkConfig(c: NeuralLmConfig, file?: string): NeuralLmConfig {
  try {
    if (!neuralKinds.includes(c.kind))
      throw new EmbedlmError(`unknown model kind '${c.kind}' (expected ${neuralKinds.join(", ")})`, {
        field: "kind",
      });
    for (const f of ["embeddingDim", "hiddenSize", "numLayers", "context"] as const) checkInt(f, c[f], 1);
    checkNumber("dropout", c.dropout, 0, 0.99);
    checkNumber("initRange", c.initRange, 0);
    if (c.tokenizer !== undefined && c.tokenizer !== "whitespace" && c.tokenizer !== "unicode")
      throw new EmbedlmError(`expected whitespace or unicode, got '${String(c.tokenizer)}'`, {
        field: "tokenizer",
      });
    for (const f of ["tie", "freezeEmbeddings"] as const)
      if (typeof c[f] !== "boolean")
        throw new EmbedlmError(`expected true or false, got ${String(c[f])}`, { field: f });
  } catch (e) {
    // The field is in the message already; add the file it came from.
    if (e instanceof EmbedlmError && file !== undefined) throw new EmbedlmError(e.message, { file });
    throw e;
  }
  return c;
}
