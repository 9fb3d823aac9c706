// The neural side of `embedlm lm`: training options and run (lm train --type lstm|gru|nplm|gpt), and
// opening a model of either kind on the WebAssembly runtime. Not a command itself: lm.ts uses it.
import { stat } from "node:fs/promises";
import { type Command, Option } from "commander";
import { type LoadOptions, loadLanguageModel } from "../../lm/load.js";
import type { LanguageModel } from "../../lm/model.js";
import {
  type NeuralKind,
  type NeuralLmConfig,
  type NeuralTrainConfig,
  neuralKinds,
  neuralPresets,
} from "../../lm/neural/config.js";
import { type Coverage, describeCoverage, matchVectors } from "../../lm/neural/embedding-init.js";
import { resolveEmbeddingDim } from "../../lm/neural/io-layers.js";
import { configTokenizer, type NeuralLanguageModel } from "../../lm/neural/model.js";
import { createNnRuntime, type NnRuntime } from "../../nn/runtime.js";
import { encodeTokens, readTokens } from "../../train/lm/data.js";
import { type EpochRecord, trainNeuralLm } from "../../train/lm/train.js";
import { EmbedlmError } from "../../util/errors.js";
import { readVectors } from "../../vectors/io.js";
import { type CommandContext, floatOption, intOption, threadsOption } from "../common.js";
import type { ProgressBar } from "../progress.js";

export interface NeuralTrainFlags {
  type: string;
  output?: string;
  valid?: string;
  test?: string;
  preset?: string;
  initVectors?: string;
  initVectorsIgnoreCase?: boolean;
  freezeEmbeddings?: boolean;
  tie?: boolean;
  epochs?: number;
  lr?: number;
  lrDecay?: number;
  decayAfter?: number;
  optimizer?: NeuralTrainConfig["optimizer"];
  weightDecay?: number;
  batchSize?: number;
  bptt?: number;
  hidden?: number;
  layers?: number;
  heads?: number;
  directConnections?: boolean;
  dropout?: number;
  embDim?: number;
  initRange?: number;
  clip?: number;
  threads?: number;
  seed: number;
  resume?: boolean;
  checkpointMinutes?: number;
  patience?: number;
  maxSteps?: number;
  maxMinutes?: number;
  rawText?: boolean;
}

/** The neural options that apply to some kinds only (e.g. `heads` to GPT); the others apply to all. */
const KIND_OPTIONS: Record<string, readonly NeuralKind[]> = {
  heads: ["gpt"],
  directConnections: ["nplm"],
  // The NPLM and GPT keep their own initialisations (Bengio's / nanoGPT's).
  initRange: ["lstm", "gru"],
};

/** The model types a neural `lm train` option (its attribute name, e.g. "maxSteps") applies to. */
export function neuralOptionKinds(key: string): readonly NeuralKind[] {
  return KIND_OPTIONS[key] ?? neuralKinds;
}

/** "preset: LSTM/GRU 5/10, NPLM 5, GPT 1": a training setting's values in each kind's presets. */
function presetValues(field: keyof NeuralTrainConfig): string {
  const kinds = [
    ["LSTM/GRU", "lstm"],
    ["NPLM", "nplm"],
    ["GPT", "gpt"],
  ] as const;
  const values = (kind: NeuralKind) =>
    [...new Set(Object.values(neuralPresets(kind).presets).map((p) => String(p.train[field])))].join("/");
  return `preset: ${kinds.map(([label, kind]) => `${label} ${values(kind)}`).join(", ")}`;
}

