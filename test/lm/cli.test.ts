import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { runCli as run } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("embedlm-lm-cli-");
const corpus = join(dir, "train.txt");
await writeFile(
  corpus,
  [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat saw the dog",
    "the dog saw a cat on the mat",
    "",
    "a bird sang",
  ].join("\n"),
);
const heldOut = join(dir, "test.txt");
await writeFile(heldOut, "the cat sat on the log\nthe zebra sang\n");

const model = join(dir, "toy.arpa");

test("lm train writes an ARPA model; eval, predict and generate use it", () => {
  const t = run("--json", "lm", "train", "--order", "3", corpus, "-o", model, "--eval", heldOut);
  assert.equal(t.status, 0, t.stderr);
  assert.ok(existsSync(model));
  // 11 words + <unk> <s> </s>
  assert.equal((t.json.ngrams as number[])[0], 14);
  assert.equal((t.json.ngrams as number[]).length, 3);
  const e = run("--json", "lm", "eval", model, heldOut, "--per-sentence");
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.json.sentences, 2);
  assert.equal(e.json.tokens, 7 + 4); // words + </s> per sentence
  assert.equal(e.json.oov, 1); // zebra
  // The model's own evaluation after training and the one from the ARPA file agree.
  const fromTrain = (t.json.eval as { perplexity: number }).perplexity;
  assert.ok(Math.abs((e.json.perplexity as number) - fromTrain) < 1e-4 * fromTrain);
  assert.equal((e.json.perSentence as unknown[]).length, 2);
  const p = run("--json", "lm", "predict", model, "the dog", "--topk", "3");
  assert.equal(p.status, 0, p.stderr);
  const preds = p.json.predictions as { word: string; prob: number }[];
  assert.equal(preds.length, 3);
  // "the dog" was followed by sat, saw and </s>, once each.
  assert.deepEqual(preds.map((x) => x.word).sort(), ["</s>", "sat", "saw"]);
  assert.ok(preds[0].prob >= preds[1].prob && preds[1].prob >= preds[2].prob);
  const g1 = run("--json", "lm", "generate", model, "the", "--seed", "3", "--max-tokens", "8");
  const g2 = run("--json", "lm", "generate", model, "the", "--seed", "3", "--max-tokens", "8");
  assert.equal(g1.status, 0, g1.stderr);
  assert.equal(g1.json.generated, g2.json.generated);
  assert.ok((g1.json.tokens as number) <= 8);
  const greedy = run("--json", "lm", "generate", model, "a", "--temperature", "0");
  assert.equal(greedy.status, 0, greedy.stderr);
  const flag = run("--json", "lm", "generate", model, "a", "--greedy", "--seed", "9");
  assert.equal(flag.json.generated, greedy.json.generated);
  // With the first greedy word as a stop word, nothing is generated.
  const first = String(greedy.json.generated).split(" ")[0];
  const stopped = run("--json", "lm", "generate", model, "a", "--greedy", "--stop", first);
  assert.equal(stopped.status, 0, stopped.stderr);
  assert.equal(stopped.json.tokens, 0);
  const k1 = run("--json", "lm", "generate", model, "a", "--top-k", "1", "--seed", "5");
  assert.equal(k1.json.generated, greedy.json.generated);
  const badStop = run("lm", "generate", model, "a", "--stop", "zebra");
  assert.notEqual(badStop.status, 0);
  assert.match(badStop.stderr, /stop word 'zebra' is not in the model's vocabulary/);
});

