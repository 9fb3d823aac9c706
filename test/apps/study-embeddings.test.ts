import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { ptbStyle, STUDY_VARIANTS } from "../../src/apps/study-embeddings.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir } from "../helpers/tmp.js";

const cli = join(process.cwd(), "dist", "src", "cli", "main.js");
const dir = tempDir("embedlm-study-");

test("ptbStyle writes a general corpus the way PTB is written", () => {
  assert.equal(
    ptbStyle(" The 1 @,@ 000 well @-@ known Ships sailed in 1851 , at 3 @.@ 5 knots "),
    "the N well-known ships sailed in N , at N knots",
  );
  assert.equal(ptbStyle("   "), "");
});

/** Sentences of a small grammar: determiners, adjectives, nouns and verbs in a fixed pattern. */
function sentences(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  const pick = (ws: string[]) => ws[rng.nextU32() % ws.length];
  const det = ["the", "a", "every"];
  const adj = ["big", "small", "red", "old", ""];
  const noun = ["cat", "dog", "ship", "whale", "sailor", "captain", "bird"];
  const verb = ["sees", "follows", "likes", "finds"];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = [pick(det), pick(adj), pick(noun), pick(verb), pick(det), pick(adj), pick(noun)];
    out.push(s.filter((w) => w !== "").join(" "));
  }
  return out;
}

test("embedlm study embeddings --quick writes a table and a plot whose numbers agree", async () => {
  await writeFile(join(dir, "ptb.train.txt"), `${sentences(300, 1).join("\n")}\n`);
  await writeFile(join(dir, "ptb.valid.txt"), `${sentences(40, 2).join("\n")}\n`);
  await writeFile(join(dir, "ptb.test.txt"), `${sentences(40, 3).join("\n")}\n`);
  // The general corpus: the same grammar in other case, with numbers, and missing the word "bird".
  const general = sentences(600, 4)
    .filter((s) => !s.includes("bird"))
    .map((s, i) => `${s.toUpperCase()} ${i}`);
  await writeFile(join(dir, "general.txt"), `${general.join("\n")}\n`);
  const output = join(dir, "docs", "study.md");
  /** `embedlm --json study embeddings --quick` on the test data: its exit status and JSON result. */
  const study = (out: string, work: string, fractions: string, variants: string) => {
    const r = spawnSync(
      process.execPath,
      [
        cli,
        "--json",
        "study",
        "embeddings",
        "--ptb",
        dir,
        "--corpus",
        join(dir, "general.txt"),
        "-o",
        out,
        "--work-dir",
        join(dir, work),
        "--fractions",
        fractions,
        "--threads",
        "1",
        "--quick",
        "--variants",
        variants,
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split("\n").pop()!;
  };
  const json = JSON.parse(study(output, "work", "0.5,1", Object.keys(STUDY_VARIANTS).join(","))) as {
    vectors: { typeCoverage: number; tokenCoverage: number };
    runs: {
      fraction: number;
      variant: string;
      label: string;
      bestValidPerplexity: number;
      testPerplexity: number;
      validPerplexities: number[];
    }[];
  };
  const variants = Object.keys(STUDY_VARIANTS);
  assert.equal(json.runs.length, 2 * variants.length);
  assert.deepEqual(
    json.runs.map((x) => `${x.fraction} ${x.variant}`),
    [0.5, 1].flatMap((f) => variants.map((v) => `${f} ${v}`)),
  );
  // Epochs 2 and 1 (--quick); the best validation perplexity is the smallest of the epochs'.
  for (const run of json.runs) {
    assert.equal(run.validPerplexities.length, run.fraction === 0.5 ? 2 : 1);
    assert.equal(run.bestValidPerplexity, Math.min(...run.validPerplexities));
    // Uniform over the 20 words, <eos> and <unk> is 22; the grammar's own perplexity is about 4.5.
    assert.ok(run.testPerplexity > 4 && run.testPerplexity < 20, `${run.label}: ${run.testPerplexity}`);
  }
  // The vectors (one epoch on 3,000 tokens) are poor; the randomly initialised model learns the grammar.
  const random = json.runs.find((x) => x.variant === "random" && x.fraction === 1)!;
  assert.ok(random.testPerplexity < 10, `random init: ${random.testPerplexity}`);
  // Coverage computed independently: the training types and tokens minus "bird" (and <eos>/<unk>
  // are not words of the file).
  const train = readFileSync(join(dir, "ptb.train.txt"), "utf8").split(/\s+/).filter(Boolean);
  const types = new Set(train);
  assert.equal(json.vectors.typeCoverage, (types.size - 1) / types.size);
  assert.equal(json.vectors.tokenCoverage, train.filter((w) => w !== "bird").length / train.length);

  const md = readFileSync(output, "utf8");
  assert.ok(!md.includes("In progress"), "the final report");
  assert.ok(md.includes("![Validation perplexity per epoch](study.svg)"));
  // Every run's row holds the figures of the JSON result, to one decimal.
  for (const run of json.runs) {
    const row = md
      .split("\n")
      .find((l) => l.startsWith(`| ${100 * run.fraction}% (`) && l.includes(`| ${run.label} |`));
    assert.ok(row, `a row for ${run.fraction} ${run.label}`);
    const cells = row.split("|").map((c) => c.trim());
    assert.equal(Number(cells[3]), run.validPerplexities.length);
    assert.equal(Number(cells[4]), Number(run.bestValidPerplexity.toFixed(1)));
    assert.equal(Number(cells[5]), Number(run.testPerplexity.toFixed(1)));
  }
  const svg = readFileSync(join(dir, "docs", "study.svg"), "utf8");
  assert.ok(svg.startsWith("<svg"));
  for (const label of Object.values(STUDY_VARIANTS).map((v) => v.label))
    assert.ok(svg.includes(`>${label}<`));
  // Every drawn point is a run's validation perplexity at an epoch: Vega labels each point with its
  // data (numbers to 12 significant digits), the panel aside.
  const label =
    /aria-label="epoch: ([\d.]+); validation perplexity: ([\d.e+]+); series: ([^;"]+);[^"]*" role="graphics-symbol" aria-roledescription="point"/g;
  const byKey = (a: [string, number, number], b: [string, number, number]) =>
    a[0].localeCompare(b[0]) || a[1] - b[1] || a[2] - b[2];
  const drawn = [...svg.matchAll(label)]
    .map((m): [string, number, number] => [m[3], Number(m[1]), Number(m[2])])
    .sort(byKey);
  const want = json.runs
    .flatMap((run) => run.validPerplexities.map((v, i): [string, number, number] => [run.label, i + 1, v]))
    .sort(byKey);
  assert.equal(drawn.length, want.length);
  drawn.forEach(([series, epoch, y], i) => {
    assert.deepEqual([series, epoch], want[i].slice(0, 2));
    assert.ok(
      Math.abs(y - want[i][2]) <= 1e-10 * want[i][2],
      `${series} epoch ${epoch}: ${y} vs ${want[i][2]}`,
    );
  });
  // --quick with one fraction of the data: one epoch count for it (2, for a share).
  const one = study(join(dir, "docs", "one.md"), "work-one", "0.5", "random");
  const oneRuns = (JSON.parse(one) as typeof json).runs;
  assert.deepEqual(
    oneRuns.map((x) => [x.fraction, x.validPerplexities.length]),
    [[0.5, 2]],
  );
});
