// Neural language models on WikiText-2 (issue 7): test perplexity of the Zaremba small LSTM preset
// and of a GPT-mini (minGPT's gpt-mini: 6 layers, 6 heads, width 192, block 128, tied embeddings,
// AdamW), each trained for the same wall-clock budget on this machine.
//
//   npm run bench -- lm-wikitext2 [--minutes M] [--threads N]
//
// --minutes: training budget per model (default 10). One WikiText-2 epoch of either model takes far
// longer than that here, so each model gets one pass over as much of the training text as it trains
// in M minutes: a short calibration run (`--max-steps`) measures its training tokens/s on the full
// vocabulary, then it trains one epoch on a prefix of wiki.train.tokens (plus one line with the rest
// of the vocabulary, so the softmax keeps all 33,278 words) that holds more than that speed would
// train in M minutes, and `--max-minutes M` ends the pass at the budget; it is then scored on the
// full validation and test sets. The whole bench takes about 2 x (M + 5) minutes. Each model's
// training time is still a target (<= M minutes).
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildVocabulary } from "../src/train/lm/data.js";
import { report, reported, round, sharedData, target } from "./lib/common.js";
import {
  embedlmLmTrain,
  interruption,
  num,
  readLines,
  tokenCount,
  trainingPrefix,
  words,
  writeLines,
} from "./lib/lm.js";

type Json = Record<string, unknown>;
const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const minutes = Number(flag("--minutes", "10"));
const threads = flag("--threads", "2");
const work = "/tmp/embedlm-bench-lm-wikitext2";
mkdirSync(work, { recursive: true });

const files = {
  train: sharedData("wikitext-2/wiki.train.tokens"),
  valid: sharedData("wikitext-2/wiki.valid.tokens"),
  test: sharedData("wikitext-2/wiki.test.tokens"),
};
const trainLines = readLines(files.train);

function train(name: string, model: string[], trainFile: string, extra: string[]) {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  return embedlmLmTrain([
    ...model,
    "--threads",
    threads,
    "--seed",
    "1",
    ...extra,
    trainFile,
    "--valid",
    files.valid,
    "--test",
    files.test,
    "-o",
    dir,
  ]);
}

function run(name: string, model: string[]): Json {
  const calibration = train(`${name}-calibration`, model, files.train, ["--max-steps", "20"]).json;
  const speed = num(calibration, "trainTokensPerSecond");
  // Calibration's 20 steps include the warm-up (JIT, first allocations), so they under-state the
  // steady speed (the LSTM: 1,212 against 1,551 tokens/s on 2026-11-29, which left it 126 s of its
  // 600 unused). The prefix holds 1.5x the calibrated amount and the time budget ends the pass. Both
  // presets keep one learning rate through epoch 1, so a pass cut at the budget trains exactly as a
  // prefix that ends there would.
  const tokens = Math.round(minutes * 60 * speed * 1.5);
  const prefixFile = join(work, `${name}.train.txt`);
  const prefixLines = trainingPrefix(trainLines, tokens);
  writeLines(prefixFile, prefixLines);
  const r = train(name, model, prefixFile, ["--epochs", "1", "--max-minutes", String(minutes)]);
  const j = r.json;
  const epochs = (j.epochs ?? []) as Json[];
  const out = {
    args: model.join(" "),
    parameters: j.parameters,
    calibration_tokens_per_s: Math.round(speed),
    prefix_tokens: tokenCount(prefixLines),
    train_tokens: epochs.reduce((s, e) => s + num(e, "tokens"), 0),
    // NaN when no epoch finished (an interrupted run), not 0 s "within the budget".
    train_s: round(epochs.length === 0 ? Number.NaN : epochs.reduce((s, e) => s + num(e, "seconds"), 0), 1),
    train_tokens_per_s: Math.round(num(j, "trainTokensPerSecond")),
    valid_ppl: round(num(j, "bestValidPerplexity"), 2),
    test_ppl: round(num(j, "testPerplexity"), 2),
    wall_s: round(r.wallSeconds, 1),
    peak_rss_mb: round(r.peakRssMb, 1),
    ...interruption(r),
  };
  process.stderr.write(`${name}: ${JSON.stringify(out)}\n`);
  return out;
}

const lstm = run("lstm-small", ["--type", "lstm", "--preset", "small"]);
const gpt = run("gpt-mini", ["--type", "gpt", "--preset", "mini"]);
const note = `one pass over what each model trains in ${minutes} min; the issue sets no threshold`;
// The issue compares the two models "within the same wall-clock budget": `--max-minutes` keeps each
// run to it, and the check below says so from the run's own record; a perplexity from a run over
// budget would be reported but not met.
const budget = (label: string, model: Json) =>
  target(`WikiText-2 ${label} training seconds within the budget`, num(model, "train_s"), minutes * 60, "<=");
const lstmBudget = budget("LSTM small", lstm);
const gptBudget = budget("GPT-mini", gpt);
report(
  "lm-wikitext2",
  {
    data: `WikiText-2 v1: train ${tokenCount(trainLines)} / valid ${tokenCount(readLines(files.valid))} / test ${tokenCount(readLines(files.test))} tokens with <eos>, vocabulary ${buildVocabulary(trainLines.flatMap((l) => [...words(l), "<eos>"])).length}`,
    budget_minutes_per_model: minutes,
    threads: Number(threads),
    lstm_small: lstm,
    gpt_mini: gpt,
  },
  [
    lstmBudget,
    reported("WikiText-2 LSTM small test perplexity", num(lstm, "test_ppl"), note, [lstmBudget]),
    gptBudget,
    reported("WikiText-2 GPT-mini test perplexity", num(gpt, "test_ppl"), note, [gptBudget]),
  ],
);