/** Adds the neural training options to `lm train`. */
export function neuralTrainOptions(cmd: Command): Command {
  return cmd
    .option(
      "--valid <file>",
      "neural: validation text (perplexity after every epoch; the best epoch is kept)",
    )
    .option("--test <file>", "neural: test text, scored with the best weights at the end")
    .addOption(
      new Option(
        "--preset <name>",
        "neural: configuration: LSTM/GRU small|medium|large (Zaremba et al. 2014; default small), NPLM bengio, GPT nano|micro|mini|gpt2 (default nano)",
      ).choices(["small", "medium", "large", "bengio", "nano", "micro", "mini", "gpt2"]),
    )
    .option(
      "--init-vectors <file>",
      "neural: initialise the embedding from word vectors (word2vec, GloVe, fastText .vec, native; uncovered words random)",
    )
    .option(
      "--init-vectors-ignore-case",
      "neural: a word without a vector takes that of its lowercase or another case form",
    )
    .option("--freeze-embeddings", "neural: do not train the embedding")
    .option("--tie", "neural: tie the output layer's weights to the embedding (GPT: default)")
    .option("--no-tie", "neural: an output layer of its own (GPT)")
    .option("--epochs <n>", "neural: epochs", intOption("--epochs", 1))
    .addOption(
      new Option("--optimizer <name>", `neural: optimizer (${presetValues("optimizer")})`).choices([
        "sgd",
        "adam",
        "adamw",
      ]),
    )
    .option("--lr <x>", `neural: learning rate (${presetValues("lr")})`, floatOption("--lr", { min: 0 }))
    .option(
      "--lr-decay <x>",
      "neural: lr *= this each epoch after --decay-after",
      floatOption("--lr-decay", { min: 0, max: 1 }),
    )
    .option("--decay-after <n>", "neural: epochs at the full rate", intOption("--decay-after", 0))
    .option(
      "--weight-decay <x>",
      "neural: weight decay (default: the optimizer's, 0; AdamW 0.01)",
      floatOption("--weight-decay", { min: 0 }),
    )
    .option(
      "--batch-size <n>",
      `neural: streams side by side (${presetValues("batchSize")})`,
      intOption("--batch-size", 1),
    )
    .option(
      "--bptt <n>",
      "neural: steps unrolled (LSTM/GRU) or context / block size (NPLM, GPT)",
      intOption("--bptt", 1),
    )
    .option("--hidden <n>", "neural: hidden size", intOption("--hidden", 1))
    .option("--layers <n>", "neural: layers", intOption("--layers", 1))
    .option("--heads <n>", "neural: GPT attention heads (preset)", intOption("--heads", 1))
    .option("--direct-connections", "neural: NPLM direct connections from the embeddings to the output")
    .option("--emb-dim <n>", "neural: embedding size (default: --hidden)", intOption("--emb-dim", 1))
    .option("--dropout <x>", "neural: dropout rate", floatOption("--dropout", { min: 0, max: 0.99 }))
    .option(
      "--init-range <x>",
      "neural (LSTM/GRU): initialise every weight U(-x, x); 0: layer defaults",
      floatOption("--init-range", { min: 0 }),
    )
    .option(
      "--clip <x>",
      `neural: global gradient-norm clipping, 0: none (${presetValues("clip")})`,
      floatOption("--clip", { min: 0 }),
    )
    .option("--threads <n>", "neural: compute threads (default: CPU cores, at most 4)", threadsOption)
    .option("--seed <n>", "neural: random seed (initialisation, dropout)", intOption("--seed", 0), 1)
    .option("--resume", "neural: continue the training checkpointed in the -o directory")
    .option(
      "--checkpoint-minutes <x>",
      "neural: also checkpoint every x minutes within an epoch (0: at epoch ends only)",
      floatOption("--checkpoint-minutes", { min: 0 }),
      10,
    )
    .option(
      "--patience <n>",
      "neural: stop after n epochs without a better validation perplexity",
      intOption("--patience", 1),
    )
    .option(
      "--max-steps <n>",
      "neural: stop after n steps in all, with a checkpoint (--resume continues)",
      intOption("--max-steps", 1),
    )
    .option(
      "--max-minutes <x>",
      "neural: a training-time budget; when spent, the epoch ends there, is validated and the model tested",
      floatOption("--max-minutes", { above: 0 }),
    )
    .option(
      "--raw-text",
      "neural: tokenize the files with embedlm's tokenizer (default: whitespace-separated tokens, PTB style)",
    );
}

