import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import {
  averageRanks,
  evaluateWordAnalogies,
  evaluateWordPairs,
  pearson,
  readWordPairs,
  spearman,
} from "../../src/eval/index.js";
import { EmbedlmError } from "../../src/util/errors.js";
import { KeyedVectors, writeVectors } from "../../src/vectors/index.js";
import { type GensimEval, gensim, skipWithoutGensim } from "../helpers/gensim.js";
import { tempDir } from "../helpers/tmp.js";
import { analogyWorld, writeAnalogyFile, writePairsFile } from "./fixtures.js";

const dir = tempDir("embedlm-eval-");
const world = analogyWorld();
const kv = new KeyedVectors(world.data);
const analogies = writeAnalogyFile(dir, world);
const pairs = writePairsFile(dir, world);

describe("statistics", () => {
  test("average ranks, Pearson and Spearman on hand-computed cases", () => {
    assert.deepEqual(Array.from(averageRanks([10, 20, 20, 5])), [2, 3.5, 3.5, 1]);
    assert.ok(Math.abs(pearson([1, 2, 3], [2, 4, 7]) - 0.9933992677987828) < 1e-12);
    assert.equal(spearman([1, 2, 3, 4], [10, 30, 20, 40]), 0.8);
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
  });
});

describe("word pairs", () => {
  test("reads SimLex-999's layout (score column from the header) and MEN's POS suffixes", () => {
    const simlex = join(dir, "simlex.txt");
    writeFileSync(
      simlex,
      "word1\tword2\tPOS\tSimLex999\tconc(w1)\nold\tnew\tA\t1.58\t2.72\nsmart\tintelligent\tA\t9.2\t1.75\n",
    );
    assert.deepEqual(readWordPairs(simlex).pairs, [
      { a: "old", b: "new", score: 1.58 },
      { a: "smart", b: "intelligent", score: 9.2 },
    ]);
    const men = join(dir, "men.txt");
    writeFileSync(men, "sun-n sunlight-n 50.000000\nautomobile-n car-n 50.000000\n");
    assert.deepEqual(
      readWordPairs(men).pairs.map((p) => [p.a, p.b, p.score]),
      [
        ["sun", "sunlight", 50],
        ["automobile", "car", 50],
      ],
    );
    const csv = join(dir, "ws.csv");
    writeFileSync(csv, "Word 1,Word 2,Human (mean)\nlove,sex,6.77\n");
    assert.deepEqual(readWordPairs(csv), {
      pairs: [{ a: "love", b: "sex", score: 6.77 }],
      skipped: 1,
      malformedLines: [],
    });
  });

  test("an all-OOV file is an error naming the file", () => {
    const f = join(dir, "oov.tsv");
    writeFileSync(f, "zz\tyy\t1\n");
    assert.throws(
      () => evaluateWordPairs(kv, f),
      /oov\.tsv: 0 usable pairs, a correlation needs 2 or more: 1 pairs read, 1 with unknown words/,
    );
  });

  test("malformed lines are skipped and named, a byte order mark is no part of the header", () => {
    const f = join(dir, "malformed.tsv");
    writeFileSync(
      f,
      "\uFEFFWord 1\tWord 2\tScore\nfiller1\tfiller2\t3\nfiller1\tabc\nfiller3\tfiller4\t7x\nfiller2\tfiller3\t5\n",
    );
    const r = evaluateWordPairs(kv, f);
    assert.deepEqual([r.pairs, r.skipped, r.malformedLines], [2, 3, [3, 4]]);
    writeFileSync(f, "filler1\tfiller2\t3\n");
    assert.throws(() => evaluateWordPairs(kv, f), /1 usable pairs, a correlation needs 2 or more/);
  });

  test("restrictVocab must be an integer >= 1, as for analogies", () => {
    for (const restrictVocab of [Number.NaN, 2.5, 0])
      assert.throws(
        () => evaluateWordPairs(kv, pairs, { restrictVocab }),
        (e: unknown) =>
          e instanceof EmbedlmError && /restrictVocab: expected an integer >= 1/.test(e.message),
        `restrictVocab ${restrictVocab}`,
      );
  });
});

