// Neural language models on WikiText-2 (issue 7): test perplexity of the Zaremba small LSTM preset
// and of a GPT-mini, each trained for the same wall-clock budget on the same machine.
//
//   npm run bench -- lm-wikitext2 [--minutes M] [--threads N]
//
// --minutes: training budget per model (default 10; one WikiText-2 epoch of either model takes far
// longer here, so both stop mid-epoch and are scored with the weights they have then). The whole
// bench takes about 2 x (M + validation and test scoring) minutes.
import { rmSync } from "node:fs";
import { report, round, sharedData } from "./lib/common.js";
import { embedlmLmTrain, num, reported } from "./lib/lm.js";

type Json = Record<string, unknown>;
const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
const minutes = flag("--minutes", "10");
const threads = flag("--threads", "2");
const work = "/tmp/embedlm-bench-lm-wikitext2";

const files = {
  train: sharedData("wikitext-2/wiki.train.tokens"),
  valid: sharedData("wikitext-2/wiki.valid.tokens"),
  test: sharedData("wikitext-2/wiki.test.tokens"),
};

function run(name: string, model: string[]): Json {
  const dir = `${work}/${name}`;
  rmSync(dir, { recursive: true, force: true });
  const r = embedlmLmTrain([
    ...model,
    "--max-minutes",
    minutes,
    "--threads",
    threads,
    "--seed",
    "1",
    files.train,
    "--valid",
    files.valid,
    "--test",
    files.test,
    "-o",
    dir,
  ]);
  const j = r.json;
  const out = {
    args: model.join(" "),
    parameters: j.parameters,
    stopped: j.stopped,
    steps: j.steps,
    train_tokens_seen: Math.round(num(j, "trainTokensSeen")),
    train_tokens_per_s: Math.round(num(j, "trainTokensPerSecond")),
    best_valid_ppl: round(num(j, "bestValidPerplexity"), 2),
    test_ppl: round(num(j, "testPerplexity"), 2),
    wall_s: round(r.wallSeconds, 1),
    peak_rss_mb: round(r.peakRssMb, 1),
  };
  process.stderr.write(`${name}: ${JSON.stringify(out)}\n`);
  return out;
}

const lstm = run("lstm-small", ["--type", "lstm", "--preset", "small"]);
const gpt = run("gpt-mini", ["--type", "gpt", "--preset", "mini", "--optimizer", "adamw", "--lr", "0.001"]);
report(
  "lm-wikitext2",
  {
    data: "WikiText-2 v1: train 2,088,628 / valid 217,646 / test 245,569 tokens with <eos>, vocabulary 33,278",
    budget_minutes_per_model: Number(minutes),
    threads: Number(threads),
    lstm_small: lstm,
    gpt_mini: gpt,
  },
  [
    reported(
      "WikiText-2 LSTM small test perplexity",
      num(lstm, "test_ppl"),
      `after ${minutes} min of training; the issue sets no threshold`,
    ),
    reported(
      "WikiText-2 GPT-mini test perplexity",
      num(gpt, "test_ppl"),
      `after ${minutes} min of training; the issue sets no threshold`,
    ),
  ],
);
