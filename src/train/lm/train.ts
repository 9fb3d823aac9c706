import { appendFile, mkdir, readdir, stat, truncate } from "node:fs/promises";
import { join } from "node:path";
import { architecture, buildNeuralModel } from "../../lm/neural/build.js";
import {
  checkConfig,
  type LossReduction,
  lossReductions,
  type NeuralLmConfig,
  type NeuralTrainConfig,
} from "../../lm/neural/config.js";
import type { VectorInit } from "../../lm/neural/embedding-init.js";
import {
  readModelHeader,
  STATE_TENSORS,
  saveModelFiles,
  WEIGHTS_FILE,
  writeModelHeader,
} from "../../lm/neural/io.js";
import { configTokenizer, NeuralLanguageModel, NeuralVocab } from "../../lm/neural/model.js";
import { NgramContext } from "../../lm/neural/nplm.js";
import { loadWeights, saveWeights } from "../../nn/checkpoint.js";
import { Recurrent } from "../../nn/layers/recurrent.js";
import { adam, adamw, clipGradNorm, type Optimizer, sgd } from "../../nn/optim.js";
import type { NnRuntime } from "../../nn/runtime.js";
import type { StTensor } from "../../nn/safetensors.js";
import type { Model } from "../../nn/sequential.js";
import { checkInt, checkNumber, EmbedlmError } from "../../util/errors.js";
import { buildVocabulary, encodeTokens, readTokens, StreamBatches } from "./data.js";

export const CHECKPOINT_FILE = "checkpoint.safetensors";
export const METRICS_FILE = "metrics.jsonl";
const TRAIN_META = "embedlm.train";

/** Options of `trainNeuralLm`: the model, Zaremba-style hyperparameters, and where things go. */
export interface TrainLmOptions extends NeuralTrainConfig {
  /** The model to build (see NeuralLmConfig; its `context` is the BPTT length / block size). */
  config: NeuralLmConfig;
  /** The model directory (config.json, vocab.txt, weights.safetensors = best, checkpoint, metrics). */
  output: string;
  /** Decoupled (AdamW) or L2 (SGD, Adam) weight decay (default: the optimizer's, 0 / 0.01 for AdamW). */
  weightDecay?: number;
  /** Stop after this many epochs without a better validation perplexity (default: never). */
  patience?: number;
  /** Seed of the initialisation; dropout uses seed + 1 (default 1). */
  seed?: number;
  /** Run on this runtime's WebAssembly kernels (default: the TypeScript references). */
  runtime?: NnRuntime;
  /** Continue from the directory's checkpoint, with the same data, model and schedule. */
  resume?: boolean;
  /** Also checkpoint every this many minutes within an epoch (default 0: at epoch ends only). */
  checkpointMinutes?: number;
  /**
   * Stop after this many optimizer steps in all, with a checkpoint, as if killed there
   * (`resume` continues; for tests and short measurements). Default: no limit.
   */
  maxSteps?: number;
  /**
   * A training-time budget in minutes (the steps' time over the whole run, resumed parts included;
   * validation and testing excluded). When the next step, if as slow as the slowest so far, would
   * overrun it, the epoch ends there and is validated, kept if best and tested like a last epoch, so
   * that models compare within one wall-clock budget.
   * Default: no limit.
   */
  maxMinutes?: number;
  /** When aborted (e.g. on Ctrl-C), training stops after the current step with a checkpoint. */
  signal?: AbortSignal;
  /** Steps between metrics lines (default 100). */
  logEvery?: number;
  /**
   * Word vectors for the embedding, matched to the training vocabulary once it is known (e.g.
   * `(words) => matchVectors(words, vectors)`); not called on resume (the checkpoint has the weights).
   */
  initVectors?: (words: readonly string[]) => VectorInit | Promise<VectorInit>;
  /** Called after every step (progress display). */
  onStep?: (s: StepInfo) => void;
  /** Called after every epoch. */
  onEpoch?: (r: EpochRecord) => void;
}

export interface StepInfo {
  epoch: number;
  /** Segment done within the epoch, and segments per epoch. */
  segment: number;
  segments: number;
  step: number;
  /** Mean cross-entropy per token over the epoch so far. */
  loss: number;
  lr: number;
  tokensPerSecond: number;
}