/** The model config and training hyperparameters: the preset, then the flags given. */
export function neuralSettings(o: NeuralTrainFlags): {
  config: NeuralLmConfig;
  train: NeuralTrainConfig;
  preset: string;
} {
  const kind = o.type as NeuralKind;
  const { presets, default: fallback } = neuralPresets(kind);
  const name = o.preset ?? fallback;
  const preset = presets[name];
  if (preset === undefined)
    throw new EmbedlmError(
      `preset '${name}' is not one of --type ${kind}'s (${Object.keys(presets).join(", ")})`,
      { field: "--preset" },
    );
  const hidden = o.hidden ?? preset.model.hiddenSize;
  const config: NeuralLmConfig = {
    kind,
    ...preset.model,
    hiddenSize: hidden,
    embeddingDim: o.embDim ?? (o.hidden !== undefined ? hidden : preset.model.embeddingDim),
    numLayers: o.layers ?? preset.model.numLayers,
    ...(o.heads !== undefined ? { heads: o.heads } : {}),
    ...(o.directConnections !== undefined ? { directConnections: o.directConnections } : {}),
    dropout: o.dropout ?? preset.model.dropout,
    tie: o.tie ?? preset.model.tie,
    freezeEmbeddings: o.freezeEmbeddings ?? false,
    context: o.bptt ?? preset.model.context,
    initRange: o.initRange ?? preset.model.initRange,
    ...(o.rawText ? { tokenizer: "unicode" as const } : {}),
  };
  const train: NeuralTrainConfig = {
    epochs: o.epochs ?? preset.train.epochs,
    optimizer: o.optimizer ?? preset.train.optimizer,
    lr: o.lr ?? preset.train.lr,
    lrDecay: o.lrDecay ?? preset.train.lrDecay,
    decayAfter: o.decayAfter ?? preset.train.decayAfter,
    clip: o.clip ?? preset.train.clip,
    batchSize: o.batchSize ?? preset.train.batchSize,
    lossReduction: preset.train.lossReduction,
  };
  return { config, train, preset: name };
}

/** `embedlm lm train --type lstm|gru|nplm|gpt`. */
export async function trainNeural(
  ctx: CommandContext,
  corpus: string[],
  o: NeuralTrainFlags,
): Promise<Record<string, unknown>> {
  if (!o.output) throw new EmbedlmError("give -o DIR, the model directory to write", { field: "-o" });
  if (!o.valid) throw new EmbedlmError("give --valid FILE, the validation text", { field: "--valid" });
  if (corpus.length !== 1)
    throw new EmbedlmError(`expected one training file, got ${corpus.length}`, { field: "<corpus>" });
  const { config, train, preset } = neuralSettings(o);
  const vectorsFile = o.initVectors;
  const vectors = vectorsFile === undefined ? undefined : readVectors(vectorsFile);
  let coverage: Coverage | undefined;
  if (vectors !== undefined)
    // The vectors decide the embedding size unless --emb-dim asks for one (then they must agree).
    config.embeddingDim = resolveEmbeddingDim(
      { embeddingDim: o.embDim },
      { dim: vectors.dim, source: vectorsFile },
    );
  const runtime = await createNnRuntime({ threads: o.threads });
  // Ctrl-C or a kill (TERM): finish the step, checkpoint, stop; a second signal exits at once. The
  // exit status is then the shell's for that signal (130, 143), so `lm train ... && lm eval ...`
  // does not go on with a half-trained model.
  const abort = new AbortController();
  const signalStatus = (sig: NodeJS.Signals) => (sig === "SIGTERM" ? 143 : 130);
  let caught: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(signalStatus(sig));
    ctx.warn(`${sig}: stopping after this step with a checkpoint (continue with --resume)`);
    caught = sig;
    abort.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let bar: ProgressBar | undefined;
  const epochLine = (r: EpochRecord) =>
    `epoch ${r.epoch}: lr ${r.lr.toPrecision(4)}, train ppl ${r.trainPerplexity.toFixed(2)}, valid ppl ${r.validPerplexity.toFixed(2)}, ${Math.round(r.tokensPerSecond)} tokens/s, ${r.seconds.toFixed(1)} s`;
  try {
    const r = await trainNeuralLm(
      corpus[0],
      o.valid,
      {
        ...train,
        config,
        output: o.output,
        weightDecay: o.weightDecay,
        patience: o.patience,
        seed: o.seed,
        runtime,
        resume: o.resume,
        checkpointMinutes: o.checkpointMinutes,
        maxSteps: o.maxSteps,
        maxMinutes: o.maxMinutes,
        signal: abort.signal,
        initVectors:
          vectors === undefined
            ? undefined
            : (words) => {
                const init = matchVectors(words, vectors, {
                  caseInsensitive: o.initVectorsIgnoreCase,
                  source: vectorsFile,
                });
                coverage = init.coverage;
                ctx.log(`init vectors: ${describeCoverage(init.coverage)}`);
                return init;
              },
        onStep: (s) => {
          if (s.segment === 1 || bar === undefined) {
            bar?.stop();
            bar = ctx.progress(`epoch ${s.epoch}/${train.epochs}`, s.segments, "steps");
          }
          bar.update(
            s.segment,
            `loss ${s.loss.toFixed(3)} ppl ${Math.exp(s.loss).toFixed(1)} lr ${s.lr.toPrecision(3)}`,
          );
          if (s.segment === s.segments) {
            bar.stop();
            bar = undefined;
          }
        },
        onEpoch: (rec) => ctx.log(epochLine(rec)),
      },
      o.test,
    );
    bar?.stop();
    const last = r.epochs[r.epochs.length - 1];
    if (r.stopped === "max-minutes")
      ctx.log(`stopped when the ${o.maxMinutes}-minute training budget was spent`);
    if (r.stopped === "max-steps") ctx.log(`stopped after ${r.steps} steps as asked; continue with --resume`);
    if (r.stopped === "interrupted") {
      ctx.log(`interrupted after ${r.steps} steps; continue with --resume`);
      if (caught !== undefined) process.exitCode = signalStatus(caught);
    }
    if (r.stopped === "early")
      ctx.log(`stopped early: no better validation perplexity for ${o.patience} epochs`);
    if (r.bestEpoch > 0)
      ctx.log(
        `best validation perplexity ${r.bestValidPerplexity.toFixed(2)} (epoch ${r.bestEpoch}), saved in ${o.output}`,
      );
    if (r.testPerplexity !== undefined)
      ctx.log(`test perplexity ${r.testPerplexity.toFixed(2)} on ${r.testTokens} tokens`);
    ctx.log(`${r.trainTokensPerSecond.toFixed(0)} training tokens/s, ${r.seconds.toFixed(1)} s in all`);
    return {
      type: config.kind,
      preset,
      config,
      // On resume, the loss of the checkpoint (older ones: Zaremba's), whatever the preset says now.
      train: { ...train, lossReduction: r.lossReduction },
      threads: o.threads,
      stopped: r.stopped,
      epochsDone: r.epochs.length,
      steps: r.steps,
      vocab: r.vocabSize,
      parameters: r.parameters,
      trainTokens: r.trainTokens,
      trainTokensPerSecond: r.trainTokensPerSecond,
      validPerplexity: last?.validPerplexity,
      bestValidPerplexity: r.bestEpoch > 0 ? r.bestValidPerplexity : undefined,
      bestEpoch: r.bestEpoch,
      testPerplexity: r.testPerplexity,
      seconds: r.seconds,
      epochs: r.epochs,
      output: o.output,
      ...(coverage ? { initVectors: { file: vectorsFile, ...coverage } } : {}),
      ...(r.resumedFrom ? { resumedFrom: r.resumedFrom } : {}),
    };
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    bar?.stop();
    await runtime.close();
  }
}

