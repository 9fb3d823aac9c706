// word2vec against gensim and fastText on the shared bench corpus with the peers' settings
// (dim 100, window 5, negative 5, min_count 5, sample 1e-3, 5 epochs, 2 threads): training words/s,
// quality (Google analogy restricted to 30k words, SimLex-999, via the peers' own eval_vectors.py)
// and peak memory, all measured in one run.
//
//   npm run bench -- word2vec [--epochs N] [--skip-fasttext] [--skip-hs]
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  lastJson,
  repoRoot,
  report,
  round,
  runPeer,
  runTimed,
  sharedData,
  sharedDir,
  target,
} from "./lib/common.js";

const args = process.argv.slice(2);
const epochs = args.includes("--epochs") ? args[args.indexOf("--epochs") + 1] : "5";
const corpus = sharedData("bench-corpus/sotu_kjv.txt");
const analogy = sharedData("google-analogy/questions-words.txt");
const simlex = sharedData("simlex-999/SimLex-999.txt");
const work = "/tmp/embedlm-bench";
mkdirSync(work, { recursive: true });

type Json = Record<string, unknown>;
const num = (x: unknown): number => (typeof x === "number" ? x : Number.NaN);
const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Json)[k] : undefined), o);

function evaluate(vec: string): Json {
  const r = spawnSync(
    "/usr/bin/python3",
    [
      join(sharedDir(), "bench", "peers", "eval_vectors.py"),
      "--vec",
      vec,
      "--analogy",
      analogy,
      "--simlex",
      simlex,
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`eval_vectors.py failed: ${r.stderr.slice(-1000)}`);
  return lastJson(r.stdout);
}

function embedlm(name: string, extra: string[]): Json {
  const vec = join(work, `${name}.vec`);
  const run = runTimed(process.execPath, [
    join(repoRoot, "dist", "src", "cli", "main.js"),
    "train",
    corpus,
    "-o",
    vec,
    "--format",
    "word2vec-text",
    "--dim",
    "100",
    "--window",
    "5",
    "--min-count",
    "5",
    "--sample",
    "1e-3",
    "--epochs",
    epochs,
    "--threads",
    "2",
    "--json",
    "--quiet",
    ...extra,
  ]);
  const q = evaluate(vec);
  const j = run.json;
  const out = {
    train_s: round(num(j.trainSeconds), 2),
    wall_s: round(run.wallSeconds, 2),
    words_per_s: Math.round(num(j.wordsPerSecond)),
    peak_rss_mb: round(run.peakRssMb, 1),
    analogy: num(get(q, "analogy", "acc")),
    simlex: num(get(q, "simlex999", "spearman")),
    relaxed_simd: j.relaxedSimd,
    epoch_mean_loss: (j.epochs as Json[]).map((e) => round(num(e.meanLoss), 4)),
  };
  process.stderr.write(`embedlm ${name}: ${JSON.stringify(out)}\n`);
  return out;
}

function gensim(mode: "sg" | "cbow"): Json {
  const j = runPeer("run_w2v.sh", [epochs, mode])[0] ?? {};
  const out = {
    train_s: num(j.train_time_s),
    wall_s: num(j.process_wall_s),
    words_per_s: num(j.raw_words_per_s_train),
    peak_rss_mb: num(j.peak_rss_mb),
    analogy: num(get(j, "quality", "analogy", "acc")),
    simlex: num(get(j, "quality", "simlex999", "spearman")),
    corpus_words: num(j.corpus_words),
  };
  process.stderr.write(`gensim ${mode}: ${JSON.stringify(out)}\n`);
  return out;
}

function fasttext(corpusWords: number): Json {
  const j = runPeer("run_fasttext.sh", [epochs, "nosub"])[0] ?? {};
  // training time = wall minus the same command with 0 epochs (vocabulary, init, saving)
  const trainS = num(j.train_only_wall_s_est);
  const out = {
    train_s: trainS,
    wall_s: num(j.process_wall_s),
    words_per_s: Math.round((corpusWords * Number(epochs)) / trainS),
    peak_rss_mb: num(j.peak_rss_mb),
    analogy: num(get(j, "quality", "analogy", "acc")),
    simlex: num(get(j, "quality", "simlex999", "spearman")),
  };
  process.stderr.write(`fasttext nosub: ${JSON.stringify(out)}\n`);
  return out;
}

const results: Json = { corpus, epochs: Number(epochs), threads: 2 };
const ours = {
  skipgram: embedlm("embedlm_sg", ["--model", "skipgram", "--negative", "5"]),
  cbow: embedlm("embedlm_cbow", ["--model", "cbow", "--negative", "5"]),
} as Record<string, Json>;
if (!args.includes("--skip-hs")) {
  ours.skipgram_hs = embedlm("embedlm_sg_hs", ["--model", "skipgram", "--hs", "--negative", "0"]);
  ours.cbow_hs = embedlm("embedlm_cbow_hs", ["--model", "cbow", "--hs", "--negative", "0"]);
}
const peers: Record<string, Json> = { gensim_skipgram: gensim("sg"), gensim_cbow: gensim("cbow") };
const corpusWords = num(peers.gensim_skipgram.corpus_words);
if (!args.includes("--skip-fasttext")) peers.fasttext_skipgram_nosub = fasttext(corpusWords);
results.embedlm = ours;
results.peers = peers;

const sg = ours.skipgram;
const gsg = peers.gensim_skipgram;
const cb = ours.cbow;
const gcb = peers.gensim_cbow;
const ratio = (a: Json, b: Json) => num(a.words_per_s) / num(b.words_per_s);
results.ratios = {
  skipgram_vs_gensim: round(ratio(sg, gsg), 3),
  cbow_vs_gensim: round(ratio(cb, gcb), 3),
  skipgram_vs_fasttext: peers.fasttext_skipgram_nosub
    ? round(ratio(sg, peers.fasttext_skipgram_nosub), 3)
    : null,
};
const targets = [
  target("skipgram words/s vs gensim", ratio(sg, gsg), 1.2, ">="),
  target("cbow words/s vs gensim", ratio(cb, gcb), 1.2, ">="),
  target("skipgram analogy minus gensim", num(sg.analogy) - num(gsg.analogy), -0.01, ">="),
  target("skipgram SimLex minus gensim", num(sg.simlex) - num(gsg.simlex), -0.02, ">="),
  target("cbow analogy minus gensim", num(cb.analogy) - num(gcb.analogy), -0.01, ">="),
  target("cbow SimLex minus gensim", num(cb.simlex) - num(gcb.simlex), -0.02, ">="),
  target("skipgram peak RSS MB vs gensim", num(sg.peak_rss_mb), num(gsg.peak_rss_mb), "<="),
  target("cbow peak RSS MB vs gensim", num(cb.peak_rss_mb), num(gcb.peak_rss_mb), "<="),
];
if (peers.fasttext_skipgram_nosub)
  targets.splice(
    1,
    0,
    target("skipgram words/s vs fastText -maxn 0", ratio(sg, peers.fasttext_skipgram_nosub), 1.0, ">="),
  );
report("word2vec", results, targets);