export interface EpochRecord {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainPerplexity: number;
  validPerplexity: number;
  /**
   * Training seconds and tokens of the epoch (validation excluded), and their ratio; an epoch
   * resumed after a stop counts the time before the stop too.
   */
  seconds: number;
  tokens: number;
  tokensPerSecond: number;
  validSeconds: number;
}

export interface TrainLmResult {
  /**
   * "done" (all epochs), "early" (patience ran out), "max-minutes" (the time budget was spent),
   * "max-steps" (stopped by maxSteps) or "interrupted" (the signal); the last two are resumable.
   */
  stopped: "done" | "early" | "max-minutes" | "max-steps" | "interrupted";
  epochs: EpochRecord[];
  steps: number;
  vocabSize: number;
  parameters: number;
  trainTokens: number;
  validTokens: number;
  bestEpoch: number;
  bestValidPerplexity: number;
  /** Test perplexity of the best weights, when a test file is given and training finished. */
  testPerplexity?: number;
  testTokens?: number;
  /** Training tokens per second over all steps of this run (validation excluded). */
  trainTokensPerSecond: number;
  /** Wall seconds of this run. */
  seconds: number;
  /** Where training resumed (epoch, segment), when it did. */
  resumedFrom?: { epoch: number; segment: number; step: number };
  /** The training loss used: the option's, or on resume the checkpoint's. */
  lossReduction: LossReduction;
}

/** The loop's position and history, saved in the checkpoint's metadata. */
interface LoopState {
  /** The epoch in progress (1-based) and the next segment within it. */
  epoch: number;
  segment: number;
  step: number;
  bestValid: number;
  bestEpoch: number;
  badEpochs: number;
  history: EpochRecord[];
  /** The epoch's running loss sum and tokens so far. */
  lossSum: number;
  lossTokens: number;
  /**
   * The epoch's training milliseconds and tokens so far, so that an epoch resumed after a stop
   * reports its whole time (older checkpoints lack them: read as 0, the time before the stop is lost).
   */
  epochMs: number;
  epochTokens: number;
  rng: number[];
  /** What must match to resume: model, vocabulary size and the schedule. */
  key: string;
  /**
   * The training text's token count: with the same vocabulary, a longer or shorter file would
   * otherwise resume at a position of another epoch layout (older checkpoints lack it: not checked).
   */
  trainTokens: number;
  /** The training loss; a resumed run keeps it (older checkpoints lack it: "sum-over-time", their loss). */
  lossReduction: LossReduction;
  /**
   * The loss, tokens and milliseconds since the last step record, so that a resumed run logs the
   * same records (older checkpoints lack them: from 0).
   */
  sinceLog: { loss: number; tokens: number; ms: number };
  /**
   * The metrics file's length when the checkpoint was written: a resumed run cuts what a killed
   * process appended after it (steps it will log again, a half-written line). Older checkpoints lack it.
   */
  metricsBytes?: number;
}

/** Zaremba's schedule: lr * decay^max(epoch - decayAfter, 0), epochs from 1. */
export function epochLr(o: NeuralTrainConfig, epoch: number): number {
  return o.lr * o.lrDecay ** Math.max(epoch - o.decayAfter, 0);
}

function makeOptimizer(o: TrainLmOptions, net: Model): Optimizer {
  const wd = o.weightDecay;
  switch (o.optimizer) {
    case "sgd":
      return sgd(net.params, { lr: o.lr, weightDecay: wd });
    case "adam":
      return adam(net.params, { lr: o.lr, weightDecay: wd });
    case "adamw":
      return adamw(net.params, { lr: o.lr, weightDecay: wd });
    default:
      throw new EmbedlmError(`unknown optimizer '${String(o.optimizer)}' (expected sgd, adam, adamw)`, {
        field: "optimizer",
      });
  }
}