/**
 * Opens a model of any kind; a neural one runs on the WebAssembly kernels with `threads` threads
 * (1: no worker threads; undefined: the runtime's default, CPU cores, at most 4). `close` releases them.
 */
export async function openModel(
  path: string,
  threads?: number,
): Promise<{ model: LanguageModel; close: () => Promise<void> }> {
  const isDir = await stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const opts: LoadOptions = {};
  let runtime: NnRuntime | undefined;
  if (isDir) {
    runtime = await createNnRuntime({ threads });
    opts.runtime = runtime;
  }
  try {
    const model = await loadLanguageModel(path, opts);
    return { model, close: async () => runtime?.close() };
  } catch (e) {
    await runtime?.close();
    throw e;
  }
}

/**
 * Perplexity of a neural model on token files read as one continuous stream (`<eos>` after each
 * line, state carried throughout: lm_torch.py's evaluation, the usual PTB figure).
 */
export async function streamPerplexity(
  model: NeuralLanguageModel,
  files: string[],
): Promise<Record<string, unknown>> {
  const tokens: string[] = [];
  const tokenizer = configTokenizer(model.config);
  for (const f of files) for (const t of await readTokens(f, tokenizer)) tokens.push(t);
  const { ids, oov } = encodeTokens(tokens, model.vocab);
  if (ids.length < 2) throw new EmbedlmError("fewer than 2 tokens to score", { file: files.join(", ") });
  const t0 = performance.now();
  const s = model.scoreStream(ids);
  const seconds = (performance.now() - t0) / 1000;
  return {
    mode: "stream",
    tokens: s.tokens,
    oov,
    logProb: s.logProb,
    log10Prob: s.logProb / Math.LN10,
    perplexity: Math.exp(-s.logProb / s.tokens),
    seconds,
    tokensPerSecond: s.tokens / seconds,
  };
}
