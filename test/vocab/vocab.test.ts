import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { Rng } from "../../src/util/rng.js";
import { padSequences, Vocab } from "../../src/vocab/vocab.js";
import { tempDir } from "../helpers/tmp.js";

test("vocabulary counts match independently computed counts; order is count desc, first-seen ties", async () => {
  const rng = new Rng(9);
  const alphabet = Array.from({ length: 40 }, (_, i) => `w${i}`);
  const sentences: string[][] = [];
  for (let s = 0; s < 300; s++) {
    const len = 1 + rng.int(30);
    // Zipf-ish choice so counts vary widely.
    sentences.push(Array.from({ length: len }, () => alphabet[Math.floor(40 * rng.next() ** 3)]));
  }
  const expected: Record<string, number> = {};
  const firstSeen: string[] = [];
  for (const s of sentences)
    for (const w of s) {
      if (!(w in expected)) firstSeen.push(w);
      expected[w] = (expected[w] ?? 0) + 1;
    }
  async function* stream() {
    for (const s of sentences) yield s;
  }
  const v = await Vocab.build(stream(), { minCount: 3 });
  const want = firstSeen.filter((w) => expected[w] >= 3);
  want.sort((a, b) => expected[b] - expected[a] || firstSeen.indexOf(a) - firstSeen.indexOf(b));
  assert.deepEqual(v.words, want);
  for (const w of want) assert.equal(v.counts[v.id(w)], expected[w]);
  assert.equal(
    v.totalCount,
    want.reduce((s, w) => s + expected[w], 0),
  );
  assert.equal(v.id("nope"), -1);

  const capped = await Vocab.build(sentences, { maxSize: 5, specials: ["<unk>", "<pad>"] });
  assert.deepEqual(capped.words, ["<unk>", "<pad>", ...want.slice(0, 3)]);
  assert.equal(capped.counts[0], 0);
});

test("maxFinalVocab drops every word tied at the cut, as gensim; maxSize cuts at exactly n", () => {
  // First seen: a, b, c, x, d, e; x 3 times, a b c twice, d e once.
  const counts = new Map([
    ["a", 2],
    ["b", 2],
    ["c", 2],
    ["x", 3],
    ["d", 1],
    ["e", 1],
  ]);
  // gensim 4.2 build_vocab on the same corpus with min_count=1 (sorted):
  // max_final_vocab 3 -> [x], 4 -> [a b c x], 5 -> [a b c x], 6 -> [a b c d e x]; min_count 3, 5 -> [x].
  const gensim: [number, number, string[]][] = [
    [3, 1, ["x"]],
    [4, 1, ["x", "a", "b", "c"]],
    [5, 1, ["x", "a", "b", "c"]],
    [6, 1, ["x", "a", "b", "c", "d", "e"]],
    [5, 3, ["x"]],
  ];
  for (const [maxFinalVocab, minCount, words] of gensim)
    assert.deepEqual(Vocab.fromCounts(counts, { maxFinalVocab, minCount }).words, words, `${maxFinalVocab}`);
  // The plain cut keeps the first seen of the tied words.
  assert.deepEqual(Vocab.fromCounts(counts, { maxSize: 3 }).words, ["x", "a", "b"]);
  assert.deepEqual(Vocab.fromCounts(counts, { maxSize: 5 }).words, ["x", "a", "b", "c", "d"]);
});

test("encode / decode with drop and <unk>", () => {
  const v = Vocab.fromCounts(
    new Map([
      ["a", 3],
      ["b", 5],
      ["<unk>", 2],
    ]),
    { specials: ["<unk>"] },
  );
  assert.deepEqual(v.words, ["<unk>", "b", "a"]);
  assert.equal(v.counts[0], 2, "a special keeps the count the corpus has of it");
  assert.deepEqual(Array.from(v.encode(["a", "x", "b"])), [2, 1]);
  assert.deepEqual(Array.from(v.encode(["a", "x", "b"], "unk")), [2, 0, 1]);
  assert.deepEqual(v.decode([1, 2]), ["b", "a"]);
  assert.throws(() => v.word(3), /outside/);
  const plain = Vocab.fromCounts(new Map([["a", 1]]));
  assert.throws(() => plain.encode(["a"], "unk"), /<unk>/);
});

