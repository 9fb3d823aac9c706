import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import type { NeuralLmConfig } from "../../src/lm/neural/config.js";
import { neuralPresets, zarembaPresets } from "../../src/lm/neural/config.js";
import { loadNeuralLm } from "../../src/lm/neural/io.js";
import { NeuralVocab } from "../../src/lm/neural/model.js";
import { loadSafetensors, saveSafetensors } from "../../src/nn/safetensors.js";
import {
  buildVocabulary,
  encodeTokens,
  readTokens,
  StreamBatches,
  withFullVocabulary,
} from "../../src/train/lm/data.js";
import { epochLr, type TrainLmOptions, trainNeuralLm } from "../../src/train/lm/train.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("embedlm-lm-train-");
const trainFile = join(dir, "train.txt");
const validFile = join(dir, "valid.txt");
const lines = [
  "the cat sat on the mat",
  "the dog sat on the log",
  "a cat saw the dog",
  "the dog saw a cat on the mat",
  "a bird sang",
];
await writeFile(trainFile, `${Array.from({ length: 8 }, () => lines.join("\n")).join("\n")}\n`);
await writeFile(validFile, "the cat sat on the log\na dog sang\nthe zebra saw a bird\n");

const config = (over: Partial<NeuralLmConfig> = {}): NeuralLmConfig => ({
  kind: "lstm",
  embeddingDim: 12,
  hiddenSize: 16,
  numLayers: 1,
  dropout: 0,
  tie: false,
  freezeEmbeddings: false,
  context: 6,
  initRange: 0.1,
  ...over,
});

let n = 0;
const options = (over: Partial<TrainLmOptions> = {}): TrainLmOptions => ({
  config: config(),
  output: join(dir, `m${n++}`),
  epochs: 3,
  optimizer: "sgd",
  lr: 1,
  lrDecay: 0.5,
  decayAfter: 1,
  clip: 5,
  batchSize: 4,
  logEvery: 5,
  ...over,
});

test("data: PTB reading, first-appearance vocabulary, and lm_torch's batchify layout", async () => {
  const tokens = await readTokens(validFile);
  assert.deepEqual(tokens.slice(0, 7), ["the", "cat", "sat", "on", "the", "log", "<eos>"]);
  assert.equal(tokens.filter((t) => t === "<eos>").length, 3);
  const words = buildVocabulary(tokens);
  assert.deepEqual(words.slice(0, 3), ["the", "cat", "sat"]);
  assert.equal(words[words.length - 1], "<unk>");
  const vocab = new NeuralVocab(words);
  const { ids, oov } = encodeTokens(["the", "lion"], vocab);
  assert.deepEqual([...ids], [0, vocab.unk]);
  assert.equal(oov, 1);

  const stream = Int32Array.from({ length: 23 }, (_, i) => i);
  const b = new StreamBatches(stream, 3, 3);
  // n = 7 tokens per stream: stream b is [7b, 7b + 7); segments of 3, 3 (6 predictions each stream).
  assert.equal(b.streamLength, 7);
  assert.equal(b.count, 2);
  const x = new Int32Array(9);
  const y = new Int32Array(9);
  assert.equal(b.fill(0, x, y), 3);
  assert.deepEqual([...x], [0, 1, 2, 7, 8, 9, 14, 15, 16]);
  assert.deepEqual([...y], [1, 2, 3, 8, 9, 10, 15, 16, 17]);
  assert.equal(b.fill(1, x, y), 3);
  assert.deepEqual([...x.subarray(0, 3)], [3, 4, 5]);
  assert.deepEqual([...y.subarray(0, 3)], [4, 5, 6]);
  assert.throws(
    () => new StreamBatches(stream, 6, 3, "tiny.txt"),
    /tiny\.txt: the corpus has 23 tokens, fewer than one batch/,
  );
});

