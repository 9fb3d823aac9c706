// The vectors commands end to end: `node dist/src/cli/main.js ...` on generated files.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { KeyedVectors, readVectors, writeVectors } from "../../src/vectors/index.js";
import { analogyWorld, writeAnalogyFile, writePairsFile } from "../eval/fixtures.js";
import { tempDir } from "../helpers/tmp.js";

const main = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli", "main.js");
const dir = tempDir("embedlm-vectors-");
const world = analogyWorld();
const kv = new KeyedVectors(world.data);
const vec = join(dir, "world.bin");
await writeVectors(vec, world.data, { format: "word2vec-binary" });

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: "utf8", input });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    json: () => JSON.parse(r.stdout.trim().split("\n").at(-1)!),
  };
}

describe("vectors CLI", () => {
  test("similar prints the library's neighbours; --json returns them", () => {
    const want = kv.mostSimilar({ positive: ["filler3", "filler4"], negative: ["filler5"], topn: 4 });
    const r = run(["--json", "similar", vec, "filler3", "filler4", "--negative", "filler5", "--topn", "4"]);
    assert.equal(r.code, 0, r.stderr);
    const got = r.json().neighbours as Array<{ word: string; similarity: number }>;
    assert.deepEqual(
      got.map((x) => x.word),
      want.map((x) => x[0]),
    );
    const text = run(["similar", vec, "filler3", "--topn", "2"]);
    assert.equal(text.stdout.trim().split("\n").length, 2);
  });

  test("analogy answers a planted analogy and doesnt-match names the odd word", () => {
    const [[a, b], [c, d]] = world.sectionPairs[0];
    const r = run(["--json", "analogy", vec, a, b, c, "--topn", "1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json().answers[0].word, d);
    const odd = kv.doesntMatch(["filler1", "filler2", "filler3", "nosuchword"]);
    const m = run(["doesnt-match", vec, "filler1", "filler2", "filler3", "nosuchword"]);
    assert.equal(m.code, 0, m.stderr);
    assert.equal(m.stdout.trim(), odd);
    assert.match(m.stderr, /ignored: nosuchword/);
  });

  test("eval reports analogy and pair scores equal to the library's", async () => {
    const { evaluateWordAnalogies, evaluateWordPairs } = await import("../../src/eval/index.js");
    const qa = writeAnalogyFile(dir, world);
    const pairs = writePairsFile(dir, world);
    const r = run(["--json", "eval", vec, "--analogies", qa, "--pairs", pairs, "--restrict", "150"]);
    assert.equal(r.code, 0, r.stderr);
    const j = r.json();
    assert.equal(j.analogies[0].accuracy, evaluateWordAnalogies(kv, qa, { restrictVocab: 150 }).score);
    assert.ok(
      Math.abs(j.pairs[0].spearman - evaluateWordPairs(kv, pairs, { restrictVocab: 150 }).spearman) < 1e-12,
    );
    assert.equal(run(["eval", vec]).code, 1);
    // Malformed lines (the analogy file has one three-word line per section) are named on stderr.
    const w = run(["--json", "eval", vec, "--analogies", qa]);
    assert.match(w.stderr, /lines skipped \(neither ': section' nor four words\): line \d+, \d+, \d+\n/);
    assert.equal(w.json().analogies[0].malformedLines.length, 3);
  });

  test("convert goes through every format and back bit for bit", () => {
    let from = vec;
    for (const [name, to] of [
      ["a.txt", undefined],
      ["b.glove", undefined],
      ["c.emb", undefined],
      ["d.vec", undefined],
      ["e.out", "word2vec-binary"],
    ] as const) {
      const out = join(dir, name);
      const r = run(["convert", from, out, ...(to ? ["--to", to] : [])]);
      assert.equal(r.code, 0, r.stderr);
      from = out;
    }
    const back = readVectors(from);
    assert.deepEqual(back.words, world.data.words);
    assert.deepEqual(Buffer.from(back.vectors.buffer), Buffer.from(world.data.vectors.buffer));
  });

  test("explore answers piped lines", () => {
    const r = run(
      ["explore", vec, "--topn", "2"],
      "filler1\n:topn 1\nfiller1 - filler2 + filler3\nnosuchword\n:quit\nfiller9\n",
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    const top = kv.mostSimilar({ positive: ["filler1", "filler3"], negative: ["filler2"], topn: 1 })[0][0];
    assert.equal(lines.length, 4, r.stdout);
    assert.match(lines[2], new RegExp(`^\\s+${top}\\s`));
    assert.equal(lines[3], "not in the vocabulary: nosuchword");
  });

  test("explore --quiet --json prints the result line only", () => {
    const r = run(["explore", vec, "--quiet", "--json"], "filler1\n:help\nnosuchword\n");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split("\n"), ['{"queries":3}', ""]);
  });

  test("bad input: clear errors, non-zero exit, no partial output", () => {
    const truncated = join(dir, "trunc.txt");
    writeFileSync(truncated, "3 2\nalpha 1.5 2.5\nbeta 3.5 4.5\n");
    const r = run(["similar", truncated, "alpha"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /trunc\.txt: line 4: the file ends after 2 rows but the header promises 3/);
    const out = join(dir, "never.txt");
    const c = run(["convert", truncated, out]);
    assert.equal(c.code, 1);
    assert.ok(!existsSync(out));
    const nan = join(dir, "nan.txt");
    writeFileSync(nan, "1 2\nw 1 NaN\n");
    assert.match(
      run(["convert", nan, join(dir, "x.emb")]).stderr,
      /nan\.txt: line 2: value 2: value 'NaN' is not finite/,
    );
    const oov = run(["similar", vec, "nosuchword"]);
    assert.equal(oov.code, 1);
    assert.match(oov.stderr, /positive: 'nosuchword' is not in the vocabulary/);
    assert.match(run(["convert", vec, join(dir, "y.unknown")]).stderr, /cannot tell the output format/);
    assert.match(
      run(["similar", vec, "filler1", "--topn", "x"]).stderr,
      /--topn: expected an integer >= 1, got 'x'/,
    );
    const d = run(["similar", dir, "filler1"]);
    assert.equal(d.code, 1);
    assert.match(d.stderr, /cannot read: EISDIR/);
    assert.notEqual(readFileSync(vec).length, 0);
  });
});
