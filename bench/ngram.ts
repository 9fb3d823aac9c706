// n-gram language models on Penn Treebank (issue 5): embedlm's interpolated modified Kneser-Ney beside
// IRSTLM (improved shift-beta, run by shared/bench/peers/run_kn.sh in the same run), other orders and
// smoothings, ARPA write/read, scoring speed and next-word prediction latency.
//   npm run bench -- ngram
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readArpa } from "../src/lm/ngram/arpa.js";
import { topK } from "../src/lm/predict.js";
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
} from "./lib/common.js";
import { readLines, tokenCount } from "./lib/lm.js";

const PUBLISHED_KN5 = 141.2;
const cli = join(repoRoot, "dist", "src", "cli", "main.js");
const train = sharedData("ptb/ptb.train.txt");
const test = sharedData("ptb/ptb.test.txt");

/** An embedlm command, timed; a failure is reported in the final line (nothing measured), not a crash. */
function embedlm(args: string[]) {
  return measure(
    `embedlm ${args.slice(0, 2).join(" ")}`,
    () => runTimed(process.execPath, [cli, "--json", "--quiet", ...args]),
    failedRun,
  );
}

function testPpl(json: Record<string, unknown>): number {
  return (json.eval as { perplexity?: number } | undefined)?.perplexity ?? Number.NaN;
}

// 1. The peer, and embedlm's build + score of the same 5-gram, each one process, under the same lock.
const peers = measure("IRSTLM (run_kn.sh)", () => runPeer("run_kn.sh", ["5", "isb"]), []);
const irstlm = peers.find((p) => p.tool === "irstlm-tlm") as
  | { test: { ppl: number; wall_s_train_plus_eval: number; peak_rss_mb: number } }
  | undefined;
const reference = peers.find((p) => String(p.tool).startsWith("kn_ref")) as
  | { test_ppl: number; process_wall_s: number; peak_rss_mb: number }
  | undefined;
const kn5 = embedlm(["lm", "train", "--order", "5", "--smoothing", "kn", train, "--eval", test]);
const kn5Ppl = testPpl(kn5.json);

// 2. Other orders and smoothings (test perplexity; stupid backoff's scores normalised per context).
const variants: Record<string, unknown>[] = [];
for (const [order, smoothing] of [
  [3, "kn"],
  [4, "kn"],
  [3, "wb"],
  [5, "wb"],
  [3, "addk"],
  [5, "addk"],
  [3, "stupid"],
  [5, "stupid"],
] as const) {
  const r = embedlm([
    "lm",
    "train",
    "--order",
    String(order),
    "--smoothing",
    smoothing,
    train,
    "--eval",
    test,
  ]);
  variants.push({
    order,
    smoothing,
    test_ppl: round(testPpl(r.json), 2),
    wall_s: round(r.wallSeconds, 2),
    peak_rss_mb: round(r.peakRssMb, 1),
  });
  process.stderr.write(`${JSON.stringify(variants[variants.length - 1])}\n`);
}

// 3. ARPA: write the 5-gram, load it in another process and score the test set from it.
const arpa = join(tmpdir(), `embedlm-bench-ptb5-${process.pid}.arpa`);
const written = embedlm(["lm", "train", "--order", "5", train, "-o", arpa]);
const evaluated = embedlm(["lm", "eval", arpa, test]);
const scoring = evaluated.json as { perplexity: number; seconds: number; tokensPerSecond: number };

// 4. Next-word prediction latency: top-5 after each of 1000 test-set contexts, in this process (of
// the file written above; none when writing it failed).
async function predictLatency(): Promise<number> {
  if (written.status !== 0) return Number.NaN;
  const model = await readArpa(arpa);
  rmSync(arpa, { force: true });
  const contexts: Int32Array[] = [];
  for (const line of readFileSync(test, "utf8").split("\n")) {
    const ws = line.split(/\s+/).filter((w) => w !== "");
    for (let i = 0; i < ws.length && contexts.length < 1000; i += 3) {
      const ids = [model.bos, ...ws.slice(0, i).map((w) => Math.max(model.vocab.id(w), model.unk))];
      contexts.push(Int32Array.from(ids));
    }
    if (contexts.length >= 1000) break;
  }
  for (let i = 0; i < 50; i++) topK(model, contexts[i], 5);
  const t0 = performance.now();
  for (const c of contexts) topK(model, c, 5);
  return (performance.now() - t0) / contexts.length;
}
const predictMs = await predictLatency();

const timeRatio = irstlm ? kn5.wallSeconds / irstlm.test.wall_s_train_plus_eval : Number.NaN;
const memRatio = irstlm ? kn5.peakRssMb / irstlm.test.peak_rss_mb : Number.NaN;
const ngrams = kn5.json.ngrams as number[];
report(
  "ngram",
  {
    data: `PTB (Mikolov): train ${tokenCount(readLines(train))} tokens with </s>, test ${tokenCount(readLines(test))}`,
    kn5: {
      test_ppl: round(kn5Ppl, 2),
      published: PUBLISHED_KN5,
      ngrams,
      discounts: kn5.json.discounts,
      wall_s_train_plus_eval: round(kn5.wallSeconds, 2),
      peak_rss_mb: round(kn5.peakRssMb, 1),
      train_s_in_process: round(kn5.json.trainSeconds as number, 2),
    },
    irstlm: irstlm
      ? {
          smoothing: "improved shift-beta",
          test_ppl: irstlm.test.ppl,
          wall_s_train_plus_eval: irstlm.test.wall_s_train_plus_eval,
          peak_rss_mb: irstlm.test.peak_rss_mb,
        }
      : "not run",
    kn_ref_py: reference
      ? { test_ppl: reference.test_ppl, wall_s: reference.process_wall_s, peak_rss_mb: reference.peak_rss_mb }
      : "not run",
    variants,
    arpa: {
      train_and_write_s: round(written.wallSeconds, 2),
      load_and_score_s: round(evaluated.wallSeconds, 2),
      test_ppl_from_arpa: round(scoring.perplexity, 2),
      peak_rss_mb_load_and_score: round(evaluated.peakRssMb, 1),
    },
    scoring_tokens_per_s: Math.round(scoring.tokensPerSecond),
    predict_top5_ms: round(predictMs, 3),
  },
  [
    target("kn5_test_ppl_max", kn5Ppl, round(PUBLISHED_KN5 * 1.02, 2), "<="),
    target("kn5_test_ppl_min", kn5Ppl, round(PUBLISHED_KN5 * 0.98, 2), ">="),
    target("kn5_ppl_vs_irstlm", kn5Ppl, irstlm?.test.ppl ?? Number.NaN, "<="),
    target("time_ratio_vs_irstlm", timeRatio, 1.5, "<="),
    target("memory_ratio_vs_irstlm", memRatio, 1.5, "<="),
  ],
);
