import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { readArpa, writeArpa } from "../../src/lm/ngram/arpa.js";
import type { NgramModel } from "../../src/lm/ngram/model.js";
import { trainNgram } from "../../src/lm/ngram/train.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("embedlm-arpa-");

function randomCorpus(seed: number, n: number): string[][] {
  const rng = new Rng(seed);
  const words = "the of and to a in that is was he for it with as his on be at by".split(" ");
  return Array.from({ length: n }, () =>
    Array.from(
      { length: 1 + rng.int(15) },
      () => words[Math.min(rng.int(words.length), rng.int(words.length))],
    ),
  );
}

function randomContexts(model: NgramModel, seed: number, n: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => [
    model.bos,
    ...Array.from({ length: rng.int(6) }, () => 3 + rng.int(model.vocab.size - 3)),
  ]);
}

for (const smoothing of ["kn", "wb", "addk", "stupid"]) {
  test(`${smoothing}: ARPA write then read scores every word identically`, async () => {
    const model = await trainNgram(() => randomCorpus(1, 400), { order: 4, smoothing });
    const path = join(dir, `${smoothing}.arpa`);
    await writeArpa(model, path);
    // Stupid backoff's scores are not probabilities: a line before \data\ says so, and the model
    // read back normalises them per context as the trained one does.
    const text = await readFile(path, "utf8");
    assert.equal(text.startsWith("# embedlm: unnormalized scores"), smoothing === "stupid");
    const back = await readArpa(path);
    assert.equal(back.info.unnormalized ?? false, smoothing === "stupid");
    assert.deepEqual(back.counts(), model.counts());
    for (const ctx of randomContexts(model, 2, 40)) {
      for (let w = 0; w < model.vocab.size; w++) {
        const word = model.vocab.words[w];
        const ctxBack = ctx.map((id) => back.vocab.id(model.vocab.words[id]));
        assert.equal(back.logProb(back.vocab.id(word), ctxBack), model.logProb(w, ctx), `${word} | ${ctx}`);
      }
    }
    // Written again, the file is the same byte for byte.
    const again = join(dir, `${smoothing}-again.arpa`);
    await writeArpa(back, again);
    assert.equal(await readFile(again, "utf8"), await readFile(path, "utf8"));
  });
}

const FOREIGN = `Written by another toolkit; text before \\data\\ is ignored.

\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-99\t<s>\t-0.5
-0.5\t</s>
-0.7\ta\t-0.3
-0.9\tb\t-0.2
-1.5\t<unk>

\\2-grams:
-0.2\t<s> a\t-0.1
-0.4\ta b\t-0.25
-0.6\tb </s>

\\3-grams:
-0.1\t<s> a b

\\end\\
`;

