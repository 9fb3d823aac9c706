import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "../helpers/tmp.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const cli = join(root, "dist", "src", "cli", "main.js");
const dir = tempDir("embedlm-cli-train-");

const corpus = join(dir, "corpus.txt");
const words = "the cat sat on the mat while the dog ate the bone near the cat".split(" ");
writeFileSync(corpus, Array.from({ length: 200 }, (_, i) => words.slice(i % 5).join(" ")).join("\n"));

function run(...args: string[]) {
  return spawnSync(process.execPath, [cli, "train", ...args], { encoding: "utf8" });
}

/** A quick one-thread training run of `corpus` into `out` (4 dimensions, 1 epoch), plus `args`. */
const quick = (corpus: string, out: string, ...args: string[]) =>
  run(corpus, "-o", out, "--dim", "4", "--epochs", "1", "--threads", "1", ...args);

test("trains with word2vec.c option names and writes word2vec text", () => {
  const out = join(dir, "v.txt");
  const r = run(
    "-train",
    corpus,
    "-output",
    out,
    "-size",
    "8",
    "-iter",
    "2",
    "-cbow",
    "1",
    "-threads",
    "1",
    "--json",
  );
  assert.equal(r.status, 0, r.stderr);
  const header = readFileSync(out, "utf8").split("\n")[0];
  assert.equal(header, "10 8");
  const json = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(json.model, "cbow");
  assert.equal(json.epochs.length, 2);
  assert.ok(!existsSync(`${out}.ckpt`), "the default checkpoint is removed after a successful run");
});

test("the default model: CBOW (alpha 0.05) with -train as word2vec.c, else embedlm's skip-gram (0.025)", () => {
  const out = join(dir, "d.txt");
  const cases: [string[], string, number][] = [
    [["-train", corpus, "-output", out], "cbow", 0.05],
    [["-train", corpus, "-output", out, "-cbow", "0"], "skipgram", 0.025],
    [["-train", corpus, "-output", out, "--sg", "1"], "skipgram", 0.025],
    [["-train", corpus, "-output", out, "--model", "skipgram"], "skipgram", 0.025],
    [[corpus, "-o", out], "skipgram", 0.025],
    [[corpus, "-o", out, "--sg", "0"], "cbow", 0.05],
  ];
  for (const [args, model, alpha] of cases) {
    const r = run(...args, "-size", "4", "-iter", "1", "-threads", "1", "--json");
    assert.equal(r.status, 0, r.stderr);
    const json = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(json.model, model, args.join(" "));
    assert.equal(json.alpha, alpha, args.join(" "));
  }
});

test("bad input: clear error, non-zero exit, no output file", () => {
  const out = join(dir, "bad.bin");
  const cases: [string[], RegExp][] = [
    [["--dim", "0"], /--dim: expected an integer in \[1, 10000\], got '0'/],
    [["--dim", "10001"], /--dim: expected an integer in \[1, 10000\], got '10001'/],
    [["--window", "-1"], /--window: expected an integer/],
    [["--threads", "0"], /--threads: expected an integer/],
    [["--dim", "abc"], /--dim: expected an integer in \[1, 10000\], got 'abc'/],
    [["--min-count", "1000"], /min_count=1000 .*2,?\d* words/],
    [["--model", "glove"], /--model: expected skipgram or cbow/],
  ];
  for (const [args, message] of cases) {
    const r = run(corpus, "-o", out, ...args);
    assert.notEqual(r.status, 0, args.join(" "));
    assert.match(r.stderr, message);
  }
  const missing = run(join(dir, "nope.txt"), "-o", out);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /nope\.txt: no such file/);
  const unwritable = run(corpus, "-o", dir);
  assert.notEqual(unwritable.status, 0);
  assert.match(unwritable.stderr, /is a directory/);
  assert.ok(!existsSync(out));
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith("bad") || f.endsWith(".tmp")),
    [],
    "no partial files",
  );
});