test("save / load round trip in word2vec -save-vocab format; load errors name the line", async () => {
  const dir = tempDir("embedlm-vocab-");
  const v = Vocab.fromCounts(
    new Map([
      ["été", 4],
      ["the", 10],
      ["嵌入", 1],
    ]),
  );
  const p = join(dir, "v.txt");
  // word2vec.c's SaveVocab writes its entry 0 first: "</s>" with the number of line breaks read.
  await v.save(p, { sentenceBreaks: 7 });
  assert.equal(await readFile(p, "utf8"), "</s> 7\nthe 10\nété 4\n嵌入 1\n");
  const back = await Vocab.load(p);
  assert.deepEqual(back.words, v.words, "</s> is not a word");
  assert.deepEqual(Array.from(back.counts), Array.from(v.counts));
  assert.equal(back.sentenceBreaks, 7);
  // Loaded again and saved, the count stays; unknown, it is 0.
  await back.save(p);
  assert.equal(await readFile(p, "utf8"), "</s> 7\nthe 10\nété 4\n嵌入 1\n");
  await v.save(p);
  assert.match(await readFile(p, "utf8"), /^<\/s> 0\nthe 10\n/);
  // A "</s>" special as word 0 is that entry, with its own count; elsewhere it is refused.
  const special = Vocab.fromCounts(
    new Map([
      ["a", 2],
      ["</s>", 5],
    ]),
    { specials: ["</s>"] },
  );
  await special.save(p);
  assert.equal(await readFile(p, "utf8"), "</s> 5\na 2\n");
  await assert.rejects(new Vocab(["a", "</s>"], [2, 1]).save(p), /word 1 is '<\/s>'/);
  // Files without the </s> line (embedlm's before) read the same, with no count.
  await writeFile(p, "the 10\nété 4\n");
  const old = await Vocab.load(p);
  assert.deepEqual([old.words, old.sentenceBreaks], [["the", "été"], undefined]);
  await writeFile(p, "a 1\nb two\n");
  await assert.rejects(Vocab.load(p), /v\.txt: line 2: expected a non-negative integer count, got 'two'/);
  await writeFile(p, "a 5.0\nb 1e+06\nc 2.5\n");
  await assert.rejects(Vocab.load(p), /v\.txt: line 3: expected a non-negative integer count, got '2\.5'/);
  await writeFile(p, "a 5.0\nb 1e+06\n");
  assert.deepEqual(Array.from((await Vocab.load(p)).counts), [5, 1e6]);
  await writeFile(p, "a 1\n\na 2\n");
  await assert.rejects(Vocab.load(p), /line 3: duplicate word 'a'/);
  await writeFile(p, "a 1 2\n");
  await assert.rejects(Vocab.load(p), /line 1: expected 'word count'/);
  await assert.rejects(
    Vocab.load(join(dir, "missing.txt")),
    /missing\.txt: cannot read the vocabulary: ENOENT/,
  );
  await assert.rejects(new Vocab(["a b"], [1]).save(p), /whitespace/);
});

test("padSequences follows Keras pad_sequences", () => {
  const seqs = [[1, 2, 3, 4], [5], []];
  const pre = padSequences(seqs, { maxlen: 3 });
  assert.deepEqual([pre.rows, pre.cols], [3, 3]);
  assert.deepEqual(Array.from(pre.data), [2, 3, 4, 0, 0, 5, 0, 0, 0]);
  const post = padSequences(seqs, { maxlen: 3, padding: "post", truncating: "post", value: 9 });
  assert.deepEqual(Array.from(post.data), [1, 2, 3, 5, 9, 9, 9, 9, 9]);
  const auto = padSequences([[1], [2, 3]]);
  assert.deepEqual([auto.cols, ...auto.data], [2, 0, 1, 2, 3]);
});
