// Neural language models on Penn Treebank (issue 7): the Zaremba et al. 2014 LSTM presets beside
// PyTorch CPU (shared/bench/peers/lm_torch.py: same model, 2 threads), measured in the same run.
//
//   npm run bench -- lm-ptb [speed|full|medium] [--tokens N] [--threads N] [--model DIR] [--resume]
//
// speed (default, ~5 min): one epoch of the small preset on a PTB slice (the first --tokens training
//   tokens, default 100,000, plus one line with the rest of the vocabulary so the softmax has PTB's
//   10,000 words; 20,000 validation and test tokens), embedlm then PyTorch on the same files:
//   training tokens/s and peak memory ratios.
// full (hours): the small preset's whole schedule (13 epochs) on full PTB: test perplexity, plus one
//   PyTorch epoch on full PTB for the speed and memory ratios (PyTorch's 13 epochs took 51 min here).
// medium (a long run, about 3x the small preset's epochs at ~10x the cost per token): the medium
//   preset (2x650, dropout 0.5, 39 epochs): test perplexity and its time; PyTorch is not run.
// The long modes checkpoint every 5 minutes into --model (default under /tmp/embedlm-bench-lm-ptb);
// after a kill, the same command with --resume continues from the last checkpoint instead of
// starting over, and the final line covers every epoch.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  measure,
  notMeasured,
  report,
  round,
  runPeer,
  sharedData,
  type Target,
  target,
} from "./lib/common.js";
import { embedlmLmTrain, interruption, num, writePtbSlice } from "./lib/lm.js";

const SMALL_PPL = 114.5;
const MEDIUM_PPL = 82.7;

const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : dflt);
// The mode is the first argument that is neither a flag nor the value of one (`--model DIR`).
const valued = new Set(["--tokens", "--threads", "--model"]);
const mode = args.find((a, i) => !a.startsWith("--") && !valued.has(args[i - 1])) ?? "speed";
if (!["speed", "full", "medium"].includes(mode)) {
  process.stderr.write(`unknown mode '${mode}': expected speed, full or medium\n`);
  process.exit(2);
}
const threads = flag("--threads", "2");
// Kept after the run: the trained model can be inspected with `embedlm lm eval/predict/generate`.
const work = `/tmp/embedlm-bench-lm-ptb/${mode}`;

type Json = Record<string, unknown>;

/** embedlm's run of a preset on a directory holding ptb.{train,valid,test}.txt. */
function embedlm(dir: string, preset: string, extra: string[] = []): Json {
  const model = flag("--model", join(work, `model-${preset}`));
  const resume = args.includes("--resume") && existsSync(join(model, "checkpoint.safetensors"));
  if (!resume && args.includes("--model") && existsSync(model)) {
    process.stderr.write(`${model} exists: pass --resume to continue its run, or remove it\n`);
    process.exit(2);
  }
  if (!resume) rmSync(model, { recursive: true, force: true });
  const more = [...(resume ? ["--resume"] : []), ...(mode === "speed" ? [] : ["--checkpoint-minutes", "5"])];
  const run = embedlmLmTrain([
    "--type",
    "lstm",
    "--preset",
    preset,
    "--threads",
    threads,
    "--seed",
    "1",
    ...extra,
    ...more,
    join(dir, "ptb.train.txt"),
    "--valid",
    join(dir, "ptb.valid.txt"),
    "--test",
    join(dir, "ptb.test.txt"),
    "-o",
    model,
  ]);
  const j = run.json;
  const epochs = (j.epochs ?? []) as Json[];
  const out = {
    epochs: epochs.length,
    valid_ppl_per_epoch: epochs.map((e) => round(num(e, "validPerplexity"), 2)),
    train_tokens_per_s: Math.round(num(j, "trainTokensPerSecond")),
    test_ppl: round(num(j, "testPerplexity"), 2),
    train_s: round(
      epochs.reduce((s, e) => s + num(e, "seconds"), 0),
      1,
    ),
    wall_s: round(run.wallSeconds, 1),
    peak_rss_mb: round(run.peakRssMb, 1),
    ...interruption(run),
  };
  process.stderr.write(`embedlm ${preset}: ${JSON.stringify(out)}\n`);
  return out;
}