test("stdin '-': copied to a temporary file for the passes over it, removed afterwards (also on error)", () => {
  const tmp = mkdtempSync(join(dir, "tmp-"));
  const text = readFileSync(corpus, "utf8");
  const viaStdin = (out: string, ...args: string[]) =>
    spawnSync(
      process.execPath,
      [cli, "train", "-", "-o", out, "--dim", "4", "--epochs", "2", "--threads", "1", "--json", ...args],
      { encoding: "utf8", input: text, env: { ...process.env, TMPDIR: tmp } },
    );
  const out = join(dir, "stdin.txt");
  const r = viaStdin(out);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(json.epochs.length, 2);
  // The same run from the file gives the same vectors (one thread, same seed).
  const fromFile = join(dir, "file.txt");
  const f = run(corpus, "-o", fromFile, "--dim", "4", "--epochs", "2", "--threads", "1");
  assert.equal(f.status, 0, f.stderr);
  assert.equal(readFileSync(out, "utf8"), readFileSync(fromFile, "utf8"));
  assert.deepEqual(readdirSync(tmp), [], "the copy of stdin is removed");
  const bad = viaStdin(join(dir, "never.txt"), "--min-count", "1000");
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /min_count=1000/);
  assert.deepEqual(readdirSync(tmp), [], "the copy of stdin is removed after an error");
});

test("invalid UTF-8 is reported on stderr on the default (byte-level) path and with --lowercase", () => {
  const bad = join(dir, "latin1.txt");
  const line = Buffer.from("the cat sat on the mat\n");
  writeFileSync(
    bad,
    Buffer.concat([
      ...Array.from({ length: 20 }, () => line),
      Buffer.from("caf"),
      Buffer.from([0xe9]),
      Buffer.from(" au lait\n"),
    ]),
  );
  for (const extra of [[], ["--lowercase"]]) {
    const r = quick(bad, join(dir, "latin1.vec"), ...extra);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: .*latin1\.txt: line 21: 1 invalid UTF-8 sequence/, extra.join(" "));
  }
});

test("--resume refuses training flags that differ from the checkpoint's, naming flag and values", () => {
  const out = join(dir, "r.txt");
  const ckpt = join(dir, "r.ckpt");
  const first = run(corpus, "-o", out, "--checkpoint", ckpt, "--dim", "4", "--epochs", "2", "--lowercase");
  assert.equal(first.status, 0, first.stderr);
  const resume = (...args: string[]) =>
    run(corpus, "-o", join(dir, "r2.txt"), "--checkpoint", ckpt, "--resume", "--threads", "1", ...args);
  const cases: [string[], RegExp][] = [
    [["--window", "8"], /r\.ckpt: --window: 8 was given, but the checkpoint's run used 5/],
    [["-size", "10"], /--size: 10 was given, but the checkpoint's run used 4/],
    [["--epochs", "3"], /--epochs: 3 was given, but the checkpoint's run used 2/],
    [["--model", "cbow"], /--model: cbow was given, but the checkpoint's run used skipgram/],
    [["--tokenizer", "unicode"], /--tokenizer: unicode was given, but the checkpoint's run used whitespace/],
  ];
  for (const [args, message] of cases) {
    const r = resume(...args);
    assert.notEqual(r.status, 0, args.join(" "));
    assert.match(r.stderr, message, args.join(" "));
    assert.match(r.stderr, /r\.ckpt/);
  }
  // The same values, the defaults left alone, another corpus path, output and thread count: accepted.
  const ok = resume("--window", "5", "--dim", "4", "--lowercase", "--json");
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(readFileSync(join(dir, "r2.txt"), "utf8"), readFileSync(out, "utf8"));
  // A run without --lowercase resumed with it is refused too.
  const plain = run(corpus, "-o", out, "--checkpoint", ckpt, "--dim", "4", "--epochs", "1");
  assert.equal(plain.status, 0, plain.stderr);
  const lower = resume("--lowercase");
  assert.notEqual(lower.status, 0);
  assert.match(lower.stderr, /--lowercase: true was given, but the checkpoint's run used false/);
});

test("--max-final-vocab drops words tied at the cut (gensim); --max-vocab cuts at exactly n", () => {
  // 'the' 4 times, 'cat' 3, four words twice: a cut at 3 falls among the tied ones.
  const tied = join(dir, "tied.txt");
  writeFileSync(tied, "the the the the cat cat cat sat sat on on mat mat while while\n");
  const vocabOf = (...args: string[]) => {
    const out = join(dir, "tied.vec");
    const r = quick(tied, out, "--min-count", "1", ...args);
    assert.equal(r.status, 0, r.stderr);
    return readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(" ")[0]);
  };
  assert.deepEqual(vocabOf("--max-final-vocab", "3"), ["the", "cat"]);
  assert.deepEqual(vocabOf("--max-vocab", "3"), ["the", "cat", "sat"]);
  assert.deepEqual(vocabOf("--max-final-vocab", "6"), ["the", "cat", "sat", "on", "mat", "while"]);
});
