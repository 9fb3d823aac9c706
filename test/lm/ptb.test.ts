import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { perplexity } from "../../src/lm/evaluate.js";
import { trainNgram } from "../../src/lm/ngram/train.js";
import { sharedData, skipUnless } from "../helpers/shared.js";

const train = sharedData("ptb/ptb.train.txt");
const testFile = sharedData("ptb/ptb.test.txt");

function read(path: string): string[][] {
  return readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.split(/\s+/).filter((w) => w !== ""))
    .filter((s) => s.length > 0);
}

test("PTB 5-gram interpolated modified Kneser-Ney: test perplexity of the published 141.2", {
  skip: skipUnless(train, "ptb"),
}, async () => {
  const sentences = read(train as string);
  const model = await trainNgram(() => sentences, { order: 5, smoothing: "kn" });
  assert.deepEqual(model.counts(), [0, 10001, 264990, 586558, 717733, 737952]);
  const r = await perplexity(model, read(testFile as string));
  assert.equal(r.tokens, 82430);
  assert.equal(r.oov, 0);
  // Mikolov et al. 2011 (SRILM): 141.2; the pure-Python reference kn_ref.py: 141.19.
  assert.ok(Math.abs(r.perplexity - 141.2) < 0.5, `test perplexity ${r.perplexity}`);
});
