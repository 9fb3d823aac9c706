import assert from "node:assert/strict";
import { test } from "node:test";
import type { NgramModel } from "../../src/lm/ngram/model.js";
import { trainNgram, trainNgramOnCorpus } from "../../src/lm/ngram/train.js";
import type { Corpus } from "../../src/text/corpus.js";
import { Vocab } from "../../src/vocab/vocab.js";

const TEXT = "le café  est\tchaud\r\nle thé est froid\n\n  naïve café\nle 東京 est loin\nle café est froid";

/** A corpus whose bytes arrive in chunks of `size` (words and characters cut across chunks). */
function chunked(text: string, size: number): Corpus {
  const bytes = new TextEncoder().encode(text);
  return {
    describe: () => "test",
    async *lines() {
      yield* text.split("\n");
    },
    async *bytes() {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    },
  };
}

function sameModel(a: NgramModel, b: NgramModel): void {
  assert.deepEqual([...a.vocab.words], [...b.vocab.words]);
  assert.deepEqual(a.counts(), b.counts());
  for (let o = 1; o <= a.order; o++) assert.deepEqual(a.logp[o], b.logp[o]);
}

test("training from corpus bytes equals training from token lists, whatever the chunking", async () => {
  const lists = TEXT.split("\n").map((l) => l.split(/\s+/).filter((w) => w !== ""));
  const reference = await trainNgram(() => lists, { order: 3 });
  for (const size of [1, 2, 3, 7, 1000]) {
    sameModel(await trainNgramOnCorpus(chunked(TEXT, size), { order: 3 }), reference);
  }
  const vocab = new Vocab(["<unk>", "<s>", "</s>", "le", "café", "est"]);
  const closedRef = await trainNgram(() => lists, { order: 2, vocab });
  sameModel(await trainNgramOnCorpus(chunked(TEXT, 5), { order: 2, vocab }), closedRef);
  assert.equal(closedRef.vocab.size, 6);
});

test("training from corpus bytes rejects <s> inside a sentence", async () => {
  await assert.rejects(
    trainNgramOnCorpus(chunked("a b\nc <s> d\n", 4), { order: 2 }),
    /sentence 2 contains <s>/,
  );
});