function checkOptions(o: TrainLmOptions): void {
  checkConfig(o.config);
  architecture(o.config.kind);
  checkInt("epochs", o.epochs, 1);
  checkNumber("lr", o.lr, 0);
  checkNumber("lrDecay", o.lrDecay, 0, 1);
  checkInt("decayAfter", o.decayAfter, 0);
  checkNumber("clip", o.clip, 0);
  if (o.weightDecay !== undefined) checkNumber("weightDecay", o.weightDecay, 0);
  if (o.lossReduction !== undefined && !lossReductions.includes(o.lossReduction))
    throw new EmbedlmError(
      `expected ${lossReductions.map((r) => `"${r}"`).join(" or ")}, got '${String(o.lossReduction)}'`,
      { field: "lossReduction" },
    );
  // The NPLM and GPT builders keep their own initialisations (Bengio's, nanoGPT's).
  if (o.config.initRange > 0 && o.config.kind !== "lstm" && o.config.kind !== "gru")
    throw new EmbedlmError(
      `a uniform initialisation is for LSTM and GRU only; ${o.config.kind} keeps its own (give 0)`,
      { field: "initRange" },
    );
  checkInt("batchSize", o.batchSize, 1);
  if (o.patience !== undefined) checkInt("patience", o.patience, 1);
  if (o.maxSteps !== undefined) checkInt("maxSteps", o.maxSteps, 1);
  if (o.maxMinutes !== undefined && !(o.maxMinutes > 0))
    throw new EmbedlmError(`expected a number of minutes > 0, got ${o.maxMinutes}`, { field: "maxMinutes" });
  if (o.checkpointMinutes !== undefined) checkNumber("checkpointMinutes", o.checkpointMinutes, 0);
}

/**
 * Calls `fn` with every carried state buffer (recurrent layers' h/c, the NPLM's last words) and its
 * checkpoint name "state.<layer>.<l>.<k>".
 */
function forEachState(
  net: Model,
  fn: (name: string, v: Float32Array | Float64Array | Int32Array) => void,
): void {
  net.net.layers.forEach((layer, i) => {
    if (!(layer instanceof Recurrent || layer instanceof NgramContext)) return;
    for (let l = 0; ; l++) {
      const s = layer.state(l);
      if (s === undefined) break;
      s.forEach((v, k) => {
        fn(`${STATE_TENSORS}${i}.${l}.${k}`, v);
      });
    }
  });
}

function stateTensors(net: Model): Record<string, StTensor> {
  const out: Record<string, StTensor> = {};
  forEachState(net, (name, v) => {
    out[name] = { shape: [v.length], data: Float32Array.from(v) };
  });
  return out;
}

function restoreStates(net: Model, tensors: Record<string, StTensor>): void {
  forEachState(net, (name, v) => {
    const t = tensors[name];
    if (t === undefined || t.data.length !== v.length)
      throw new EmbedlmError(`the checkpoint has no recurrent state ${name} of ${v.length} values`);
    v.set(t.data);
  });
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    if (!(await stat(dir)).isDirectory())
      throw new EmbedlmError("exists and is not a directory", { file: dir });
    return (await readdir(dir)).length === 0;
  } catch (e) {
    if (e instanceof EmbedlmError) throw e;
    return true;
  }
}

/**
 * Trains a neural language model on a token file with truncated BPTT (lm_torch.py's data handling:
 * `batchSize` contiguous streams, state carried across segments and reset at each epoch; the loss for
 * the gradient is `lossReduction`'s, by default the per-step cross-entropy averaged over the batch
 * and summed over the segment's steps, Zaremba's convention that lr 1 refers to). After every epoch:
 * validation perplexity (batch 1, one continuous stream), the best weights saved as weights.safetensors, a checkpoint with the
 * optimizer state, and a metrics line. A NaN or infinite loss stops training with an error; the last
 * checkpoint stays as it was.
 */
