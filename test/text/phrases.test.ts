import assert from "node:assert/strict";
import { test } from "node:test";
import { Phrases } from "../../src/text/phrases.js";
import { Rng } from "../../src/util/rng.js";

function corpus(): string[][] {
  const rng = new Rng(4);
  // Few filler words, so chance pairs of them pass minCount and get a (small) score.
  const filler = Array.from({ length: 40 }, (_, i) => `f${i}`);
  const out: string[][] = [];
  for (let s = 0; s < 1000; s++) {
    const sent: string[] = [];
    for (let k = 0; k < 12; k++) {
      if (rng.next() < 0.005) sent.push("new", "york");
      else sent.push(filler[rng.int(filler.length)]);
    }
    out.push(sent);
  }
  return out;
}

test("phrases: scores follow gensim's original scorer and npmi; pairs are joined greedily", async () => {
  const sents = corpus();
  const p = await new Phrases({ minCount: 5, threshold: 10 }).learn(sents);
  // Independent counts.
  const uni = new Map<string, number>();
  const bi = new Map<string, number>();
  let words = 0;
  for (const s of sents) {
    words += s.length;
    s.forEach((w, i) => {
      uni.set(w, (uni.get(w) ?? 0) + 1);
      if (i > 0) bi.set(`${s[i - 1]} ${w}`, (bi.get(`${s[i - 1]} ${w}`) ?? 0) + 1);
    });
  }
  const vocabSize = uni.size + bi.size;
  assert.equal(p.vocabSize, vocabSize);
  const expectScore = (a: string, b: string) =>
    ((bi.get(`${a} ${b}`)! - 5) / (uni.get(a)! * uni.get(b)!)) * vocabSize;
  assert.ok(Math.abs(p.score("new", "york") - expectScore("new", "york")) < 1e-9);
  assert.ok(p.score("new", "york") > 10);
  // The most frequent pair of filler words: only chance co-occurrence.
  const [a, b] = [...bi.entries()]
    .filter(([k]) => !k.includes("new") && !k.includes("york"))
    .sort((x, y) => y[1] - x[1])[0][0]
    .split(" ");
  const chance = p.score(a, b);
  assert.ok(bi.get(`${a} ${b}`)! >= 5, "the most frequent chance pair passes minCount");
  assert.ok(chance > 0, `${a} ${b}: ${chance}`);
  assert.ok(Math.abs(chance - expectScore(a, b)) < 1e-9, `${a} ${b}: ${chance} vs ${expectScore(a, b)}`);
  assert.ok(chance < 10, "chance pairs of filler words stay apart");
  // A pair seen, but fewer than minCount times, is never joined.
  const [ra, rb] = [...bi.entries()].find(([, c]) => c < 5)![0].split(" ");
  assert.equal(p.score(ra, rb), Number.NEGATIVE_INFINITY);
  assert.equal(p.score("york", "nowhere"), Number.NEGATIVE_INFINITY);

  assert.deepEqual(p.transform(["f1", "new", "york", "new", "york", "f2"]), [
    "f1",
    "new_york",
    "new_york",
    "f2",
  ]);
  assert.deepEqual(p.phrases()[0].phrase, "new_york");
  const streamed: string[][] = [];
  for await (const s of p.apply(sents.slice(0, 3))) streamed.push(s);
  assert.deepEqual(
    streamed,
    sents.slice(0, 3).map((s) => p.transform(s)),
  );

  // A table capped below its natural size is pruned of rare pairs; the strong phrase survives.
  const pruned = await new Phrases({ maxVocabSize: 1000, threshold: 1 }).learn(sents);
  assert.ok(pruned.vocabSize < vocabSize, `${pruned.vocabSize} < ${vocabSize}`);
  assert.equal(pruned.phrases()[0].phrase, "new_york");
  assert.equal(pruned.unigramCounts().get("new"), uni.get("new"));

  const npmi = await new Phrases({ scoring: "npmi", threshold: 0.5, delimiter: "+" }).learn(sents);
  const pab = bi.get("new york")! / words;
  const expected = Math.log(pab / ((uni.get("new")! / words) * (uni.get("york")! / words))) / -Math.log(pab);
  assert.ok(Math.abs(npmi.score("new", "york") - expected) < 1e-9);
  assert.deepEqual(npmi.transform(["new", "york"]), ["new+york"]);
});

/** gensim's Phrases._learn_vocab with utils.prune_vocab: one dict of unigrams and "a b" bigrams. */
function gensimVocab(sents: string[][], maxVocabSize: number): Map<string, number> {
  const vocab = new Map<string, number>();
  let minReduce = 1;
  for (const s of sents) {
    s.forEach((w, i) => {
      vocab.set(w, (vocab.get(w) ?? 0) + 1);
      if (i > 0) vocab.set(`${s[i - 1]} ${w}`, (vocab.get(`${s[i - 1]} ${w}`) ?? 0) + 1);
    });
    if (vocab.size > maxVocabSize) {
      for (const [k, c] of vocab) if (c < minReduce) vocab.delete(k);
      minReduce++;
    }
  }
  return vocab;
}

test("phrases: pruning at maxVocabSize drops rare unigrams and bigrams alike, as gensim's prune_vocab", async () => {
  // Far more distinct rare words than the cap: pruning only pairs (with a rising floor) wiped every pair.
  const rng = new Rng(9);
  const sents: string[][] = [];
  let rare = 0;
  for (let s = 0; s < 400; s++) {
    const sent: string[] = [];
    for (let k = 0; k < 10; k++) {
      if (rng.next() < 0.1) sent.push("new", "york");
      else sent.push(rng.next() < 0.5 ? `r${rare++}` : `c${rng.int(20)}`);
    }
    sents.push(sent);
  }
  const maxVocabSize = 600;
  const want = gensimVocab(sents, maxVocabSize);
  const p = await new Phrases({ minCount: 5, threshold: 1, maxVocabSize }).learn(sents);
  assert.equal(p.vocabSize, want.size);
  const counts = p.unigramCounts();
  const wantUnigrams = [...want].filter(([k]) => !k.includes(" "));
  assert.deepEqual(new Map([...counts].sort()), new Map(wantUnigrams.sort()));
  const score = ((want.get("new york")! - 5) / (want.get("new")! * want.get("york")!)) * want.size;
  assert.ok(Math.abs(p.score("new", "york") - score) < 1e-9, `${p.score("new", "york")} vs ${score}`);
  assert.equal(p.phrases()[0].phrase, "new_york");
  // Every pair the gensim count keeps scores as it would there.
  for (const [k, c] of want) {
    if (!k.includes(" ") || c < 5) continue;
    const [a, b] = k.split(" ");
    const expect = ((c - 5) / (want.get(a)! * want.get(b)!)) * want.size;
    assert.ok(Math.abs(p.score(a, b) - expect) < 1e-9, k);
  }
});