test("withFullVocabulary puts the words a share lacks on one line before it", () => {
  const all = ["a b a", "c b", "d  e c", "", "a"];
  assert.deepEqual(withFullVocabulary(all.slice(0, 2), all), ["d e", "a b a", "c b"]);
  assert.deepEqual(withFullVocabulary(all.slice(0, 3), all), all.slice(0, 3));
  assert.deepEqual(withFullVocabulary(all, all), all);
});

test("Zaremba's schedule and presets", () => {
  const small = zarembaPresets.small.train;
  assert.deepEqual(
    [1, 4, 5, 6, 13].map((e) => epochLr(small, e)),
    [1, 1, 0.5, 0.25, 0.5 ** 9],
  );
  assert.equal(zarembaPresets.medium.model.hiddenSize, 650);
  assert.equal(zarembaPresets.medium.model.dropout, 0.5);
  assert.equal(zarembaPresets.medium.model.context, 35);
  assert.equal(zarembaPresets.medium.train.epochs, 39);
  assert.equal(epochLr(zarembaPresets.medium.train, 7), 0.8);
  assert.equal(zarembaPresets.large.model.hiddenSize, 1500);
  assert.equal(zarembaPresets.large.model.dropout, 0.65);
});

test("overfits a tiny repetitive corpus to near-zero loss", async () => {
  const o = options({
    epochs: 40,
    optimizer: "adam",
    lr: 0.02,
    decayAfter: 100,
    config: config({ hiddenSize: 24 }),
  });
  const r = await trainNeuralLm(trainFile, trainFile, o);
  const last = r.epochs[r.epochs.length - 1];
  // The corpus repeats 5 lines; after the first lap, every word but a line's first is determined
  // by the context the LSTM can see, so the loss falls far below the unigram entropy (~2.4 nats).
  assert.ok(last.trainLoss < 0.35, `train loss ${last.trainLoss}`);
  assert.ok(last.validPerplexity < 1.5, `perplexity on the training text ${last.validPerplexity}`);
  assert.equal(r.stopped, "done");
  // The saved model scores like the one in memory.
  const lm = await loadNeuralLm(o.output);
  const ids = encodeTokens(await readTokens(trainFile), lm.vocab).ids;
  const s = lm.scoreStream(ids);
  assert.ok(Math.abs(Math.exp(-s.logProb / s.tokens) - r.bestValidPerplexity) < 1e-3 * r.bestValidPerplexity);
});