export async function trainNeuralLm(
  trainFile: string,
  validFile: string,
  o: TrainLmOptions,
  testFile?: string,
): Promise<TrainLmResult> {
  checkOptions(o);
  const t0 = performance.now();
  const dir = o.output;
  const bptt = o.config.context;
  const tokenizer = configTokenizer(o.config);
  const trainTokens = await readTokens(trainFile, tokenizer);
  const words = buildVocabulary(trainTokens);
  const vocab = new NeuralVocab(words);
  const V = vocab.size;
  const train = new StreamBatches(encodeTokens(trainTokens, vocab).ids, o.batchSize, bptt, trainFile);
  const heldOut = async (file: string, what: string) => {
    const ids = encodeTokens(await readTokens(file, tokenizer), vocab).ids;
    if (ids.length < 2) throw new EmbedlmError(`the ${what} text needs at least 2 tokens`, { file });
    return ids;
  };
  const valid = await heldOut(validFile, "validation");
  // Read now: a bad test file must not surface only after the whole training.
  const testIds = testFile === undefined ? undefined : await heldOut(testFile, "test");
  const key = JSON.stringify({
    config: o.config,
    vocabSize: V,
    // Not the epochs: a finished run can be resumed with more of them (the schedule is the same).
    train: [o.optimizer, o.lr, o.lrDecay, o.decayAfter, o.clip, o.batchSize, o.weightDecay ?? null],
    seed: o.seed ?? 1,
  });

  const ckptPath = join(dir, CHECKPOINT_FILE);
  if (o.resume) {
    const header = await readModelHeader(dir);
    if (JSON.stringify(header.config) !== JSON.stringify(o.config))
      throw new EmbedlmError(
        `the checkpoint is of another model: ${JSON.stringify(header.config)}, this run asks for ${JSON.stringify(o.config)}`,
        { file: join(dir, "config.json") },
      );
    if (header.vocab.words.length !== V || header.vocab.words.some((w, i) => w !== words[i]))
      throw new EmbedlmError(
        `the checkpoint's vocabulary (${header.vocab.size} words) is not the one of ${trainFile} (${V} words): resume with the same training file`,
        { file: join(dir, "vocab.txt") },
      );
  } else if (!(await isEmptyDir(dir)))
    throw new EmbedlmError(
      "the output directory is not empty: use --resume to continue its training, or another -o",
      {
        file: dir,
      },
    );

  const seed = o.seed ?? 1;
  const net = buildNeuralModel(o.config, {
    vocabSize: V,
    seed,
    dropoutSeed: seed + 1,
    arena: o.runtime?.arena,
    ops: o.runtime,
    init: o.initVectors && !o.resume ? await o.initVectors(words) : undefined,
    bos: vocab.eos,
  });
  const lm = new NeuralLanguageModel(o.config, vocab, net);
  const opt = makeOptimizer(o, net);
  const ops = net.params.ops;
  const B = o.batchSize;
  const xBuf = new Int32Array(B * bptt);
  const yBuf = new Int32Array(B * bptt);

  let st: LoopState = {
    epoch: 1,
    segment: 0,
    step: 0,
    bestValid: Number.POSITIVE_INFINITY,
    bestEpoch: 0,
    badEpochs: 0,
    history: [],
    lossSum: 0,
    lossTokens: 0,
    epochMs: 0,
    epochTokens: 0,
    rng: net.rng.getState(),
    key,
    trainTokens: trainTokens.length,
    lossReduction: o.lossReduction ?? "sum-over-time",
    sinceLog: { loss: 0, tokens: 0, ms: 0 },
  };
  let resumedFrom: TrainLmResult["resumedFrom"];
  if (o.resume) {
    let file: Awaited<ReturnType<typeof loadWeights>>;
    try {
      file = await loadWeights(ckptPath, net.params, opt, [STATE_TENSORS]);
    } catch (e) {
      throw new EmbedlmError(`cannot resume from the checkpoint: ${(e as Error).message}`, {
        file: ckptPath,
      });
    }
    const meta = file.metadata[TRAIN_META];
    if (meta === undefined)
      throw new EmbedlmError("not a training checkpoint (no loop state)", { file: ckptPath });
    // Older checkpoints lack the fields added since (see LoopState).
    type Added = "epochMs" | "epochTokens" | "trainTokens" | "lossReduction" | "sinceLog";
    const saved = JSON.parse(meta) as Omit<LoopState, Added> & Partial<Pick<LoopState, Added>>;
    if (saved.key !== key)
      throw new EmbedlmError(
        `the checkpoint was trained with other settings: ${saved.key}; this run: ${key}`,
        { file: ckptPath },
      );
    if (saved.trainTokens !== undefined && saved.trainTokens !== trainTokens.length)
      throw new EmbedlmError(
        `the checkpoint was trained on ${saved.trainTokens} tokens, ${trainFile} has ${trainTokens.length}: resume with the same training file`,
        { file: ckptPath },
      );
    // JSON has no Infinity: a run checkpointed before its first validation saved null.
    st = {
      ...saved,
      trainTokens: trainTokens.length,
      lossReduction: saved.lossReduction ?? "sum-over-time",
      bestValid: saved.bestValid ?? Number.POSITIVE_INFINITY,
      epochMs: saved.epochMs ?? 0,
      epochTokens: saved.epochTokens ?? 0,
      sinceLog: saved.sinceLog ?? { loss: 0, tokens: 0, ms: 0 },
    };
    net.rng.setState(st.rng);
    if (st.segment > 0 && st.segment < train.count) {
      // The states exist once a batch of this shape has gone through; then they take the saved values.
      net.forward(train.segment(0, xBuf, yBuf).input, false);
      restoreStates(net, file.tensors);
    }
    resumedFrom = { epoch: st.epoch, segment: st.segment, step: st.step };
  } else {
    await mkdir(dir, { recursive: true });
    await writeModelHeader(dir, o.config, words);
  }

  const metricsPath = join(dir, METRICS_FILE);
  const metricsSize = async () => (await stat(metricsPath).catch(() => undefined))?.size ?? 0;
  if (st.metricsBytes !== undefined && (await metricsSize()) > st.metricsBytes)
    await truncate(metricsPath, st.metricsBytes);
  const metric = (rec: Record<string, unknown>) =>
    appendFile(metricsPath, `${JSON.stringify({ ...rec, time: Date.now() / 1000 })}\n`);
  let checkpointed = o.resume === true;
  const checkpoint = async () => {
    // Never replace a good checkpoint by a diverged state.
    const values = net.params.values;
    for (let i = 0; i < values.length; i++)
      if (!Number.isFinite(values[i])) diverged(`weight ${i} is ${values[i]}`, st.epoch, opt.lr, st.step);
    st.rng = net.rng.getState();
    st.metricsBytes = await metricsSize();
    await saveWeights(ckptPath, net.params, opt, {
      tensors: stateTensors(net),
      metadata: { [TRAIN_META]: JSON.stringify(st) },
    });
    checkpointed = true;
  };

  const checkpointMs = (o.checkpointMinutes ?? 0) * 60_000;
  const logEvery = o.logEvery ?? 100;
  let lastCheckpoint = performance.now();
  let runTrainMs = 0;
  let runTokens = 0;
  let stopped: TrainLmResult["stopped"] = "done";
  const budgetMs = (o.maxMinutes ?? Number.POSITIVE_INFINITY) * 60_000;
  // Training time of the epochs already done (by earlier processes too); the current one's is st.epochMs.
  let doneMs = st.history.reduce((sum, e) => sum + e.seconds * 1000, 0);
  let slowestMs = 0;
  const diverged = (what: string, epoch: number, lr: number, step = st.step + 1): never => {
    throw new EmbedlmError(
      `training diverged: ${what} at epoch ${epoch}, step ${step} (lr ${lr}); ` +
        `${checkpointed ? `the last good checkpoint in ${dir} is kept` : "no checkpoint was written yet"}: try a smaller --lr or --clip`,
      { file: dir },
    );
  };
  epochs: while (st.epoch <= o.epochs) {
    const epoch = st.epoch;
    const lr = epochLr(o, epoch);
    opt.lr = lr;
    if (st.segment === 0) {
      net.resetStates();
      st.lossSum = 0;
      st.lossTokens = 0;
      st.epochMs = 0;
      st.epochTokens = 0;
      st.sinceLog = { loss: 0, tokens: 0, ms: 0 };
    }
    let epochMs = 0;
    let epochTokens = 0;
    const since = st.sinceLog;
    let budgetSpent = false;
    for (; st.segment < train.count && !budgetSpent; ) {
      const ts = performance.now();
      const { input, targets } = train.segment(st.segment, xBuf, yBuf);
      const L = input.shape[1];
      net.zeroGrad();
      const logits = net.forward(input, true);
      // Mean over the batch's tokens, times L for Zaremba's sum over the steps; the gradient
      // overwrites the logits.
      const scale = st.lossReduction === "mean" ? 1 : L;
      const loss = ops.softmaxCrossEntropy(logits.data, targets, V, logits.data, { scale });
      if (!Number.isFinite(loss)) diverged(`the loss is ${loss}`, epoch, lr);
      net.backward({ shape: logits.shape, data: logits.data });
      const norm = o.clip > 0 ? clipGradNorm(net.params, o.clip) : 0;
      if (!Number.isFinite(norm)) diverged(`the gradient norm is ${norm}`, epoch, lr);
      opt.step();
      st.step++;
      st.segment++;
      const n = targets.length;
      st.lossSum += loss * n;
      st.lossTokens += n;
      const ms = performance.now() - ts;
      epochMs += ms;
      epochTokens += n;
      st.epochMs += ms;
      st.epochTokens += n;
      runTrainMs += ms;
      runTokens += n;
      since.loss += loss * n;
      since.tokens += n;
      since.ms += ms;
      const tokensPerSecond = (epochTokens / epochMs) * 1000;
      o.onStep?.({
        epoch,
        segment: st.segment,
        segments: train.count,
        step: st.step,
        loss: st.lossSum / st.lossTokens,
        lr,
        tokensPerSecond,
      });
      if (st.step % logEvery === 0) {
        const mean = since.loss / since.tokens;
        await metric({
          type: "step",
          step: st.step,
          epoch,
          loss: mean,
          perplexity: Math.exp(mean),
          lr,
          tokens_per_s: (since.tokens / since.ms) * 1000,
        });
        since.loss = 0;
        since.tokens = 0;
        since.ms = 0;
      }
      // Stop before a step that would end past the budget. The slowest step of this run foretells
      // the next: the last one alone let a slower next step overrun (GPT-mini, 18.2 s of 18 beside
      // another job).
      slowestMs = Math.max(slowestMs, ms);
      budgetSpent = doneMs + st.epochMs + slowestMs > budgetMs;
      // Let signal handlers (Ctrl-C) run: the step itself never yields to the event loop.
      if (o.signal) await new Promise<void>((resolve) => setImmediate(resolve));
      const stop =
        o.signal?.aborted === true
          ? "interrupted"
          : o.maxSteps !== undefined && st.step >= o.maxSteps
            ? "max-steps"
            : undefined;
      if (stop || (checkpointMs > 0 && performance.now() - lastCheckpoint >= checkpointMs)) {
        await checkpoint();
        lastCheckpoint = performance.now();
      }
      if (stop) {
        stopped = stop;
        break epochs;
      }
    }
    const tv = performance.now();
    const score = lm.scoreStream(valid);
    const validPerplexity = Math.exp(-score.logProb / score.tokens);
    if (!Number.isFinite(validPerplexity))
      diverged(`the validation perplexity is ${validPerplexity}`, epoch, lr);
    const trainLoss = st.lossSum / st.lossTokens;
    const rec: EpochRecord = {
      epoch,
      lr,
      trainLoss,
      trainPerplexity: Math.exp(trainLoss),
      validPerplexity,
      seconds: st.epochMs / 1000,
      tokens: st.epochTokens,
      tokensPerSecond: (st.epochTokens / st.epochMs) * 1000,
      validSeconds: (performance.now() - tv) / 1000,
    };
    st.history.push(rec);
    doneMs += st.epochMs;
    await metric({
      type: "epoch",
      step: st.step,
      epoch,
      lr,
      loss: trainLoss,
      perplexity: rec.trainPerplexity,
      valid_perplexity: validPerplexity,
      tokens_per_s: rec.tokensPerSecond,
      seconds: rec.seconds,
      valid_seconds: rec.validSeconds,
    });
    if (validPerplexity < st.bestValid) {
      st.bestValid = validPerplexity;
      st.bestEpoch = epoch;
      st.badEpochs = 0;
      await saveModelFiles(dir, o.config, words, net.params);
    } else st.badEpochs++;
    o.onEpoch?.(rec);
    st.segment = 0;
    st.epoch = epoch + 1;
    await checkpoint();
    lastCheckpoint = performance.now();
    if (budgetSpent) {
      stopped = "max-minutes";
      break;
    }
    if (o.patience !== undefined && st.badEpochs >= o.patience) {
      stopped = "early";
      break;
    }
  }

  let test: { testPerplexity: number; testTokens: number } | undefined;
  if (testIds !== undefined && !["interrupted", "max-steps"].includes(stopped) && st.bestEpoch > 0) {
    await loadWeights(join(dir, WEIGHTS_FILE), net.params);
    const s = lm.scoreStream(testIds);
    test = { testPerplexity: Math.exp(-s.logProb / s.tokens), testTokens: s.tokens };
    await metric({ type: "test", test_perplexity: test.testPerplexity, epoch: st.bestEpoch });
  }
  return {
    stopped,
    epochs: st.history,
    steps: st.step,
    vocabSize: V,
    parameters: net.params.size,
    trainTokens: train.tokensPerEpoch,
    validTokens: valid.length - 1,
    bestEpoch: st.bestEpoch,
    bestValidPerplexity: st.bestValid,
    ...test,
    trainTokensPerSecond: runTrainMs > 0 ? (runTokens / runTrainMs) * 1000 : 0,
    seconds: (performance.now() - t0) / 1000,
    ...(resumedFrom ? { resumedFrom } : {}),
    lossReduction: st.lossReduction,
  };
}
