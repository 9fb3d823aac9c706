// The evaluations on the real files in ../shared/data (skipped without it): every question and pair
// is read, and with vectors for their words the results equal gensim's.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { evaluateWordAnalogies, evaluateWordPairs, readWordPairs } from "../../src/eval/index.js";
import { Rng } from "../../src/util/rng.js";
import { KeyedVectors, writeVectors } from "../../src/vectors/index.js";
import { type GensimEval, gensim, skipWithoutGensim } from "../helpers/gensim.js";
import { sharedData, skipUnless } from "../helpers/shared.js";
import { tempDir } from "../helpers/tmp.js";

const analogies = sharedData("google-analogy/questions-words.txt");
const simlex = sharedData("simlex-999/SimLex-999.txt");
const skip = skipUnless(analogies && simlex, "google-analogy and simlex-999") || skipWithoutGensim();
const dir = tempDir("embedlm-eval-");

/** Vectors for the files' words (lower-cased, every 17th left out as unknown), random but seeded. */
function vectorsFor(files: string[]): KeyedVectors {
  const seen = new Set<string>();
  for (const f of files) {
    for (const line of readFileSync(f, "utf8").split("\n")) {
      if (line.startsWith(":")) continue;
      for (const w of line.split(/\s+/).slice(0, 4)) if (/^[A-Za-z]/.test(w)) seen.add(w.toLowerCase());
    }
  }
  const words = [...seen].filter((_, i) => i % 17 !== 5);
  const rng = new Rng(8);
  const dim = 16;
  return new KeyedVectors({
    words,
    dim,
    vectors: Float32Array.from({ length: words.length * dim }, () => rng.normal()),
  });
}

describe("evaluation files from ../shared/data", { skip }, () => {
  test("questions-words.txt and SimLex-999 are read whole; results equal gensim's", async () => {
    const kv = vectorsFor([analogies!, simlex!]);
    const pairs = readWordPairs(simlex!);
    assert.equal(pairs.pairs.length, 999);
    assert.equal(pairs.skipped, 1);
    // gensim reads only three-column files: give it SimLex's word1, word2 and SimLex999 columns.
    const three = join(dir, "simlex3.tsv");
    writeFileSync(three, pairs.pairs.map((p) => `${p.a}\t${p.b}\t${p.score}`).join("\n"));
    const file = join(dir, "kv.bin");
    await writeVectors(file, kv, { format: "word2vec-binary" });
    // A restricted vocabulary keeps gensim quick (the full one is covered by eval.test.ts).
    const restricts = [600];
    const g = gensim<GensimEval>({
      op: "eval",
      file,
      binary: true,
      pairs: restricts.map((r) => ({ file: three, restrict_vocab: r })),
      analogies: restricts.map((r) => ({ file: analogies, restrict_vocab: r })),
    });
    for (const [i, restrictVocab] of restricts.entries()) {
      const a = evaluateWordAnalogies(kv, analogies!, { restrictVocab });
      assert.equal(a.questions, 19544);
      assert.equal(a.sections.length, 15);
      assert.equal(a.score, g.analogies[i].score);
      assert.deepEqual(a.sections, g.analogies[i].sections);
      const p = evaluateWordPairs(kv, simlex!, { restrictVocab });
      assert.ok(
        Math.abs(p.spearman - g.pairs[i].spearman) < 1e-5,
        `spearman ${p.spearman} vs ${g.pairs[i].spearman}`,
      );
      assert.ok(Math.abs(p.pearson - g.pairs[i].pearson) < 1e-5);
      assert.ok(Math.abs(p.oovRatio - g.pairs[i].oov_ratio) < 1e-9);
    }
  });
});
