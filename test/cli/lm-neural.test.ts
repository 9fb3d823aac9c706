import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { cliPath, runCli as run } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("embedlm-lm-neural-cli-");
const train = join(dir, "train.txt");
const valid = join(dir, "valid.txt");
const lines = ["the cat sat on the mat", "the dog sat on the log", "a cat saw the dog", "a bird sang"];
await writeFile(train, `${Array.from({ length: 6 }, () => lines.join("\n")).join("\n")}\n`);
await writeFile(valid, "the cat sat on the log\nthe zebra sang\n");

const tiny = ["--hidden", "16", "--layers", "1", "--bptt", "5", "--batch-size", "4", "--threads", "1"];
/** `--json lm train` of a tiny LSTM on the corpus for `epochs` epochs into `model`, plus `more`. */
const lstmTrain = (epochs: number, model: string, ...more: string[]) => [
  "--json",
  "lm",
  "train",
  "--type",
  "lstm",
  ...tiny,
  "--epochs",
  String(epochs),
  train,
  "--valid",
  valid,
  "-o",
  model,
  ...more,
];

test("lm train --type lstm writes a model directory that eval, predict and generate use", async () => {
  const model = join(dir, "lstm");
  const t = run(...lstmTrain(2, model, "--test", valid));
  assert.equal(t.status, 0, t.stderr);
  assert.equal(t.json.type, "lstm");
  assert.equal(t.json.epochsDone, 2);
  assert.equal((t.json.train as { lossReduction: string }).lossReduction, "sum-over-time");
  assert.ok((t.json.trainTokensPerSecond as number) > 0);
  assert.ok(Number.isFinite(t.json.testPerplexity as number));
  for (const f of [
    "config.json",
    "vocab.txt",
    "weights.safetensors",
    "checkpoint.safetensors",
    "metrics.jsonl",
  ])
    assert.ok(existsSync(join(model, f)), f);
  const config = JSON.parse(await readFile(join(model, "config.json"), "utf8"));
  assert.equal(config.format, "embedlm-neural-lm");
  assert.equal(config.hiddenSize, 16);

  // The stream perplexity of eval is the test perplexity training reported (same weights, same data).
  const e = run("--json", "lm", "eval", model, valid);
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.json.mode, "stream");
  assert.equal(e.json.oov, 1);
  assert.ok(Math.abs((e.json.perplexity as number) - (t.json.testPerplexity as number)) < 1e-3);
  const ps = run("--json", "lm", "eval", "--per-sentence", model, valid);
  assert.equal(ps.status, 0, ps.stderr);
  assert.equal((ps.json.perSentence as unknown[]).length, 2);

  const p = run("--json", "lm", "predict", model, "the cat", "--topk", "3");
  assert.equal(p.status, 0, p.stderr);
  const preds = p.json.predictions as { word: string; prob: number }[];
  assert.equal(preds.length, 3);
  assert.ok(preds[0].prob >= preds[1].prob && preds[1].prob >= preds[2].prob);

  const g1 = run("--json", "lm", "generate", model, "the", "--seed", "3");
  const g2 = run("--json", "lm", "generate", model, "the", "--seed", "3");
  assert.equal(g1.status, 0, g1.stderr);
  assert.equal(g1.json.generated, g2.json.generated);
});

test("lm train --max-steps then --resume; bad input is a clear error", () => {
  const model = join(dir, "gru");
  const common = [
    "lm",
    "train",
    "--type",
    "gru",
    ...tiny,
    "--epochs",
    "2",
    train,
    "--valid",
    valid,
    "-o",
    model,
  ];
  const a = run("--json", ...common, "--max-steps", "3");
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.json.stopped, "max-steps");
  const again = run(...common);
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /not empty: use --resume/);
  const b = run("--json", ...common, "--resume");
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.json.stopped, "done");
  assert.deepEqual(b.json.resumedFrom, { epoch: 1, segment: 3, step: 3 });
  const budget = run("--json", ...common.slice(0, -1), join(dir, "gru-budget"), "--max-minutes", "1e-9");
  assert.equal(budget.status, 0, budget.stderr);
  assert.equal(budget.json.stopped, "max-minutes");
  assert.equal(budget.json.steps, 1);
  assert.match(budget.stdout + budget.stderr, /training budget was spent/);
  const other = run(...common, "--resume", "--hidden", "8");
  assert.notEqual(other.status, 0);
  assert.match(other.stderr, /checkpoint is of another model/);

  // The NPLM preset's 128 streams need more text than this corpus: refused before anything is written.
  const nplm = run("lm", "train", "--type", "nplm", train, "--valid", valid, "-o", join(dir, "n"));
  assert.notEqual(nplm.status, 0);
  assert.match(nplm.stderr, /fewer than one batch \(batch size 128/);
  assert.ok(!existsSync(join(dir, "n")));

  const ngramFlag = run(
    "lm",
    "train",
    "--type",
    "lstm",
    train,
    "--valid",
    valid,
    "-o",
    join(dir, "z"),
    "--eval",
    valid,
  );
  assert.notEqual(ngramFlag.status, 0);
  assert.match(ngramFlag.stderr, /--eval: does not apply to --type lstm \(only to --type ngram\)/);
  assert.ok(!existsSync(join(dir, "z")));

  const noValid = run("lm", "train", "--type", "lstm", train, "-o", join(dir, "x"));
  assert.notEqual(noValid.status, 0);
  assert.match(noValid.stderr, /--valid: give --valid FILE, the validation text/);
  assert.ok(!existsSync(join(dir, "x")));
  const init = run(
    "lm",
    "train",
    "--type",
    "lstm",
    "--init-vectors",
    "v.txt",
    train,
    "--valid",
    valid,
    "-o",
    join(dir, "y"),
  );
  assert.notEqual(init.status, 0);
  assert.match(init.stderr, /v\.txt: cannot open/);
  assert.ok(!existsSync(join(dir, "y")));
});

test("lm train --raw-text tokenizes with embedlm's tokenizer, and the model keeps doing so", async () => {
  const raw = join(dir, "raw.txt");
  await writeFile(raw, `${Array.from({ length: 12 }, () => "The cat, the dog. A bird sang!").join("\n")}\n`);
  const model = join(dir, "raw");
  const t = run(
    "--json",
    "lm",
    "train",
    "--type",
    "lstm",
    ...tiny,
    "--epochs",
    "1",
    "--raw-text",
    raw,
    "--valid",
    raw,
    "-o",
    model,
  );
  assert.equal(t.status, 0, t.stderr);
  const config = JSON.parse(await readFile(join(model, "config.json"), "utf8"));
  assert.equal(config.tokenizer, "unicode");
  const vocab = (await readFile(join(model, "vocab.txt"), "utf8")).trim().split("\n");
  assert.ok(vocab.includes("cat") && !vocab.includes("cat,"));
  const p = run("--json", "lm", "predict", model, "The cat,");
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.json.oov, undefined);
});

test("lm train stopped by SIGINT / SIGTERM checkpoints and exits 130 / 143, so `&&` does not go on", async () => {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    const model = join(dir, `signal-${signal}`);
    const child = spawn(process.execPath, [cliPath, ...lstmTrain(100000, model)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    // The first epoch's metrics line: training is under way, the handlers are installed.
    while (!existsSync(join(model, "metrics.jsonl")) && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(child.exitCode, null, "the run ended before it was signalled");
    child.kill(signal);
    assert.equal(await exited, code, signal);
    assert.equal(JSON.parse(stdout.trim().split("\n").pop() ?? "{}").stopped, "interrupted");
    assert.ok(existsSync(join(model, "checkpoint.safetensors")));
  }
});