test("resume after an interruption gives the same model as an uninterrupted run", async () => {
  // Dropout, so the restored RNG matters; interrupted mid-epoch, so the restored hidden state does.
  const base = { config: config({ dropout: 0.3, numLayers: 2 }), epochs: 3 };
  const full = options(base);
  const a = await trainNeuralLm(trainFile, validFile, full);
  const cut = options(base);
  const first = await trainNeuralLm(trainFile, validFile, { ...cut, maxSteps: 11 });
  assert.equal(first.stopped, "max-steps");
  assert.equal(first.steps, 11);
  const second = await trainNeuralLm(trainFile, validFile, { ...cut, resume: true, maxSteps: 23 });
  assert.equal(second.stopped, "max-steps");
  // As if the process had been killed after steps it logged past its last checkpoint, in the
  // middle of a line: the resumed run cuts them, and logs those steps once.
  await appendFile(join(cut.output, "metrics.jsonl"), '{"type":"step","step":25,"epoch":3}\n{"type":"st');
  const b = await trainNeuralLm(trainFile, validFile, { ...cut, resume: true });
  assert.equal(b.stopped, "done");
  assert.deepEqual(b.resumedFrom, { epoch: 3, segment: 1, step: 23 });
  assert.equal(a.steps, b.steps);
  assert.deepEqual(
    b.epochs.map((e) => e.validPerplexity),
    a.epochs.map((e) => e.validPerplexity),
  );
  // Epoch 3 ran partly before the last stop: its time and tokens still cover all of it.
  assert.deepEqual(
    b.epochs.map((e) => e.tokens),
    a.epochs.map((e) => e.tokens),
  );
  const wa = await loadSafetensors(join(full.output, "weights.safetensors"));
  const wb = await loadSafetensors(join(cut.output, "weights.safetensors"));
  for (const name of Object.keys(wa.tensors))
    assert.deepEqual(wb.tensors[name].data, wa.tensors[name].data, name);
  const metrics = (await readFile(join(cut.output, "metrics.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    metrics.filter((m) => m.type === "epoch").map((m) => m.epoch),
    [1, 2, 3],
  );
  assert.ok(metrics.some((m) => m.type === "step" && m.step === 5 && m.loss > 0 && m.lr === 1));
  const uncut = (await readFile(join(full.output, "metrics.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const steps = (ms: { type: string; step: number; loss?: number }[]) =>
    ms.filter((m) => m.type === "step").map((m) => [m.step, m.loss]);
  assert.deepEqual(steps(metrics), steps(uncut));
});

test("an aborted signal stops training after the step with a resumable checkpoint", async () => {
  const o = options({ epochs: 1 });
  const abort = new AbortController();
  abort.abort();
  const r = await trainNeuralLm(trainFile, validFile, { ...o, signal: abort.signal });
  assert.equal(r.stopped, "interrupted");
  assert.equal(r.steps, 1);
  const done = await trainNeuralLm(trainFile, validFile, { ...o, resume: true });
  assert.equal(done.stopped, "done");
  assert.deepEqual(done.resumedFrom, { epoch: 1, segment: 1, step: 1 });
});

test("a spent time budget ends the epoch there: validated, kept, tested, not resumable", async () => {
  const o = options({ epochs: 3, maxMinutes: 1e-9 });
  const r = await trainNeuralLm(trainFile, validFile, o, validFile);
  assert.equal(r.stopped, "max-minutes");
  assert.equal(r.steps, 1);
  assert.equal(r.epochs.length, 1);
  assert.ok(r.epochs[0].tokens < r.trainTokens, `${r.epochs[0].tokens} of ${r.trainTokens} tokens`);
  assert.equal(r.bestEpoch, 1);
  assert.ok(Number.isFinite(r.epochs[0].validPerplexity));
  // Tested on the kept weights, here the same text as the validation file.
  assert.ok(
    Math.abs((r.testPerplexity ?? Number.NaN) - r.epochs[0].validPerplexity) < 1e-9 * r.testPerplexity!,
  );
  assert.ok(existsSync(join(o.output, "weights.safetensors")));
  await assert.rejects(
    trainNeuralLm(trainFile, validFile, options({ maxMinutes: 0 })),
    /maxMinutes: expected a number of minutes > 0/,
  );
});

test("early stopping keeps the best epoch's weights, and the test file is scored on them", async () => {
  // Adam at a high rate on a repetitive text overfits: the validation perplexity turns up after a
  // few epochs, so the best epoch is not the last and the kept weights are not the last ones.
  const testFile = join(dir, "test.txt");
  await writeFile(testFile, "the dog sat on the mat\na bird saw the cat\nthe cat sang\n");
  const o = options({ epochs: 30, optimizer: "adam", lr: 0.05, decayAfter: 100, patience: 2 });
  const r = await trainNeuralLm(trainFile, validFile, o, testFile);
  assert.equal(r.stopped, "early");
  assert.equal(r.epochs.length, r.bestEpoch + 2, "stopped after 2 epochs without a better validation");
  const valid = r.epochs.map((e) => e.validPerplexity);
  assert.equal(r.bestValidPerplexity, Math.min(...valid));
  assert.equal(valid[r.bestEpoch - 1], r.bestValidPerplexity);
  const score = async (weights?: string) => {
    const lm = await loadNeuralLm(o.output, { weights });
    const s = lm.scoreStream(encodeTokens(await readTokens(testFile), lm.vocab).ids);
    return Math.exp(-s.logProb / s.tokens);
  };
  const kept = await score();
  assert.ok(Math.abs(r.testPerplexity! - kept) < 1e-6 * kept, `${r.testPerplexity} vs ${kept}`);
  const last = await score("checkpoint.safetensors");
  assert.ok(
    Math.abs(last - kept) > 1e-3 * kept,
    `the last epoch's weights score otherwise: ${last} vs ${kept}`,
  );
});

test("bad input: short corpus, another model's checkpoint, other vocabulary, non-empty directory", async () => {
  const tiny = join(dir, "tiny.txt");
  await writeFile(tiny, "a b c\n");
  await assert.rejects(trainNeuralLm(tiny, validFile, options()), /fewer than one batch/);

  const o = options({ epochs: 1 });
  await trainNeuralLm(trainFile, validFile, o);
  await assert.rejects(trainNeuralLm(trainFile, validFile, { ...o }), /not empty: use --resume/);
  await assert.rejects(
    trainNeuralLm(trainFile, validFile, { ...o, resume: true, config: config({ hiddenSize: 8 }) }),
    /checkpoint is of another model/,
  );
  await assert.rejects(
    trainNeuralLm(validFile, validFile, { ...o, resume: true, batchSize: 1 }),
    /vocabulary .* is not the one of/,
  );
  await assert.rejects(
    trainNeuralLm(trainFile, validFile, { ...o, resume: true, lr: 0.5 }),
    /trained with other settings/,
  );
  // More epochs continue the finished run.
  const more = await trainNeuralLm(trainFile, validFile, { ...o, resume: true, epochs: 2 });
  assert.deepEqual(more.resumedFrom, { epoch: 2, segment: 0, step: 11 });
  assert.deepEqual(
    more.epochs.map((e) => e.epoch),
    [1, 2],
  );
});

test("a diverging run stops with a clear error and keeps the last good checkpoint", async () => {
  const o = options({ lr: 1e38, clip: 0, checkpointMinutes: 1e-9, epochs: 1 });
  await assert.rejects(
    trainNeuralLm(trainFile, validFile, o),
    /training diverged: (the loss|the gradient norm|weight \d+) is (NaN|-?Infinity) at epoch 1, step \d .*last good checkpoint .* is kept/,
  );
  const ck = await loadSafetensors(join(o.output, "checkpoint.safetensors"));
  for (const [name, t] of Object.entries(ck.tensors)) assert.ok(t.data.every(Number.isFinite), name);
  assert.ok(!existsSync(join(o.output, "weights.safetensors")));
  // A loss that stays finite but absurd ends in an infinite validation perplexity: also a stop.
  await assert.rejects(
    trainNeuralLm(trainFile, validFile, options({ lr: 1e30, clip: 0, epochs: 1 })),
    /training diverged: the validation perplexity is Infinity .* no checkpoint was written yet/,
  );
});

test("bad options and files are refused before anything is written", async () => {
  const empty = join(dir, "empty-test.txt");
  await writeFile(empty, "");
  const noTest = options();
  // An empty test file used to fail only after the whole training (NaN, or a RangeError for GPT).
  await assert.rejects(
    trainNeuralLm(trainFile, validFile, noTest, empty),
    /empty-test\.txt: the test text needs at least 2 tokens/,
  );
  assert.ok(!existsSync(noTest.output));
  const negative = options({ weightDecay: -0.1 });
  await assert.rejects(
    trainNeuralLm(trainFile, validFile, negative),
    /weightDecay: expected a number >= 0, got -0\.1/,
  );
  assert.ok(!existsSync(negative.output));
  for (const kind of ["nplm", "gpt"] as const) {
    const o = options({ config: config({ kind, heads: 2, initRange: 0.1 }) });
    await assert.rejects(
      trainNeuralLm(trainFile, validFile, o),
      new RegExp(`initRange: .*LSTM and GRU only; ${kind} keeps its own`),
    );
    assert.ok(!existsSync(o.output));
  }
});

test("resuming on a training file of another length (same vocabulary) is an error", async () => {
  const o = options({ epochs: 1 });
  await trainNeuralLm(trainFile, validFile, { ...o, maxSteps: 2 });
  const longer = join(dir, "train-longer.txt");
  await writeFile(longer, `${(await readFile(trainFile, "utf8")) + lines.join("\n")}\n`);
  await assert.rejects(
    trainNeuralLm(longer, validFile, { ...o, resume: true }),
    /the checkpoint was trained on 264 tokens, .*train-longer\.txt has 297: resume with the same training file/,
  );
  const done = await trainNeuralLm(trainFile, validFile, { ...o, resume: true });
  assert.equal(done.stopped, "done");
});

test('loss reduction: "mean" gives 1/L of the "sum-over-time" gradient; presets; kept by the checkpoint', async () => {
  const gpt = config({ kind: "gpt", heads: 2, hiddenSize: 8, embeddingDim: 8, initRange: 0 });
  const L = gpt.context;
  // One plain SGD step (lr 1, no clipping) moves the weights by minus the gradient; lr 0 gives the start.
  const step = async (lr: number, lossReduction?: "mean" | "sum-over-time") => {
    const o = options({ config: gpt, optimizer: "sgd", lr, clip: 0, lossReduction });
    const r = await trainNeuralLm(trainFile, validFile, { ...o, maxSteps: 1 });
    return { r, o, w: (await loadSafetensors(join(o.output, "checkpoint.safetensors"))).tensors };
  };
  const start = await step(0);
  const mean = await step(1, "mean");
  const sum = await step(1, "sum-over-time");
  assert.equal(mean.r.lossReduction, "mean");
  assert.equal(sum.r.lossReduction, "sum-over-time");
  assert.equal(start.r.lossReduction, "sum-over-time", "the default");
  let meanSq = 0;
  let sumSq = 0;
  for (const [name, t] of Object.entries(start.w)) {
    if (name.startsWith("state.") || name.startsWith("optimizer.")) continue;
    for (let i = 0; i < t.data.length; i++) {
      meanSq += (mean.w[name].data[i] - t.data[i]) ** 2;
      sumSq += (sum.w[name].data[i] - t.data[i]) ** 2;
    }
  }
  assert.ok(meanSq > 0);
  const ratio = Math.sqrt(sumSq / meanSq);
  assert.ok(Math.abs(ratio - L) < 1e-3 * L, `gradient norm ratio ${ratio}, expected ${L}`);

  // Zaremba's convention for LSTM/GRU (lr 1 and clip 5 refer to it); PyTorch's mean for GPT and NPLM.
  for (const kind of ["lstm", "gru"] as const)
    for (const p of Object.values(neuralPresets(kind).presets))
      assert.equal(p.train.lossReduction, "sum-over-time");
  for (const kind of ["gpt", "nplm"] as const)
    for (const p of Object.values(neuralPresets(kind).presets)) assert.equal(p.train.lossReduction, "mean");

  // A resumed run keeps the checkpoint's reduction, and a checkpoint written before the setting
  // existed (no lossReduction in its loop state) resumes with the old behaviour, "sum-over-time".
  const kept = await trainNeuralLm(trainFile, validFile, {
    ...mean.o,
    lossReduction: undefined,
    resume: true,
    maxSteps: 2,
  });
  assert.equal(kept.lossReduction, "mean");
  const ckpt = join(mean.o.output, "checkpoint.safetensors");
  const file = await loadSafetensors(ckpt);
  const state = JSON.parse(file.metadata["embedlm.train"]);
  assert.equal(state.lossReduction, "mean");
  delete state.lossReduction;
  await saveSafetensors(ckpt, file.tensors, { ...file.metadata, "embedlm.train": JSON.stringify(state) });
  const old = await trainNeuralLm(trainFile, validFile, { ...mean.o, resume: true, maxSteps: 3 });
  assert.equal(old.lossReduction, "sum-over-time");
  await assert.rejects(
    trainNeuralLm(trainFile, validFile, options({ lossReduction: "max" as "mean" })),
    /lossReduction: expected "sum-over-time" or "mean", got 'max'/,
  );
});
