// bench/vectors: loading and querying a 400,000 x 300 model, embedlm against gensim in the same run.
// The file is generated under /tmp (kept between runs): word2vec text, values with six decimals as
// word2vec.c prints them, drawn around 4,000 random centres (a Gaussian mixture) so that, as in real
// embeddings, words have near neighbours; an approximate index is meaningless on structureless noise.
//   npm run bench -- vectors [ROWS] [QUERIES] [PARTS]
// PARTS: a comma-separated subset of gensim,text,native,int8,ann (default all; ann, the HNSW build,
// takes minutes). int8: the native load with the int8 first pass of exact queries (useInt8Scan; an
// option, as its copy breaks the memory target). Only the targets whose measurements ran are reported.
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { readVectors, writeVectors } from "../../src/vectors/index.js";
import { repoRoot, report, runTimed, target } from "../lib/common.js";
import { generateWord2vecText } from "./generate.js";

const rows = Number(process.argv[2] ?? 400000);
const queries = Number(process.argv[3] ?? 50);
const allParts = ["gensim", "text", "native", "int8", "ann"];
const parts = new Set((process.argv[4] ?? allParts.join(",")).split(","));
for (const p of parts) if (!allParts.includes(p)) throw new Error(`unknown part '${p}'`);
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

type Gensim = { load_seconds: number; query_median_ms: number; wallSeconds: number; peakRssMiB: number };
type Ours = {
  loadSeconds: number;
  queryMedianMs: number;
  matrixBytes: number;
  wallSeconds: number;
  peakRssMiB: number;
};
let g: Gensim | undefined;
let o: Ours | undefined;
let n: (Ours & { MBps: number }) | undefined;
let a: Record<string, number> | undefined;
if (parts.has("gensim")) {
  process.stderr.write("gensim: load_word2vec_format + most_similar ...\n");
  const r = runTimed("/usr/bin/python3", [py, text, String(queries)]);
  g = { ...(r.json as Gensim), wallSeconds: r.wallSeconds, peakRssMiB: r.peakRssMb };
}
if (parts.has("text")) {
  process.stderr.write("embedlm: text load + mostSimilar ...\n");
  const r = runTimed(node, [child, "load", text, String(queries)]);
  o = { ...(r.json as Ours), wallSeconds: r.wallSeconds, peakRssMiB: r.peakRssMb };
}
if (parts.has("native")) {
  process.stderr.write("embedlm: native load + mostSimilar ...\n");
  const r = runTimed(node, [child, "load", native, String(queries)]);
  const json = r.json as Ours;
  n = {
    ...json,
    MBps: statSync(native).size / 1e6 / json.loadSeconds,
    wallSeconds: r.wallSeconds,
    peakRssMiB: r.peakRssMb,
  };
}
let i8: Ours | undefined;
if (parts.has("int8")) {
  process.stderr.write("embedlm: native load + mostSimilar with the int8 first pass ...\n");
  const r = runTimed(node, [child, "int8", native, String(queries)]);
  i8 = { ...(r.json as Ours), wallSeconds: r.wallSeconds, peakRssMiB: r.peakRssMb };
}
let ef = 0;
if (parts.has("ann")) {
  process.stderr.write("embedlm: HNSW index (usearch) build, recall and latency ...\n");
  const r = runTimed(node, [child, "ann", native, String(queries)]);
  a = { ...(r.json as Record<string, number>), peakRssMiB: r.peakRssMb };
  // The smallest ef whose recall reaches 0.95 (else the best recall) stands for the index.
  const efs = [64, 128, 256, 512];
  const got = a;
  ef =
    efs.find((e) => got[`ef${e}_recallAt10`] >= 0.95) ??
    efs.reduce((b, e) => (got[`ef${e}_recallAt10`] > got[`ef${b}_recallAt10`] ? e : b));
  a.chosenEf = ef;
}
const matrixMiB = (rows * dim * 4) / 2 ** 20;
const targets = [];
if (g && o) {
  targets.push(
    target(
      "text load speed-up over gensim load_word2vec_format (x)",
      g.load_seconds / o.loadSeconds,
      5,
      ">=",
    ),
  );
}
if (n) targets.push(target("native load (MB/s)", n.MBps, 500, ">="));
// The exact query runs in the text and the native child alike: the text one is the figure (same
// process that loaded the file, as gensim's).
const exact = o ?? n;
if (g && exact) {
  targets.push(
    target("exact mostSimilar median latency / gensim's", exact.queryMedianMs / g.query_median_ms, 1, "<="),
  );
}
if (a) {
  targets.push(target(`ANN recall@10 (ef ${ef})`, a[`ef${ef}_recallAt10`], 0.95, ">="));
  targets.push(
    target(`ANN speed-up over exact (ef ${ef}, x)`, a.queryMedianMs / a[`ef${ef}_queryMedianMs`], 10, ">="),
  );
}
if (o)
  targets.push(
    target("peak RSS loading text + querying / float32 matrix", o.peakRssMiB / matrixMiB, 1.3, "<="),
  );

report(
  "vectors",
  {
    rows,
    dim,
    queries,
    parts: [...parts],
    textFileMB: statSync(text).size / 1e6,
    nativeFileMB: statSync(native).size / 1e6,
    gensim: g,
    embedlm: o,
    native: n,
    int8: i8 && {
      ...i8,
      peakRssOverMatrix: i8.peakRssMiB / matrixMiB,
      ...(g && { latencyOverGensim: i8.queryMedianMs / g.query_median_ms }),
    },
    ann: a,
    matrixMiB,
  },
  targets,
);
