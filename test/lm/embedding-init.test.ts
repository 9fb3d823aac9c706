import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { buildNeuralModel } from "../../src/lm/neural/build.js";
import { describeCoverage, loadVectorInit, matchVectors } from "../../src/lm/neural/embedding-init.js";
import { buildGpt } from "../../src/lm/neural/gpt.js";
import { embeddingLayers, logitsLayers, resolveEmbeddingDim } from "../../src/lm/neural/io-layers.js";
import { buildNplm } from "../../src/lm/neural/nplm.js";
import { Dense } from "../../src/nn/layers/dense.js";
import { TiedDense } from "../../src/nn/layers/tied.js";
import { sgd } from "../../src/nn/optim.js";
import { KeyedVectors } from "../../src/vectors/keyed-vectors.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("embedlm-lmarch-");

// Vectors whose components are easy to recognise: word i has (i+1)/10, (i+1)/100, (i+1)/1000.
const vecWords = ["the", "cat", "sat", "Mat", "on", "</s>"];
const vec = (i: number) => [(i + 1) / 10, (i + 1) / 100, (i + 1) / 1000];
const w2vFile = join(dir, "tiny.vec");
writeFileSync(
  w2vFile,
  `${vecWords.length} 3\n${vecWords.map((w, i) => `${w} ${vec(i).join(" ")}`).join("\n")}\n`,
);
const gloveFile = join(dir, "tiny.glove.txt");
writeFileSync(gloveFile, `${vecWords.map((w, i) => `${w} ${vec(i).join(" ")}`).join("\n")}\n`);

const vocab = ["<eos>", "<unk>", "the", "cat", "mat", "dog", "on"];

test("vectors from a file (word2vec text and GloVe) cover the vocabulary by word; coverage is reported", () => {
  for (const file of [w2vFile, gloveFile]) {
    const init = loadVectorInit(file, vocab);
    assert.equal(init.dim, 3);
    assert.deepEqual([...init.rows], [-1, -1, 0, 1, -1, -1, 4]);
    assert.deepEqual(init.coverage, {
      covered: 3,
      caseFolded: 0,
      total: 7,
      ratio: 3 / 7,
      uncovered: ["<eos>", "<unk>", "mat", "dog"],
    });
    assert.equal(
      describeCoverage(init.coverage),
      "3 of 7 words (42.9%) have a vector; e.g. without: <eos>, <unk>, mat, dog",
    );
  }
  const folded = loadVectorInit(w2vFile, vocab, { caseInsensitive: true, examples: 1 });
  assert.deepEqual([...folded.rows], [-1, -1, 0, 1, 3, -1, 4]);
  assert.equal(folded.coverage.caseFolded, 1);
  assert.deepEqual(folded.coverage.uncovered, ["<eos>"]);
});

test("vectors of another vocabulary, or holding NaN, are clear errors", () => {
  assert.throws(
    () => loadVectorInit(w2vFile, ["hund", "katze"]),
    /none of the 2 vocabulary words has a vector/,
  );
  const kv = new KeyedVectors({ words: ["the"], dim: 2, vectors: Float32Array.from([1, Number.NaN]) });
  assert.throws(() => matchVectors(["the"], kv), /the vector of 'the' holds NaN at component 2/);
});

test("covered rows start as their vectors, uncovered rows as the random init of the same model", () => {
  const init = matchVectors(vocab, new KeyedVectors(tinyVectors()));
  const config = { vocabSize: vocab.length, order: 3, hiddenSize: 4 };
  const plain = buildNplm({ ...config, embeddingDim: 3 }, { seed: 7 }).params.get("1.weight").value.data;
  const table = buildNplm(config, { init, seed: 7 }).params.get("1.weight").value.data;
  for (let id = 0; id < vocab.length; id++) {
    const row = table.subarray(id * 3, id * 3 + 3);
    const want =
      init.rows[id] >= 0 ? Float32Array.from(vec(init.rows[id])) : plain.subarray(id * 3, id * 3 + 3);
    assert.deepEqual(row, want, vocab[id]);
  }
});

function tinyVectors() {
  return { words: vecWords, dim: 3, vectors: Float32Array.from(vecWords.flatMap((_, i) => vec(i))) };
}

