// The HNSW index (usearch) against exact search on clustered vectors.
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { AnnIndex, KeyedVectors } from "../../src/vectors/index.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("embedlm-vectors-");

function clustered(n: number, dim: number, clusters: number, noise: number): KeyedVectors {
  const rng = new Rng(4);
  const centres = Float32Array.from({ length: clusters * dim }, () => rng.normal());
  const vectors = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    const c = rng.int(clusters);
    for (let j = 0; j < dim; j++) vectors[r * dim + j] = centres[c * dim + j] + noise * rng.normal();
  }
  return new KeyedVectors({ words: Array.from({ length: n }, (_, i) => `w${i}`), dim, vectors });
}

test("recall@10 against exact search, input words left out, save and load", async () => {
  const kv = clustered(3000, 24, 60, 0.5);
  // One build thread: a parallel HNSW build differs run to run, and so did the recall (0.981-0.99+).
  const index = AnnIndex.build(kv, { expansionSearch: 100, threads: 1 });
  let hits = 0;
  const queries = 60;
  for (let i = 0; i < queries; i++) {
    const w = `w${i * 37}`;
    const exact = kv.mostSimilar({ positive: [w] });
    const approx = kv.mostSimilar({ positive: [w], indexer: index });
    assert.equal(approx.length, 10);
    assert.ok(!approx.some(([x]) => x === w), "the query word is left out");
    const want = new Set(exact.map(([x]) => x));
    hits += approx.filter(([x]) => want.has(x)).length;
    // Scores are cosine similarities: the same numbers exact search gives for those words.
    for (const [x, s] of approx) assert.ok(Math.abs(s - kv.similarity(w, x)) < 1e-5, `${w} ${x}`);
  }
  const recall = hits / (10 * queries);
  assert.ok(recall >= 0.95, `recall@10 ${recall}`);
  const file = join(dir, "index.usearch");
  await index.save(file);
  assert.deepEqual(await readdir(dir), ["index.usearch"], "saved through a temporary name, none left");
  const back = AnnIndex.load(file, kv, { expansionSearch: 100 });
  assert.deepEqual(back.search(kv.get("w5"), 5), index.search(kv.get("w5"), 5));
  // A tiny search beam finds fewer true neighbours than a wide one.
  const narrow = AnnIndex.load(file, kv, { expansionSearch: 1 });
  const wide = AnnIndex.load(file, kv, { expansionSearch: 400 });
  let narrowHits = 0;
  let wideHits = 0;
  for (let i = 0; i < 100; i++) {
    const q = kv.get(`w${i * 29}`);
    const want = new Set(kv.nearest(q, { topn: 10 }).indices);
    narrowHits += narrow.search(q, 10).indices.filter((x) => want.has(x)).length;
    wideHits += wide.search(q, 10).indices.filter((x) => want.has(x)).length;
  }
  assert.ok(wideHits >= narrowHits, `ef 400 ${wideHits} vs ef 1 ${narrowHits}`);
  assert.ok(wideHits >= 990, `ef 400 recall ${wideHits / 1000}`);
  assert.throws(
    () => AnnIndex.load(file, clustered(10, 24, 2, 0.5)),
    /the index holds 3000 vectors but the model has 10/,
  );
  assert.throws(
    () => kv.mostSimilar({ positive: ["w1"], indexer: index, restrictVocab: 10 }),
    /restrictVocab/,
  );
});
