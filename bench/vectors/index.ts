// bench/vectors: loading and querying a 400,000 x 300 model, embedlm against gensim in the same run.
// The file is generated under /tmp (kept between runs): word2vec text, values with six decimals as
// word2vec.c prints them, drawn around 4,000 random centres (a Gaussian mixture) so that, as in real
// embeddings, words have near neighbours; an approximate index is meaningless on structureless noise.
//   npm run bench -- vectors [ROWS] [QUERIES]
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { readVectors, writeVectors } from "../../src/vectors/index.js";
import { repoRoot, report, runTimed, target } from "../lib/common.js";
import { generateWord2vecText } from "./generate.js";

const rows = Number(process.argv[2] ?? 400000);
const queries = Number(process.argv[3] ?? 50);
const dim = 300;
const dir = "/tmp/embedlm-vectors-bench";
mkdirSync(dir, { recursive: true });
const text = join(dir, `mixture-${rows}x${dim}.txt`);
const native = join(dir, `mixture-${rows}x${dim}.emb`);

if (!existsSync(text)) {
  process.stderr.write(`generating ${text} ...\n`);
  await generateWord2vecText(`${text}.tmp`, rows, dim, { clusters: 4000, noise: 1 });
  renameSync(`${text}.tmp`, text);
}
if (!existsSync(native)) await writeVectors(native, readVectors(text), { format: "native" });

const child = join(repoRoot, "dist", "bench", "vectors", "child.js");
const py = join(repoRoot, "bench", "vectors", "gensim_load.py");
const node = process.execPath;

process.stderr.write("gensim: load_word2vec_format + most_similar ...\n");
const gensim = runTimed("/usr/bin/python3", [py, text, String(queries)]);
process.stderr.write("embedlm: text load + mostSimilar ...\n");
const ours = runTimed(node, [child, "load", text, String(queries)]);
process.stderr.write("embedlm: native load ...\n");
const nat = runTimed(node, [child, "load", native, String(queries)]);
process.stderr.write("embedlm: HNSW index (usearch) build, recall and latency ...\n");
const ann = runTimed(node, [child, "ann", native, String(queries)]);

const g = gensim.json as { load_seconds: number; query_median_ms: number };
const o = ours.json as { loadSeconds: number; queryMedianMs: number; matrixBytes: number };
const n = nat.json as { loadSeconds: number };
const a = ann.json as Record<string, number>;
const matrixMiB = o.matrixBytes / 2 ** 20;
// The smallest ef whose recall reaches 0.95 (else the best recall) stands for the index.
const efs = [64, 128, 256, 512];
const ef =
  efs.find((e) => a[`ef${e}_recallAt10`] >= 0.95) ??
  efs.reduce((b, e) => (a[`ef${e}_recallAt10`] > a[`ef${b}_recallAt10`] ? e : b));
const nativeMBps = statSync(native).size / 1e6 / n.loadSeconds;

report(
  "vectors",
  {
    rows,
    dim,
    queries,
    textFileMB: statSync(text).size / 1e6,
    nativeFileMB: statSync(native).size / 1e6,
    gensim: { ...g, wallSeconds: gensim.wallSeconds, peakRssMiB: gensim.peakRssMb },
    embedlm: { ...o, wallSeconds: ours.wallSeconds, peakRssMiB: ours.peakRssMb },
    native: { ...n, MBps: nativeMBps, peakRssMiB: nat.peakRssMb },
    ann: { ...a, chosenEf: ef, peakRssMiB: ann.peakRssMb },
    matrixMiB,
  },
  [
    target(
      "text load speed-up over gensim load_word2vec_format (x)",
      g.load_seconds / o.loadSeconds,
      5,
      ">=",
    ),
    target("native load (MB/s)", nativeMBps, 500, ">="),
    target("exact mostSimilar median latency / gensim's", o.queryMedianMs / g.query_median_ms, 1, "<="),
    target(`ANN recall@10 (ef ${ef})`, a[`ef${ef}_recallAt10`], 0.95, ">="),
    target(`ANN speed-up over exact (ef ${ef}, x)`, a.queryMedianMs / a[`ef${ef}_queryMedianMs`], 10, ">="),
    target("peak RSS loading text + querying / float32 matrix", ours.peakRssMb / matrixMiB, 1.3, "<="),
  ],
);
