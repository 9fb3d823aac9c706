// embedlm's measured side of bench/vectors, run as a child process under /usr/bin/time:
//   child.js load FILE QUERIES      load (any format) then time exact mostSimilar queries
//   child.js int8 FILE QUERIES      the same with the int8 first pass (useInt8Scan)
//   child.js ann FILE QUERIES       load, build the HNSW index, recall@10 and latency against exact
// Prints one JSON line.
import { AnnIndex, KeyedVectors } from "../../src/vectors/index.js";

const [mode, file, n] = process.argv.slice(2);
const queries = Number(n);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const t0 = performance.now();
const kv = await KeyedVectors.load(file, { int8Scan: mode === "int8" });
const loadSeconds = (performance.now() - t0) / 1000;
const words = Array.from({ length: queries + 1 }, (_, i) => kv.words[(i * 7919) % kv.size]);
const tw = performance.now();
// Warm-up: computes the norms once, as gensim's does (and the int8 copy).
kv.mostSimilar({ positive: [words[0]] });
const warmUpSeconds = (performance.now() - tw) / 1000;
const exactMs: number[] = [];
const exact: string[][] = [];
for (const w of words.slice(1)) {
  const t = performance.now();
  exact.push(kv.mostSimilar({ positive: [w], topn: 10 }).map(([x]) => x));
  exactMs.push(performance.now() - t);
}
const out: Record<string, number> = {
  loadSeconds,
  count: kv.size,
  dim: kv.dim,
  matrixBytes: kv.vectors.byteLength,
  queryMedianMs: median(exactMs),
  warmUpSeconds,
};
if (mode === "ann") {
  const t1 = performance.now();
  const built = AnnIndex.build(kv, {
    connectivity: 16,
    expansionAdd: 64,
    expansionSearch: 64,
    quantization: "f32",
  });
  out.annBuildSeconds = (performance.now() - t1) / 1000;
  // usearch fixes ef when an index is made: try each through a save and load (of this run's index:
  // the save is awaited, so a file left by an earlier run is never what is measured).
  const saved = `${file}.usearch`;
  await built.save(saved);
  for (const ef of [64, 128, 256, 512]) {
    const index = AnnIndex.load(saved, kv, { expansionSearch: ef, quantization: "f32" });
    kv.mostSimilar({ positive: [words[0]], indexer: index });
    let hits = 0;
    const annMs: number[] = [];
    for (const [i, w] of words.slice(1).entries()) {
      const t = performance.now();
      const got = kv.mostSimilar({ positive: [w], topn: 10, indexer: index });
      annMs.push(performance.now() - t);
      const want = new Set(exact[i]);
      hits += got.filter(([x]) => want.has(x)).length;
    }
    out[`ef${ef}_recallAt10`] = hits / (10 * queries);
    out[`ef${ef}_queryMedianMs`] = median(annMs);
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