test("lm train: closed vocabulary from a file, --min-count, --max-size, --prune", async () => {
  const vocabFile = join(dir, "vocab.txt");
  await writeFile(vocabFile, "the 7\ncat 3\ndog 3\n");
  const closed = run(
    "--json",
    "lm",
    "train",
    "--order",
    "2",
    corpus,
    "--vocab",
    vocabFile,
    "-o",
    join(dir, "v.arpa"),
  );
  assert.equal(closed.status, 0, closed.stderr);
  assert.equal(closed.json.vocab, 6); // <unk> <s> </s> the cat dog
  const min2 = run("--json", "lm", "train", "--order", "2", corpus, "--min-count", "2", "--eval", heldOut);
  assert.equal(min2.status, 0, min2.stderr);
  // Seen twice or more: the cat sat on mat dog a saw (8 words) + 3 specials.
  assert.equal(min2.json.vocab, 11);
  const max5 = run("--json", "lm", "train", "--order", "2", corpus, "--max-size", "5", "--eval", heldOut);
  assert.equal(max5.json.vocab, 5);
  const pruned = run("--json", "lm", "train", "--order", "3", corpus, "--prune", "0,1", "--eval", heldOut);
  const full = run("--json", "lm", "train", "--order", "3", corpus, "--eval", heldOut);
  const [p, f] = [pruned.json.ngrams as number[], full.json.ngrams as number[]];
  assert.equal(p[0], f[0]);
  assert.ok(p[1] < f[1] && p[2] < f[2], `${p} vs ${f}`);
  const bad = run("lm", "train", corpus, "--prune", "1,1", "--eval", heldOut);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unigrams cannot be pruned/);
});

test("a context longer than the order is truncated (KenLM): same predictions as its last n-1 words", () => {
  const long = run("--json", "lm", "predict", model, "a cat saw the dog sat on the", "--topk", "4");
  const short = run("--json", "lm", "predict", model, "on the", "--topk", "4");
  assert.equal(long.status, 0, long.stderr);
  // "on the" after <s> is a different context from "on the" mid-sentence only for orders > 3.
  assert.deepEqual(long.json.predictions, short.json.predictions);
});

test("bad input: order 0, empty corpus, malformed ARPA, missing files exit non-zero with clear errors", async () => {
  const zero = run("lm", "train", "--order", "0", corpus, "-o", join(dir, "zero.arpa"));
  assert.notEqual(zero.status, 0);
  assert.match(zero.stderr, /--order: expected an integer in \[1, 16\], got '0'/);
  assert.ok(!existsSync(join(dir, "zero.arpa")));

  const empty = join(dir, "empty.txt");
  await writeFile(empty, "\n\n  \n");
  const e = run("lm", "train", empty, "-o", join(dir, "empty.arpa"));
  assert.notEqual(e.status, 0);
  assert.match(e.stderr, /corpus is empty/);
  assert.ok(!existsSync(join(dir, "empty.arpa")));

  const bad = join(dir, "bad.arpa");
  await writeFile(bad, "\\data\\\nngram 1=2\n\n\\1-grams:\n-1\t<s>\n-x\t</s>\n\n\\end\\\n");
  const b = run("lm", "eval", bad, heldOut);
  assert.notEqual(b.status, 0);
  assert.match(b.stderr, /bad\.arpa: line 6: log10 probability is not a number: '-x'/);

  const notModel = run("lm", "predict", corpus, "the");
  assert.notEqual(notModel.status, 0);
  assert.match(notModel.stderr, /not a language model/);

  const missing = run("lm", "eval", join(dir, "nope.arpa"), heldOut);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /nope\.arpa: cannot read the model: ENOENT/);

  // A sentence boundary written in the text: named at its file and line (empty lines counted), not
  // as the nth sentence of all the files.
  const boundary = join(dir, "boundary.txt");
  await writeFile(boundary, "the cat\n\n<s> the cat </s>\n");
  const s = run("lm", "eval", model, heldOut, boundary);
  assert.equal(s.status, 1);
  assert.match(s.stderr, /boundary\.txt: line 3: contains <s>; boundaries are added by embedlm/);
  const trained = run("lm", "train", heldOut, boundary, "-o", join(dir, "boundary.arpa"));
  assert.equal(trained.status, 1);
  assert.match(trained.stderr, /boundary\.txt: line 3: contains <s>; boundaries are added by embedlm/);
  assert.ok(!existsSync(join(dir, "boundary.arpa")));

  for (const threads of ["0", "-1"]) {
    const t = run("lm", "eval", bad, heldOut, "--threads", threads);
    assert.equal(t.status, 2);
    assert.match(t.stderr, new RegExp(`--threads: expected an integer in \\[1, 256\\], got '${threads}'`));
  }
  for (const flag of ["--top-k", "--max-tokens"]) {
    const g = run("lm", "generate", bad, flag, "-1");
    assert.equal(g.status, 2);
    assert.match(g.stderr, new RegExp(`${flag}: expected an integer >= 0, got '-1'`));
  }
  // Float flags out of range are usage errors naming the flag, not the library's option name.
  for (const [flag, value, range] of [
    ["--top-p", "0", "in \\(0, 1\\]"],
    ["--top-p", "1.5", "in \\(0, 1\\]"],
    ["--temperature", "-1", ">= 0"],
  ]) {
    const g = run("lm", "generate", bad, flag, value);
    assert.equal(g.status, 2, `${flag} ${value}`);
    assert.match(g.stderr, new RegExp(`${flag}: expected a number ${range}, got '${value}'`));
  }
  const lr = run("lm", "train", bad, "--type", "lstm", "--lr-decay", "1.5");
  assert.equal(lr.status, 2);
  assert.match(lr.stderr, /--lr-decay: expected a number in \[0, 1\], got '1\.5'/);
});

