// bench/vocab: vocabulary building throughput (words/s) on the shared bench corpus, embedlm beside
// gensim's Word2Vec.build_vocab in the same run. Both measured in-process (interpreter start-up and
// imports excluded: gensim's import alone takes about a second) and as whole-process wall time.
// Usage: npm run bench -- vocab [REPEATS]
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failedRun, measure, repoRoot, report, round, runTimed, sharedData, target } from "../lib/common.js";

const repeats = Number(process.argv[2] ?? 3);
const corpus = sharedData("bench-corpus/sotu_kjv.txt");
const main = join(repoRoot, "dist", "src", "cli", "main.js");
const peer = join(repoRoot, "bench", "vocab", "gensim_build_vocab.py");
const out = join(tmpdir(), `embedlm-bench-vocab-${process.pid}.txt`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = {
  gensim: [] as number[],
  gensimWall: [] as number[],
  embedlm: [] as number[],
  embedlmWall: [] as number[],
};
let words = 0;
let gensimVocab = 0;
let embedlmVocab = 0;
let embedlmRss = 0;
// Alternate the two so load changes on the shared machine hit both alike.
for (let i = 0; i < repeats; i++) {
  const g = measure("gensim build_vocab", () => runTimed("/usr/bin/python3", [peer, corpus, "5"]), failedRun);
  runs.gensim.push(Number(g.json.words_per_sec));
  runs.gensimWall.push(Number(g.json.words) / g.wallSeconds);
  gensimVocab = Number(g.json.vocab_size);
  const e = measure(
    "embedlm vocab",
    () =>
      runTimed(process.execPath, [
        main,
        "vocab",
        corpus,
        "--mode",
        "whitespace",
        "--min-count",
        "5",
        "-o",
        out,
        "--json",
        "--quiet",
      ]),
    failedRun,
  );
  runs.embedlm.push(Number(e.json.wordsPerSec));
  runs.embedlmWall.push(Number(e.json.tokens) / e.wallSeconds);
  words = Number(e.json.tokens);
  embedlmVocab = Number(e.json.size);
  embedlmRss = e.peakRssMb;
  process.stderr.write(
    `run ${i + 1}: gensim ${(runs.gensim[i] / 1e6).toFixed(2)}M words/s, embedlm ${(runs.embedlm[i] / 1e6).toFixed(2)}M words/s\n`,
  );
}
// The Unicode tokenizer (the default for raw text) on the same file, for information.
const u = measure(
  "embedlm vocab (unicode)",
  () =>
    runTimed(process.execPath, [main, "vocab", corpus, "--min-count", "5", "-o", out, "--json", "--quiet"]),
  failedRun,
);
rmSync(out, { force: true });

const ratio = median(runs.embedlm) / median(runs.gensim);
const wallRatio = median(runs.embedlmWall) / median(runs.gensimWall);
report(
  "vocab",
  {
    corpus: "bench-corpus/sotu_kjv.txt",
    words,
    repeats,
    vocabSize: { embedlm: embedlmVocab, gensim: gensimVocab },
    wordsPerSec: { embedlm: round(median(runs.embedlm), 0), gensim: round(median(runs.gensim), 0) },
    wallWordsPerSec: {
      embedlm: round(median(runs.embedlmWall), 0),
      gensim: round(median(runs.gensimWall), 0),
    },
    embedlmPeakRssMb: round(embedlmRss, 1),
    unicodeTokenizerWordsPerSec: round(Number(u.json.wordsPerSec), 0),
    wallRatio: round(wallRatio, 2),
  },
  [target("vocab_words_per_sec_vs_gensim_build_vocab", ratio, 2, ">=")],
);