/** PyTorch's small preset for `epochs` epochs on `dir` (one JSON line from run_lm.sh). */
function pytorch(dir: string, epochs: number): Json {
  const j =
    measure(
      "PyTorch (run_lm.sh)",
      () => runPeer("run_lm.sh", [String(epochs), "600"], { LMDATA: dir }),
      [],
    )[0] ?? {};
  const final = (j.final ?? {}) as Json;
  const out = {
    epochs: j.epochs_done,
    train_tokens_per_s: num(j, "train_tok_per_s"),
    valid_ppl_per_epoch: ((j.epochs ?? []) as Json[]).map((e) => num(e, "valid_ppl")),
    test_ppl: num(final, "test_ppl"),
    train_s: round(num(j, "epoch_train_s_mean") * num(j, "epochs_done"), 1),
    wall_s: num(j, "process_wall_s"),
    peak_rss_mb: num(j, "peak_rss_mb"),
    torch: j.torch,
  };
  process.stderr.write(`pytorch: ${JSON.stringify(out)}\n`);
  return out;
}

const results: Json = { mode, threads: Number(threads) };
const targets: Target[] = [];
const ptb = sharedData("ptb");
const ratios = (ours: Json, peer: Json): Target[] => [
  target(
    "small preset training tokens/s vs PyTorch",
    num(ours, "train_tokens_per_s") / num(peer, "train_tokens_per_s"),
    1.0,
    ">=",
  ),
  target("small preset peak RSS vs PyTorch", num(ours, "peak_rss_mb") / num(peer, "peak_rss_mb"), 1.0, "<="),
];

if (mode === "speed") {
  const slice = writePtbSlice(join(work, "ptb-slice"), Number(flag("--tokens", "100000")), 20000);
  results.data = { ...slice, note: "one epoch on a PTB slice with the full 10,000-word vocabulary" };
  const ours = embedlm(slice.dir, "small", ["--epochs", "1"]);
  const peer = pytorch(slice.dir, 1);
  results.embedlm = ours;
  results.pytorch = peer;
  targets.push(
    notMeasured("PTB small preset test perplexity", SMALL_PPL, "<=", "measured by `lm-ptb full`"),
    notMeasured("PTB medium preset test perplexity", MEDIUM_PPL, "<=", "measured by `lm-ptb medium`"),
    ...ratios(ours, peer),
  );
} else if (mode === "full") {
  const peer = pytorch(ptb, 1);
  const ours = embedlm(ptb, "small");
  results.embedlm = ours;
  results.pytorch = { ...peer, note: "one epoch, for the speed and memory ratios" };
  targets.push(
    target("PTB small preset test perplexity", num(ours, "test_ppl"), SMALL_PPL, "<="),
    notMeasured("PTB medium preset test perplexity", MEDIUM_PPL, "<=", "measured by `lm-ptb medium`"),
    ...ratios(ours, peer),
  );
} else {
  const ours = embedlm(ptb, "medium");
  results.embedlm = ours;
  targets.push(
    notMeasured("PTB small preset test perplexity", SMALL_PPL, "<=", "measured by `lm-ptb full`"),
    target("PTB medium preset test perplexity", num(ours, "test_ppl"), MEDIUM_PPL, "<="),
    notMeasured("small preset training tokens/s vs PyTorch", 1.0, ">=", "measured by `lm-ptb speed`"),
    notMeasured("small preset peak RSS vs PyTorch", 1.0, "<=", "measured by `lm-ptb speed`"),
  );
}
report("lm-ptb", results, targets);
