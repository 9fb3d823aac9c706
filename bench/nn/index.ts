// bench/nn: the nn issue's targets, every peer measured in the same run.
// - GEMM GFLOP/s on (700x200)x(200x10000), (20x400)x(400x800), (700x400)x(400x800): embedlm at 1 and
//   2 threads, numpy/OpenBLAS at 1 and 2 threads, tfjs 4.22's WebAssembly backend (XNNPACK; single-
//   threaded in Node). Targets: >= 0.5x numpy at 2 threads, >= 3x tfjs-wasm. Every tool reports the
//   best of 5 windows of 0.2 s per shape (timing.ts).
// - Zaremba-small PTB LSTM training step (forward, backward, clip, SGD) in tokens/s and peak memory,
//   beside PyTorch CPU (shared/bench/peers/run_lm.sh, 2 threads) on the same short training file
//   (the first 2,000 PTB training lines plus one line with the remaining vocabulary, so V = 10,000).
//   Both sides time one epoch over that file in the same segments, every step from the first
//   (PyTorch's train_tok_per_s counts its whole epoch; --steps N times N steps of embedlm's instead).
//   Targets: tokens/s >= 1.0x PyTorch (embedlm's runs before and after PyTorch's, averaged); peak
//   RSS <= PyTorch's.
// Usage: npm run bench -- nn [--skip-torch] [--steps N]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  failedRun,
  measure,
  repoRoot,
  report,
  round,
  runPeer,
  runTimed,
  sharedData,
  target,
} from "../lib/common.js";
import { SHAPES } from "./shapes.js";

const args = process.argv.slice(2);
const skipTorch = args.includes("--skip-torch");
const stepsAt = args.indexOf("--steps");
// Default: one epoch over the training file, the steps PyTorch's train_tok_per_s counts.
const steps = stepsAt >= 0 ? Number(args[stepsAt + 1]) : undefined;
const node = process.execPath;
const child = (name: string) => join(repoRoot, "dist", "bench", "nn", `${name}.js`);
const key = ([m, k, n]: [number, number, number]) => `${m}x${k}x${n}`;

const NUMPY = `
import json, sys, time
import numpy as np
out = {}
for m, k, n in ${JSON.stringify(SHAPES)}:
    a = np.random.rand(m, k).astype(np.float32); b = np.random.rand(k, n).astype(np.float32)
    for _ in range(3): a @ b
    best = 0.0
    for _ in range(5):
        reps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 0.2:
            a @ b; reps += 1
        best = max(best, 2 * m * n * k * reps / (time.perf_counter() - t0) / 1e9)
    out[f"{m}x{k}x{n}"] = round(best, 1)
print(json.dumps({"tool": "numpy", "numpy": np.__version__, "gflops": out}))
`;

type Gflops = Record<string, number>;
const timed = (what: string, cmd: string, args: string[], env: Record<string, string> = {}) =>
  measure(what, () => runTimed(cmd, args, env), failedRun);
// A failed run has no figures: its ratios come out NaN (not met).
const gflops = (r: { json: Record<string, unknown> }) => (r.json.gflops ?? {}) as Gflops;
const ours1 = gflops(timed("embedlm gemm 1 thread", node, [child("gemm"), "1"]));
const ours2 = gflops(timed("embedlm gemm 2 threads", node, [child("gemm"), "2"]));
const np1 = gflops(timed("numpy 1 thread", "/usr/bin/python3", ["-c", NUMPY], { OPENBLAS_NUM_THREADS: "1" }));
const np2 = gflops(
  timed("numpy 2 threads", "/usr/bin/python3", ["-c", NUMPY], { OPENBLAS_NUM_THREADS: "2" }),
);
const tfjs = gflops(timed("tfjs-wasm", node, [child("tfjs")]));
const targets = [];
for (const s of SHAPES) {
  targets.push(target(`gemm ${key(s)} 2 threads / numpy 2 threads`, ours2[key(s)] / np2[key(s)], 0.5, ">="));
  targets.push(target(`gemm ${key(s)} 2 threads / tfjs-wasm`, ours2[key(s)] / tfjs[key(s)], 3, ">="));
}

// A short PTB training file with the full vocabulary, for both sides.
const ptb = sharedData("ptb");
const dir = "/tmp/embedlm-bench-nn/ptb";
mkdirSync(dir, { recursive: true });
const lines = readFileSync(join(ptb, "ptb.train.txt"), "utf8").split("\n");
const head = lines.slice(0, 2000);
const seen = new Set(head.join(" ").split(/\s+/));
const rest = [...new Set(lines.join(" ").split(/\s+/))].filter((w) => w !== "" && !seen.has(w));
writeFileSync(join(dir, "ptb.train.txt"), `${[...head, rest.join(" ")].join("\n")}\n`);
for (const f of ["ptb.valid.txt", "ptb.test.txt"])
  writeFileSync(join(dir, f), `${readFileSync(join(ptb, f), "utf8").split("\n").slice(0, 200).join("\n")}\n`);

// embedlm's LSTM runs before and after PyTorch's and the two are averaged: the machine's load drifts
// over a run, and this way both sides see about the same.
const lstmRun = () =>
  timed("embedlm lstm", node, [
    child("lstm"),
    join(dir, "ptb.train.txt"),
    "2",
    ...(steps ? [String(steps)] : []),
  ]);
const lstm = lstmRun();
const results: Record<string, unknown> = {
  gemm_gflops: { embedlm_1t: ours1, embedlm_2t: ours2, numpy_1t: np1, numpy_2t: np2, tfjs_wasm: tfjs },
  lstm_embedlm: { ...lstm.json, peak_rss_mb: round(lstm.peakRssMb, 1) },
};
let ourTok = Number(lstm.json.train_tok_per_s);
let ourRss = lstm.peakRssMb;
// Without the PyTorch run (--skip-torch) the two LSTM targets stay in the line, unmeasured (not met).
let torchTok = Number.NaN;
let torchRss = Number.NaN;
if (!skipTorch) {
  const torch =
    measure("PyTorch (run_lm.sh)", () => runPeer("run_lm.sh", ["1", "60"], { LMDATA: dir }), []).at(-1) ?? {};
  results.lstm_torch = {
    train_tok_per_s: torch.train_tok_per_s,
    peak_rss_mb: torch.peak_rss_mb,
    vocab: torch.vocab,
    train_tokens: torch.train_tokens,
  };
  torchTok = Number(torch.train_tok_per_s);
  torchRss = Number(torch.peak_rss_mb);
  const again = lstmRun();
  results.lstm_embedlm_after_torch = { ...again.json, peak_rss_mb: round(again.peakRssMb, 1) };
  ourTok = (ourTok + Number(again.json.train_tok_per_s)) / 2;
  ourRss = Math.max(ourRss, again.peakRssMb);
}
results.lstm_embedlm_tok_per_s_mean = Math.round(ourTok);
targets.push(target("lstm train tokens/s / pytorch", ourTok / torchTok, 1, ">="));
targets.push(target("lstm peak RSS / pytorch", ourRss / torchRss, 1, "<="));
report("nn", results, targets);