describe("analogies", () => {
  test("planted analogies are mostly answered, per section and in total", () => {
    const r = evaluateWordAnalogies(kv, analogies);
    assert.deepEqual(
      r.sections.map((s) => s.section),
      ["capital-world", "gram-plural", "gram-tense", "Total accuracy"],
    );
    assert.equal(r.questions, 3 * (12 * 11 + 1));
    assert.equal(r.oov, 3);
    assert.ok(r.score > 0.8, `accuracy ${r.score}`);
    const total = r.sections.at(-1)!;
    assert.equal(total.correct.length + total.incorrect.length, 3 * 12 * 11);
    const threeWords = readFileSync(analogies, "utf8")
      .split("\n")
      .flatMap((l, i) => (l.split(" ").length === 3 ? [i + 1] : []));
    assert.equal(threeWords.length, 3);
    assert.deepEqual(r.malformedLines, threeWords);
  });

  test("a byte order mark is no part of the first header; a file without questions is an error", () => {
    const f = join(dir, "bom.txt");
    const [a, b, c, d] = readFileSync(analogies, "utf8").split("\n")[1].split(" ");
    writeFileSync(f, `\uFEFF: family\n${a} ${b} ${c} ${d}\n`);
    assert.deepEqual(
      evaluateWordAnalogies(kv, f).sections.map((s) => [s.section, s.correct.length + s.incorrect.length]),
      [
        ["family", 1],
        ["Total accuracy", 1],
      ],
    );
    writeFileSync(f, ": family\nonly three words\n");
    assert.throws(() => evaluateWordAnalogies(kv, f), /bom\.txt: no question: .* \(1 other lines\)/);
  });

  test("3CosMul picks, per question, the word maximising ((1+cos b)/2)((1+cos c)/2) / ((1+cos a)/2 + 1e-6)", () => {
    const r = evaluateWordAnalogies(kv, analogies, {
      method: "3CosMul",
      caseInsensitive: false,
      restrictVocab: 150,
    });
    const inVocab = new Set(kv.words.slice(0, 150));
    let checked = 0;
    for (const s of r.sections.slice(0, -1)) {
      for (const [list, ok] of [
        [s.correct, true],
        [s.incorrect, false],
      ] as const) {
        for (const [a, b, c, d] of list) {
          let best = "";
          let bestScore = Number.NEGATIVE_INFINITY;
          for (const w of inVocab) {
            if (w === a || w === b || w === c) continue;
            const cos = (x: string) => (1 + kv.similarity(w, x)) / 2;
            const score = (cos(b) * cos(c)) / (cos(a) + 0.000001);
            if (score > bestScore) [best, bestScore] = [w, score];
          }
          assert.equal(best === d, ok, `${a} ${b} ${c} ${d}: best ${best}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 50, `${checked} questions checked`);
  });

  test("batchSize must be an integer >= 1; any valid size gives the same answers", () => {
    for (const batchSize of [Number.NaN, 2.5, -1, 0]) {
      assert.throws(
        () => evaluateWordAnalogies(kv, analogies, { batchSize }),
        (e: unknown) => e instanceof EmbedlmError && /batchSize: expected an integer >= 1/.test(e.message),
        `batchSize ${batchSize}`,
      );
    }
    const want = evaluateWordAnalogies(kv, analogies);
    for (const batchSize of [1, 7])
      assert.deepEqual(evaluateWordAnalogies(kv, analogies, { batchSize }), want);
  });

  test("a question before any section header is an error with its line", () => {
    const f = join(dir, "nosection.txt");
    writeFileSync(f, "a b c d\n");
    assert.throws(() => evaluateWordAnalogies(kv, f), /nosection\.txt: line 1: missing ': section' header/);
  });
});

describe("evaluations against gensim", { skip: skipWithoutGensim() }, () => {
  const file = join(dir, "world.bin");
  const settings = [
    {},
    { restrict_vocab: 150 },
    { restrict_vocab: 150, dummy4unknown: true },
    { case_insensitive: false, dummy4unknown: true },
  ];
  const camel = (s: Record<string, unknown>) => ({
    restrictVocab: s.restrict_vocab as number | undefined,
    dummy4unknown: s.dummy4unknown as boolean | undefined,
    caseInsensitive: s.case_insensitive as boolean | undefined,
  });

  test("evaluateWordPairs and evaluateWordAnalogies give gensim's numbers and lists", async () => {
    await writeVectors(file, world.data, { format: "word2vec-binary" });
    const g = gensim<GensimEval>({
      op: "eval",
      file,
      binary: true,
      pairs: settings.map((s) => ({ file: pairs, ...s })),
      analogies: settings.map((s) => ({ file: analogies, ...s })),
    });
    for (const [i, s] of settings.entries()) {
      const what = JSON.stringify(s);
      const p = evaluateWordPairs(kv, pairs, camel(s));
      assert.ok(
        Math.abs(p.pearson - g.pairs[i].pearson) < 1e-5,
        `${what} pearson ${p.pearson} vs ${g.pairs[i].pearson}`,
      );
      assert.ok(Math.abs(p.spearman - g.pairs[i].spearman) < 1e-5, `${what} spearman`);
      assert.ok(Math.abs(p.oovRatio - g.pairs[i].oov_ratio) < 1e-9, `${what} oov ratio`);
      const a = evaluateWordAnalogies(kv, analogies, camel(s));
      assert.ok(
        Math.abs(a.score - g.analogies[i].score) < 1e-12,
        `${what} analogy score ${a.score} vs ${g.analogies[i].score}`,
      );
      assert.deepEqual(a.sections, g.analogies[i].sections, what);
    }
  });
});