test("embedding size: taken from the vectors, projected to the model's size, or a clear error when fixed", () => {
  const init = loadVectorInit(w2vFile, vocab);
  assert.equal(resolveEmbeddingDim({}, init, 8), 3);
  assert.equal(resolveEmbeddingDim({ embeddingDim: 5 }, undefined, 8), 5);
  assert.equal(resolveEmbeddingDim({}, undefined, 8), 8);
  assert.throws(
    () => resolveEmbeddingDim({ embeddingDim: 8 }, init),
    /init vectors have dimension 3 but embeddingDim is 8/,
  );
  const io = embeddingLayers({ vocabSize: 7 }, { init, modelDim: 6 });
  assert.equal(io.layers.length, 2);
  assert.equal(io.layers[1].name, "projection");
  // GPT with n_embd 6 from 3-d vectors: ReLU projection 3 -> 6 in, linear 6 -> 3 before the tied output.
  const gpt = buildGpt({ vocabSize: 7, numLayers: 1, numHeads: 2, hiddenSize: 6, blockSize: 4 }, { init });
  const names = gpt.params.params.map((p) => `${p.name}[${p.shape}]`);
  assert.ok(
    names.includes("0.weight[7,3]") && names.includes("1.weight[6,3]") && names.includes("1.bias[6]"),
  );
  assert.ok(names.includes("7.weight[3,6]") && names.includes("8.bias[7]"), names.join(" "));
  const y = gpt.forward({ shape: [1, 4], data: Int32Array.from([0, 2, 3, 6]) });
  assert.deepEqual(y.shape, [1, 4, 7]);
});

test("output layers: dense, or tied to the table (with a projection when the sizes differ)", () => {
  const io = embeddingLayers({ vocabSize: 7, embeddingDim: 3 });
  assert.ok(logitsLayers({ vocabSize: 7 }, io, 3)[0] instanceof Dense);
  const same = logitsLayers({ vocabSize: 7, tie: true }, io, 3);
  assert.equal(same.length, 1);
  assert.ok(same[0] instanceof TiedDense);
  const other = logitsLayers({ vocabSize: 7, tie: true }, io, 5);
  assert.deepEqual(
    other.map((l) => l.constructor.name),
    ["Dense", "TiedDense"],
  );
});

test("frozen embeddings from vectors stay as they are through training", () => {
  const init = loadVectorInit(w2vFile, vocab);
  const m = buildNplm({ vocabSize: 7, order: 3, hiddenSize: 4, freezeEmbeddings: true }, { init });
  const table = m.params.get("1.weight");
  assert.equal(table.trainable, false);
  const before = Float32Array.from(table.value.data);
  const y = m.forward({ shape: [1, 3], data: Int32Array.from([2, 3, 6]) }, true);
  m.backward({ shape: y.shape, data: y.data.map(() => 1) });
  sgd(m.params, { lr: 1 }).step();
  assert.deepEqual(table.value.data, before);
  assert.ok(m.params.get("4.weight").grad.data.some((v) => v !== 0));
});

test("the LSTM builder of the registry gets vectors and tying (through a 4 -> 3 projection) from the same layers", () => {
  const init = loadVectorInit(w2vFile, vocab);
  const config = {
    kind: "lstm" as const,
    embeddingDim: 3,
    hiddenSize: 4,
    numLayers: 1,
    dropout: 0,
    tie: true,
    freezeEmbeddings: false,
    context: 5,
    initRange: 0.1,
  };
  const m = buildNeuralModel(config, { vocabSize: vocab.length, init });
  assert.deepEqual(
    m.params.params.map((p) => `${p.name}[${p.shape}]`),
    [
      "0.weight[7,3]",
      "1.weight_ih_l0[16,3]",
      "1.weight_hh_l0[16,4]",
      "1.bias_ih_l0[16]",
      "1.bias_hh_l0[16]",
      "2.weight[3,4]",
      "3.bias[7]",
    ],
  );
  assert.deepEqual(m.params.get("0.weight").value.data.subarray(2 * 3, 3 * 3), Float32Array.from(vec(0)));
  assert.deepEqual(m.forward({ shape: [2, 3], data: Int32Array.from([0, 1, 2, 3, 4, 5]) }).shape, [2, 3, 7]);
});