test("lm train refuses options that do not apply to the --type, naming both, and writes nothing", async () => {
  const out = join(dir, "wrong-type.arpa");
  const vocabFile = join(dir, "moot-vocab.txt");
  await writeFile(vocabFile, "the 7\ncat 3\n");
  const cases: [string[], RegExp][] = [
    [["--valid", heldOut], /--valid: does not apply to --type ngram \(only to --type nplm, lstm, gru, gpt\)/],
    [["--epochs", "3"], /--epochs: does not apply to --type ngram/],
    [["--threads", "2"], /--threads: does not apply to --type ngram/],
    [["--resume"], /--resume: does not apply to --type ngram/],
    [["--seed", "3"], /--seed: does not apply to --type ngram/],
    [["--type", "lstm", "--order", "3"], /--order: does not apply to --type lstm \(only to --type ngram\)/],
    [["--type", "gpt", "--smoothing", "wb"], /--smoothing: does not apply to --type gpt/],
    [["--type", "lstm", "--eval", heldOut], /--eval: does not apply to --type lstm/],
    [["--type", "nplm", "--heads", "2"], /--heads: does not apply to --type nplm \(only to --type gpt\)/],
    [["--type", "lstm", "--direct-connections"], /--direct-connections: does not apply to --type lstm/],
    [
      ["--type", "gpt", "--init-range", "0.1"],
      /--init-range: does not apply to --type gpt \(only to --type lstm, gru\)/,
    ],
    [["--type", "gru", "--no-tie", "--heads", "4"], /--heads: does not apply to --type gru/],
    // n-gram options that the other n-gram options make moot.
    [["--smoothing", "wb", "--k", "0.5"], /k: applies to smoothing addk and stupid only, not wb/],
    [["--k", "0.5"], /k: applies to smoothing addk and stupid only, not kn/],
    [
      ["--vocab", vocabFile, "--min-count", "2"],
      /vocab: minCount and maxSize do not apply to a closed vocabulary/,
    ],
  ];
  for (const [flags, message] of cases) {
    const r = run("lm", "train", corpus, "-o", out, ...flags);
    assert.notEqual(r.status, 0, flags.join(" "));
    assert.match(r.stderr, message);
    assert.ok(!existsSync(out), flags.join(" "));
  }
  // An unknown type is refused by the option's choices (no model written).
  const unknown = run("lm", "train", "--type", "transformer", corpus, "-o", out);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /'transformer' is invalid\. Allowed choices are ngram, lstm, gru, nplm, gpt/);
  assert.ok(!existsSync(out));
  // Defaults (the n-gram --order 5, the neural --seed 1 and --checkpoint-minutes 10) are not "given".
  const plain = run("--json", "lm", "train", corpus, "-o", out);
  assert.equal(plain.status, 0, plain.stderr);
});

test("lm eval reads a line of more than 10,000 tokens as one sentence, as training does", async () => {
  const arpa = join(dir, "long.arpa");
  const t = run("lm", "train", "--order", "2", corpus, "-o", arpa);
  assert.equal(t.status, 0, t.stderr);
  const long = join(dir, "long.txt");
  const words = Array.from({ length: 10_500 }, (_, i) => (i % 3 === 0 ? "the" : i % 3 === 1 ? "cat" : "sat"));
  await writeFile(long, `${words.join(" ")}\n`);
  const e = run("--json", "lm", "eval", arpa, long);
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.json.sentences, 1);
  assert.equal(e.json.tokens, 10_501);
});
