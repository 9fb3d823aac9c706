import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { perplexity, scoreSentence } from "../../src/lm/evaluate.js";
import { generate } from "../../src/lm/generate.js";
import { loadLanguageModel } from "../../src/lm/load.js";
import { architectures, buildNeuralModel, type NeuralArchitecture } from "../../src/lm/neural/build.js";
import type { NeuralLmConfig } from "../../src/lm/neural/config.js";
import { loadNeuralLm, saveNeuralLm } from "../../src/lm/neural/io.js";
import { NeuralLanguageModel, NeuralVocab } from "../../src/lm/neural/model.js";
import { dense } from "../../src/nn/layers/dense.js";
import { embedding } from "../../src/nn/layers/embedding.js";
import { sequential } from "../../src/nn/sequential.js";
import { Arena } from "../../src/nn/tensor.js";
import { tempDir } from "../helpers/tmp.js";

const words = ["<eos>", "<unk>", "the", "cat", "sat", "on", "mat", "a", "dog"];
const vocab = new NeuralVocab(words);

function config(kind: "lstm" | "gru", context = 3): NeuralLmConfig {
  return {
    kind,
    embeddingDim: 6,
    hiddenSize: 5,
    numLayers: 2,
    dropout: 0,
    tie: false,
    freezeEmbeddings: false,
    context,
    initRange: 0.5,
  };
}

/** A random-weight model in float64, so different evaluation orders agree to ~1e-12. */
function model(kind: "lstm" | "gru", context = 3, seed = 3): NeuralLanguageModel {
  const c = config(kind, context);
  const net = buildNeuralModel(c, { vocabSize: words.length, seed, arena: new Arena("float64") });
  return new NeuralLanguageModel(c, vocab, net);
}

const sentence = Int32Array.from([2, 3, 4, 5, 2, 6, 7, 8, 4, 0]);

