// `embedlm lm train --type nplm|gpt` and the embedding options (init vectors, tying) end to end.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { runCli as run } from "../helpers/cli.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("embedlm-lm-arch-cli-");
const train = join(dir, "train.txt");
const valid = join(dir, "valid.txt");
const vectors = join(dir, "vectors.txt");
const lines = ["the cat sat on the mat", "the dog sat on the log", "a cat saw the dog", "a bird sang"];
await writeFile(train, `${Array.from({ length: 6 }, () => lines.join("\n")).join("\n")}\n`);
await writeFile(valid, "the cat sat on the log\nthe zebra sang\n");
await writeFile(vectors, "4 5\nthe 1 0 0 0 0\nCat 0 1 0 0 0\ndog 0 0 1 0 0\nzebu 0 0 0 1 0\n");

const small = [
  "--batch-size",
  "4",
  "--threads",
  "1",
  "--epochs",
  "2",
  train,
  "--valid",
  valid,
  "--test",
  valid,
];

test("lm train --type nplm with init vectors (case folded), tying and direct connections; eval agrees", async () => {
  const model = join(dir, "nplm");
  const args = ["--init-vectors", vectors, "--init-vectors-ignore-case", "--tie", "--direct-connections"];
  const t = run("--json", "lm", "train", "--type", "nplm", ...args, ...small, "-o", model);
  assert.equal(t.status, 0, t.stderr);
  assert.equal(t.json.preset, "bengio");
  assert.equal((t.json.train as { lossReduction: string }).lossReduction, "mean");
  const config = JSON.parse(await readFile(join(model, "config.json"), "utf8"));
  assert.equal(config.embeddingDim, 5, "the vectors' dimension");
  assert.equal(config.tie, true);
  assert.equal(config.directConnections, true);
  const cov = t.json.initVectors as { covered: number; caseFolded: number; total: number };
  assert.deepEqual([cov.covered, cov.caseFolded, cov.total], [3, 1, 13]);
  const e = run("--json", "lm", "eval", model, valid);
  assert.equal(e.status, 0, e.stderr);
  assert.ok(Math.abs((e.json.perplexity as number) - (t.json.testPerplexity as number)) < 1e-3);
});

test("lm train --type gpt (preset nano, tied by default) trains, predicts and generates", async () => {
  const model = join(dir, "gpt");
  const t = run(
    "--json",
    "lm",
    "train",
    "--type",
    "gpt",
    "--bptt",
    "8",
    "--dropout",
    "0",
    ...small,
    "-o",
    model,
  );
  assert.equal(t.status, 0, t.stderr);
  assert.equal(t.json.preset, "nano");
  assert.equal((t.json.train as { lossReduction: string }).lossReduction, "mean");
  const config = JSON.parse(await readFile(join(model, "config.json"), "utf8"));
  assert.deepEqual(
    [config.numLayers, config.heads, config.hiddenSize, config.context, config.tie],
    [3, 3, 48, 8, true],
  );
  const epochs = t.json.epochs as { trainPerplexity: number }[];
  assert.ok(epochs[1].trainPerplexity < epochs[0].trainPerplexity);
  const e = run("--json", "lm", "eval", model, valid);
  assert.equal(e.status, 0, e.stderr);
  assert.ok(Math.abs((e.json.perplexity as number) - (t.json.testPerplexity as number)) < 1e-3);
  const p = run("--json", "lm", "predict", model, "the cat", "--topk", "2");
  assert.equal(p.status, 0, p.stderr);
  assert.equal((p.json.predictions as unknown[]).length, 2);
  const untied = run(
    "--json",
    "lm",
    "train",
    "--type",
    "gpt",
    "--no-tie",
    "--bptt",
    "8",
    ...small,
    "-o",
    join(dir, "g2"),
  );
  assert.equal(untied.status, 0, untied.stderr);
  assert.ok((untied.json.parameters as number) > (t.json.parameters as number));
});

test("lm train: vectors of another size than --emb-dim, and another kind's preset, are clear errors", () => {
  const a = run(
    "lm",
    "train",
    "--type",
    "nplm",
    "--emb-dim",
    "7",
    "--init-vectors",
    vectors,
    ...small,
    "-o",
    join(dir, "x"),
  );
  assert.equal(a.status, 1);
  assert.match(a.stderr, /the init vectors have dimension 5 but embeddingDim is 7/);
  const b = run("lm", "train", "--type", "gpt", "--preset", "small", ...small, "-o", join(dir, "y"));
  assert.equal(b.status, 1);
  assert.match(b.stderr, /preset 'small' is not one of --type gpt's \(nano, micro, mini, gpt2\)/);
});