test("a foreign ARPA file scores with exact backoff (hand-computed), tabs or spaces", async () => {
  for (const [name, text] of [
    ["tabs", FOREIGN],
    ["spaces", FOREIGN.replaceAll("\t", "  ")],
    ["crlf", FOREIGN.replaceAll("\n", "\r\n")],
  ]) {
    const path = join(dir, `foreign-${name}.arpa`);
    await writeFile(path, text);
    const m = await readArpa(path);
    const id = (w: string) => m.vocab.id(w);
    const log10 = (w: string, ctx: string[]) => m.logProb(id(w), ctx.map(id)) / Math.LN10;
    const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b} (${name})`);
    near(log10("b", ["<s>", "a"]), -0.1); // the trigram itself
    near(log10("</s>", ["a", "b"]), -0.25 - 0.6); // bo(a b) + P(</s> | b)
    near(log10("a", ["a", "b"]), -0.25 - 0.2 - 0.7); // bo(a b) + bo(b) + P(a)
    near(log10("b", ["b", "a"]), -0.4); // context "b a" absent: no backoff weight
    near(log10("<unk>", ["<s>"]), -0.5 - 1.5);
    near(log10("a", ["<s>", "b", "a", "b"]), -0.25 - 0.2 - 0.7); // truncated to "a b"
  }
});

test("an n-gram whose context was pruned away gets a blank context, as in KenLM", async () => {
  const path = join(dir, "pruned-context.arpa");
  // The trigram "b a b" extends "b a", which the file lacks.
  await writeFile(
    path,
    FOREIGN.replace("ngram 3=1", "ngram 3=2").replace("-0.1\t<s> a b", "-0.1\t<s> a b\n-0.3\tb a b"),
  );
  const m = await readArpa(path);
  const id = (w: string) => m.vocab.id(w);
  const log10 = (w: string, ctx: string[]) => m.logProb(id(w), ctx.map(id)) / Math.LN10;
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
  assert.deepEqual(m.counts(), [0, 5, 4, 2]);
  near(log10("b", ["b", "a"]), -0.3); // the trigram
  near(log10("a", ["b"]), -0.2 - 0.7); // the blank "b a": what backing off gave, bo(b) + P(a)
  near(log10("</s>", ["b", "a"]), -0.3 - 0.5); // blank's backoff 0, then bo(a) + P(</s>)
  near(log10("b", ["<s>", "a"]), -0.1);
  // Written out, the blank is an ordinary bigram and the scores stay the same.
  await writeArpa(m, join(dir, "pruned-context-out.arpa"));
  const back = await readArpa(join(dir, "pruned-context-out.arpa"));
  near(back.logProb(back.vocab.id("a"), [back.vocab.id("b")]) / Math.LN10, -0.9);
});

const FOUR = `\\data\\
ngram 1=3
ngram 2=1
ngram 3=0
ngram 4=1

\\1-grams:
-99\t<s>\t-0.5
-0.5\t</s>\t-0.5
-0.5\ta\t-0.5

\\2-grams:
-0.2\t<s> a\t-0.1

\\3-grams:

\\4-grams:
-0.1\ta a a a

\\end\\
`;

const BAD: [string, string, RegExp][] = [
  [
    "context and its prefix missing",
    FOUR,
    /line 18: context 'a a a' of this 4-gram is not in the model, nor its prefix/,
  ],
  ["no header", "hello\nworld\n", /line 2: no \\data\\ header/],
  [
    "wrong count",
    FOREIGN.replace("ngram 2=3", "ngram 2=4"),
    /line 20: \\data\\ declares 4 2-grams but .* has 3/,
  ],
  ["missing section", FOREIGN.replace(/\\3-grams:\n.*\n\n/, ""), /line 20: \\end\\ after 2 of 3 sections/],
  [
    "non-numeric probability",
    FOREIGN.replace("-0.4\ta b", "-0.4x\ta b"),
    /line 17: log10 probability is not a number: '-0.4x'/,
  ],
  [
    "non-numeric backoff",
    FOREIGN.replace("-0.7\ta\t-0.3", "-0.7\ta\tbo"),
    /line 11: backoff is not a number: 'bo'/,
  ],
  [
    "unknown word",
    FOREIGN.replace("-0.6\tb </s>", "-0.6\tb c"),
    /line 18: word 'c' is not among the unigrams/,
  ],
  ["positive probability", FOREIGN.replace("-0.9\tb", "0.9\tb"), /line 12: log10 probability 0.9 > 0/],
  ["missing end", FOREIGN.replace("\\end\\\n", ""), /missing \\end\\/],
  [
    "too many fields",
    FOREIGN.replace("-0.1\t<s> a b", "-0.1\t<s> a b\t-0.2"),
    /line 21: a 3-gram of the highest order has no backoff/,
  ],
  ["duplicate", FOREIGN.replace("-0.6\tb </s>", "-0.6\ta b"), /duplicate 2-gram/],
];

for (const [name, text, message] of BAD) {
  test(`malformed ARPA is rejected with its line: ${name}`, async () => {
    const path = join(dir, `bad-${name.replaceAll(" ", "-")}.arpa`);
    await writeFile(path, text);
    await assert.rejects(readArpa(path), message);
  });
}