for (const kind of ["lstm", "gru"] as const) {
  test(`${kind}: sentenceLogProbs equals logProb summed over prefixes, across chunk boundaries`, () => {
    const lm = model(kind);
    const lp = lm.sentenceLogProbs(sentence);
    assert.equal(lp.length, sentence.length);
    for (let i = 0; i < sentence.length; i++) {
      const context = [lm.bos, ...sentence.subarray(0, i)];
      // A fresh model per prefix: no cached state can help.
      const fresh = model(kind, 7);
      assert.ok(Math.abs(lp[i] - fresh.logProb(sentence[i], context)) < 1e-10, `position ${i}`);
      assert.ok(lp[i] < 0);
    }
  });

  test(`${kind}: distribution sums to 1 and the incremental cache gives the fresh answer`, () => {
    const lm = model(kind);
    const ctx = [lm.bos, 2, 3];
    const p1 = lm.distribution(ctx);
    assert.ok(Math.abs(p1.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    const extended = lm.distribution([...ctx, 4, 5]);
    const fresh = model(kind).distribution([...ctx, 4, 5]);
    for (let i = 0; i < fresh.length; i++) assert.ok(Math.abs(extended[i] - fresh[i]) < 1e-12);
    // A context that is not an extension resets the state.
    const other = lm.distribution([lm.bos, 8]);
    const otherFresh = model(kind).distribution([lm.bos, 8]);
    for (let i = 0; i < other.length; i++) assert.ok(Math.abs(other[i] - otherFresh[i]) < 1e-12);
  });

  test(`${kind}: batched sentence scoring equals one sentence at a time`, () => {
    const lm = model(kind);
    const sents = [
      sentence,
      Int32Array.from([3, 0]),
      Int32Array.from([8, 4, 5, 2, 6, 0]),
      Int32Array.from([0]),
    ];
    const batched = lm.sentencesLogProbs(sents, 3);
    sents.forEach((s, i) => {
      const one = lm.sentenceLogProbs(s);
      for (let j = 0; j < s.length; j++) assert.ok(Math.abs(batched[i][j] - one[j]) < 1e-10, `${i}:${j}`);
    });
  });
}

test("stream perplexity is exp of the mean cross-entropy of one long forward pass", () => {
  const lm = model("lstm", 4);
  const ids = Int32Array.from({ length: 23 }, (_, i) => (i * 7 + 3) % words.length);
  const s = lm.scoreStream(ids);
  assert.equal(s.tokens, ids.length - 1);
  // Independently: one forward over the whole stream (no chunks), log-softmax by hand.
  lm.net.resetStates();
  const logits = lm.net.forward({ shape: [1, ids.length - 1], data: ids.slice(0, -1) }).data;
  const V = words.length;
  let nll = 0;
  for (let t = 0; t < ids.length - 1; t++) {
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits[t * V + j]);
    nll += Math.log(z) - logits[t * V + ids[t + 1]];
  }
  const expected = Math.exp(nll / (ids.length - 1));
  assert.ok(Math.abs(Math.exp(-s.logProb / s.tokens) - expected) < 1e-9 * expected);
  // Two streams side by side score the two halves, each as a stream of its own.
  const two = lm.scoreStream(ids, 2);
  const h = Math.floor(ids.length / 2);
  const halves = [ids.slice(0, h), ids.slice(h, 2 * h)].map((x) => lm.scoreStream(x));
  assert.equal(two.tokens, halves[0].tokens + halves[1].tokens);
  const want = halves[0].logProb + halves[1].logProb;
  assert.ok(Math.abs(two.logProb - want) < 1e-9 * Math.abs(want), `${two.logProb} vs ${want}`);
});

test("perplexity scores a neural model's sentences in batches, as one at a time would", async () => {
  const lm = model("gru");
  const text = Array.from({ length: 40 }, (_, i) =>
    words.slice(2, 3 + (i % 7)).concat(i % 3 ? ["zebra"] : []),
  );
  const r = await perplexity(lm, text, { perSentence: true });
  assert.equal(r.sentences, 40);
  text.forEach((w, i) => {
    const one = scoreSentence(lm, w);
    assert.equal(r.perSentence?.[i].tokens, one.tokens);
    assert.equal(r.perSentence?.[i].oov, one.oov);
    assert.ok(Math.abs((r.perSentence?.[i].logProb ?? 0) - one.logProb) < 1e-10, `sentence ${i}`);
  });
});

test("gpt: stream scoring reads overlapping windows side by side, each position once with its window's context", () => {
  // Block 4: windows of 4 tokens every 2, the first scores all its positions, the others their last 2.
  const c: NeuralLmConfig = { ...config("lstm", 4), kind: "gpt", embeddingDim: 4, hiddenSize: 4, heads: 2 };
  const build = () =>
    new NeuralLanguageModel(
      c,
      vocab,
      buildNeuralModel(c, { vocabSize: words.length, seed: 4, arena: new Arena("float64") }),
    );
  const lm = build();
  const ids = Int32Array.from({ length: 31 }, (_, i) => (i * 5 + 2) % words.length);
  const s = lm.scoreStream(ids);
  assert.equal(s.tokens, ids.length - 1);
  const fresh = build();
  let expected = 0;
  for (let p = 0; p < ids.length - 1; p++) {
    const start = p < 4 ? 0 : 2 * Math.floor((p - 2) / 2);
    expected += fresh.logProb(ids[p + 1], ids.slice(start, p + 1));
  }
  assert.ok(Math.abs(s.logProb - expected) < 1e-9 * Math.abs(expected), `${s.logProb} vs ${expected}`);
});

test("gpt: a context is padded at its end to a power of two, with the unpadded answer and few buffers", () => {
  const c: NeuralLmConfig = { ...config("lstm", 16), kind: "gpt", embeddingDim: 4, hiddenSize: 4, heads: 2 };
  const build = () => buildNeuralModel(c, { vocabSize: words.length, seed: 4, arena: new Arena("float64") });
  const ids = Int32Array.from({ length: 16 }, (_, i) => (i * 5 + 2) % words.length);
  // Contexts of 9..15 tokens run at 16: once a 16-token context was scored, they allocate nothing.
  const fresh = build();
  const one = new NeuralLanguageModel(c, vocab, fresh);
  one.logProb(3, ids);
  const allocated = fresh.arena.allocated;
  for (let n = 9; n <= 15; n++) one.logProb(3, ids.subarray(0, n));
  assert.equal(fresh.arena.allocated, allocated);
  const net = build();
  const lm = new NeuralLanguageModel(c, vocab, net);
  const V = words.length;
  for (let n = 1; n <= 16; n++) {
    // Independently: the unpadded window through the network, log-softmax by hand.
    const logits = net.forward({ shape: [1, n], data: ids.slice(0, n) }).data;
    const off = (n - 1) * V;
    let z = 0;
    for (let j = 0; j < V; j++) z += Math.exp(logits[off + j]);
    const want = logits[off + 3] - Math.log(z);
    const got = lm.logProb(3, ids.subarray(0, n));
    assert.ok(Math.abs(got - want) < 1e-12, `context of ${n}: ${got} vs ${want}`);
  }
});

test("generation is reproducible with a seed and works incrementally", () => {
  const lm = model("lstm");
  const a = generate(lm, [lm.bos, 2], { seed: 5, maxTokens: 15 });
  const b = generate(model("lstm"), [lm.bos, 2], { seed: 5, maxTokens: 15 });
  assert.deepEqual(a, b);
  const runs = new Set(
    [1, 2, 3, 4, 5, 6].map((seed) => generate(lm, [lm.bos], { seed, maxTokens: 8 }).join(",")),
  );
  assert.ok(runs.size > 1, "different seeds give different text");
  assert.ok(a.every((id) => id !== lm.unk && id !== lm.eos));
});

test("a model directory round-trips; loadLanguageModel recognises it; bad directories are clear errors", async () => {
  const dir = tempDir("embedlm-neural-");
  const lm = model("gru");
  const path = join(dir, "m");
  await saveNeuralLm(path, lm);
  const back = await loadLanguageModel(path);
  assert.equal(back.kind, "gru");
  assert.ok(back instanceof NeuralLanguageModel);
  assert.equal(back.vocab.size, words.length);
  assert.equal(back.vocab.id("</s>"), back.eos);
  const a = lm.sentenceLogProbs(sentence);
  const b = back.sentenceLogProbs(sentence);
  // Saved as float32.
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-4);

  // A vocabulary saved with CRLF line ends (edited on Windows) reads the same.
  await writeFile(join(path, "vocab.txt"), `${words.join("\r\n")}\r\n`);
  assert.deepEqual((await loadNeuralLm(path)).vocab.words, words);
  // A vocabulary that does not match config.json.
  await writeFile(join(path, "vocab.txt"), `${words.slice(0, -1).join("\n")}\n`);
  await assert.rejects(loadNeuralLm(path), /vocab\.txt: 8 words, config.json says vocabSize 9/);
  // Weights of another model.
  const other = join(dir, "other");
  const lstm = model("lstm");
  await saveNeuralLm(other, lstm);
  await writeFile(join(path, "vocab.txt"), `${words.join("\n")}\n`);
  const cfg = JSON.parse(
    await (await import("node:fs/promises")).readFile(join(other, "config.json"), "utf8"),
  );
  await writeFile(join(path, "config.json"), JSON.stringify({ ...cfg, hiddenSize: 7 }));
  await assert.rejects(loadNeuralLm(path), /has shape .* the model expects/);
  await writeFile(join(path, "config.json"), JSON.stringify({ ...cfg, kind: "rnn" }));
  await assert.rejects(loadLanguageModel(path), /unknown model kind 'rnn'/);
  await assert.rejects(loadLanguageModel(dir), /not a language model embedlm knows|cannot read the model/);
  // A configuration that reads only part of the weights (one of two layers), another version.
  // (the LSTM's own directory from here on)
  await writeFile(join(other, "config.json"), JSON.stringify({ ...cfg, numLayers: 1 }));
  await assert.rejects(loadNeuralLm(other), /tensor 1\.weight_ih_l1 is not a parameter of this model/);
  await writeFile(join(other, "config.json"), JSON.stringify({ ...cfg, version: 99 }));
  await assert.rejects(
    loadNeuralLm(other),
    /config\.json: version: version 99: this embedlm reads version 1/,
  );
  await writeFile(join(other, "config.json"), JSON.stringify(cfg));
  await loadNeuralLm(other);
  // Weights that are missing, or not finite.
  await rm(join(other, "weights.safetensors"));
  await assert.rejects(loadNeuralLm(other), /weights\.safetensors: cannot read: ENOENT/);
  lstm.net.params.params[2].value.data[1] = Number.NaN;
  await saveNeuralLm(other, lstm);
  await assert.rejects(loadNeuralLm(other), /weights\.safetensors: tensor \S+ holds NaN at index 1/);
});

