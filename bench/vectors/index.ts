// bench/vectors: loading and querying a 400,000 x 300 model, embedlm against gensim in the same run.
// The file is generated under /tmp (kept between runs): word2vec text, values with six decimals as
// word2vec.c prints them, drawn around 4,000 random centres (a Gaussian mixture) so that, as in real
// embeddings, words have near neighbours; an approximate index is meaningless on structureless noise.
//   npm run bench -- vectors [ROWS] [QUERIES] [PARTS]
// PARTS: a comma-separated subset of gensim,text,native,int8,ann (default all; ann, the HNSW build,
// takes minutes). int8: the native load with the int8 first pass of exact queries (useInt8Scan; an
// option, as its copy breaks the memory target). Every target is reported; those whose parts did not
// run are listed as not measured.
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { readVectors, writeVectors } from "../../src/vectors/index.js";
import { failedRun, measure, notMeasured, repoRoot, report, runTimed, target } from "../lib/common.js";
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
  const r = measure("gensim", () => runTimed("/usr/bin/python3", [py, text, String(queries)]), failedRun);
  g = { ...(r.json as Gensim), wallSeconds: r.wallSeconds, peakRssMiB: r.peakRssMb };
}
if (parts.has("text")) {
  process.stderr.write("embedlm: text load + mostSimilar ...\n");
  const r = measure("embedlm text", () => runTimed(node, [child, "load", text, String(queries)]), failedRun);
  o = { ...(r.json as Ours), wallSeconds: r.wallSeconds, peakRssMiB: r.peakRssMb };
}
if (parts.has("native")) {
  process.stderr.write("embedlm: native load + mostSimilar ...\n");
  const r = measure(
    "embedlm native",
    () => runTimed(node, [child, "load", native, String(queries)]),
    failedRun,
  );
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
  const r = measure(
    "embedlm int8",
    () => runTimed(node, [child, "int8", native, String(queries)]),
    failedRun,
  );
  i8 = { ...(r.json as Ours), wallSeconds: r.wallSeconds, peakRssMiB: r.peakRssMb };
}
let ef = 0;
if (parts.has("ann")) {
  process.stderr.write("embedlm: HNSW index (usearch) build, recall and latency ...\n");
  const r = measure("embedlm ann", () => runTimed(node, [child, "ann", native, String(queries)]), failedRun);
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
const skipped = (...need: string[]) =>
  `not measured: needs part(s) ${need.join(", ")} (PARTS ${[...parts].join(",")})`;
const targets = [
  g && o
    ? target(
        "text load speed-up over gensim load_word2vec_format (x)",
        g.load_seconds / o.loadSeconds,
        5,
        ">=",
      )
    : notMeasured(
        "text load speed-up over gensim load_word2vec_format (x)",
        5,
        ">=",
        skipped("gensim", "text"),
      ),
  n
    ? target("native load (MB/s)", n.MBps, 500, ">=")
    : notMeasured("native load (MB/s)", 500, ">=", skipped("native")),
];
// The exact query runs in the text and the native child alike: the text one is the figure (same
// process that loaded the file, as gensim's).
const exact = o ?? n;
const latency = "exact mostSimilar median latency / gensim's";
targets.push(
  g && exact
    ? target(latency, exact.queryMedianMs / g.query_median_ms, 1, "<=")
    : notMeasured(latency, 1, "<=", skipped("gensim", "text or native")),
);
if (a) {
  targets.push(target(`ANN recall@10 (ef ${ef})`, a[`ef${ef}_recallAt10`], 0.95, ">="));
  targets.push(
    target(`ANN speed-up over exact (ef ${ef}, x)`, a.queryMedianMs / a[`ef${ef}_queryMedianMs`], 10, ">="),
  );
} else {
  targets.push(notMeasured("ANN recall@10", 0.95, ">=", skipped("ann")));
  targets.push(notMeasured("ANN speed-up over exact (x)", 10, ">=", skipped("ann")));
}
const rss = "peak RSS loading text + querying / float32 matrix";
targets.push(
  o ? target(rss, o.peakRssMiB / matrixMiB, 1.3, "<=") : notMeasured(rss, 1.3, "<=", skipped("text")),
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
