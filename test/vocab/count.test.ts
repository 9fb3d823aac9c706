import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { openCorpus, textCorpus } from "../../src/text/corpus.js";
import { Tokenizer } from "../../src/text/tokenizer.js";
import { Rng } from "../../src/util/rng.js";
import { ByteTokenCounter, countTokens } from "../../src/vocab/count.js";
import { Vocab } from "../../src/vocab/vocab.js";
import { tempDir } from "../helpers/tmp.js";

const SPACES = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\u2028", "\ufeff", "\u202f"];
const WORDS = [
  "the",
  "The",
  "été",
  "мир",
  "嵌入",
  "🙂",
  "a—b",
  "x\u0085y",
  "\u00a1no",
  "\u2030",
  "qu'il",
  "\u1680",
];

function generate(rng: Rng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += WORDS[rng.int(WORDS.length)] + SPACES[rng.int(SPACES.length)];
  return s;
}

/** Independent counts: JavaScript's own whitespace split, first-seen order. */
function reference(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of text.split(/\s+/)) if (w !== "") m.set(w, (m.get(w) ?? 0) + 1);
  return m;
}

test("byte-level counter equals a whitespace split, across random chunk boundaries", () => {
  const rng = new Rng(2);
  const text = generate(rng, 5000);
  const bytes = Buffer.from(text);
  for (const maxChunk of [1, 7, 4096, bytes.length]) {
    const c = new ByteTokenCounter();
    let i = 0;
    while (i < bytes.length) {
      let j = Math.min(bytes.length, i + 1 + rng.int(maxChunk));
      // Chunks end on character boundaries, as Corpus.bytes delivers them.
      while (j < bytes.length && (bytes[j] & 0xc0) === 0x80) j++;
      c.add(bytes.subarray(i, j));
      i = j;
    }
    assert.deepEqual([...c.finish()], [...reference(text)], `chunks up to ${maxChunk}`);
  }
});

test("byte path and string path give the same counts; invalid bytes merge as U+FFFD", async () => {
  const rng = new Rng(8);
  const text = generate(rng, 3000);
  const corpus = textCorpus([text, "Tail THE the"]);
  const ws = new Tokenizer({ mode: "whitespace", lowercase: true, stopwords: ["été"] });
  const fast = await countTokens(corpus, ws);
  const { bytes, ...noBytes } = corpus;
  assert.ok(bytes !== undefined);
  const slow = await countTokens(noBytes, ws);
  assert.deepEqual([...fast.counts], [...slow.counts]);
  assert.equal(fast.tokens, slow.tokens);
  assert.equal(fast.counts.get("été"), undefined);
  const c = new ByteTokenCounter();
  c.add(Buffer.from([0x61, 0xff, 0x20, 0x61, 0xfe, 0x20, 0x61, 0xef, 0xbf, 0xbd]));
  assert.deepEqual([...c.finish()], [["a\ufffd", 3]]);
  const v = await Vocab.fromCorpus(textCorpus(["b a b c b a"]), new Tokenizer({ mode: "whitespace" }), {
    minCount: 2,
  });
  assert.deepEqual(v.words, ["b", "a"]);
});

test("byte path over a multi-megabyte file (reused read buffer, tokens across chunk ends)", async () => {
  const rng = new Rng(12);
  // ASCII words first: 1 MB read boundaries then fall inside tokens, which must survive the reuse of
  // the read buffer; then the mixed-script generator.
  let text = "";
  for (let i = 0; i < 300_000; i++) text += `word${i % 1000} `;
  text += generate(rng, 100_000);
  const dir = tempDir("embedlm-count-");
  const path = join(dir, "c.txt");
  await writeFile(path, text);
  const corpus = await openCorpus([path]);
  const fast = await countTokens(corpus, new Tokenizer({ mode: "whitespace" }));
  assert.ok(Buffer.byteLength(text) > 2 << 20, "spans several 1 MB reads");
  assert.deepEqual([...fast.counts], [...reference(text)]);
});

test("lines counted: word2vec.c's </s> count, the same on the byte and string paths", async () => {
  const dir = tempDir("embedlm-lines-");
  // 3 line breaks (one a blank line), then a file whose last line lacks one: counted as a line.
  const texts = ["a b\n\nc\n", "d e"];
  await writeFile(join(dir, "1.txt"), texts[0]);
  await writeFile(join(dir, "2.txt"), texts[1]);
  const files = await openCorpus([join(dir, "1.txt"), join(dir, "2.txt")]);
  for (const [corpus, what] of [
    [files, "files"],
    [textCorpus(texts), "texts"],
  ] as const) {
    const bytePath = await countTokens(corpus, new Tokenizer({ mode: "whitespace" }));
    const stringPath = await countTokens(corpus, new Tokenizer());
    assert.deepEqual([bytePath.lines, stringPath.lines], [4, 4], what);
    assert.deepEqual([bytePath.tokens, stringPath.tokens], [5, 5], what);
    const v = await Vocab.fromCorpus(corpus, new Tokenizer({ mode: "whitespace" }));
    assert.equal(v.sentenceBreaks, 4, what);
  }
});