test("a windowed (non-recurrent) architecture scores every position with its full context", () => {
  // A bigram network (embedding -> dense) registered as a stand-in for NPLM: it sees one token and
  // takes inputs of at most 5 tokens, so long inputs are read in overlapping windows.
  const bigram: NeuralArchitecture = {
    recurrent: false,
    contextSize: () => 1,
    maxLength: () => 5,
    build: (c, o) =>
      sequential(
        [embedding({ inputDim: o.vocabSize, outputDim: c.embeddingDim }), dense({ units: o.vocabSize })],
        { inputShape: [null], seed: o.seed, arena: o.arena, ops: o.ops },
      ),
  };
  const registered = architectures.nplm;
  architectures.nplm = bigram;
  try {
    const c: NeuralLmConfig = { ...config("lstm"), kind: "nplm" };
    const net = buildNeuralModel(c, { vocabSize: words.length, seed: 2, arena: new Arena("float64") });
    const lm = new NeuralLanguageModel(c, vocab, net);
    assert.equal(lm.contextSize, 1);
    const lp = lm.sentenceLogProbs(sentence);
    const ids = [lm.bos, ...sentence];
    for (let i = 0; i < sentence.length; i++) {
      // A bigram model's answer depends on the previous token only.
      assert.ok(Math.abs(lp[i] - lm.logProb(sentence[i], [ids[i]])) < 1e-12, `position ${i}`);
      assert.ok(Math.abs(lp[i] - lm.logProb(sentence[i], ids.slice(0, i + 1))) < 1e-12);
    }
    const s = lm.scoreStream(sentence);
    let sum = 0;
    for (let i = 1; i < sentence.length; i++) sum += lm.logProb(sentence[i], [sentence[i - 1]]);
    assert.equal(s.tokens, sentence.length - 1);
    assert.ok(Math.abs(s.logProb - sum) < 1e-10);
  } finally {
    architectures.nplm = registered;
  }
});
