// embedlm's measured side of bench/word2vec, run as a child process under /usr/bin/time: trains as
// `embedlm train` does (the same library call, checkpointing beside the output), saves the vectors,
// then evaluates them in the same process (analogies restricted to 30,000 words, SimLex-999), as
// gensim's timed process (shared/bench/peers/w2v_gensim.py) does, so peak memory compares like for
// like. The quality targets use the peers' eval_vectors.py on the saved file, for every tool alike.
//   child.js OUT.vec CORPUS ANALOGY SIMLEX EPOCHS skipgram|cbow NEGATIVE HS(0|1)
// Prints one JSON line.
import { rmSync } from "node:fs";
import { evaluateWordAnalogies, evaluateWordPairs } from "../../src/eval/index.js";
import { trainWord2Vec } from "../../src/train/word2vec/index.js";

const [out, corpus, analogy, simlex, epochs, model, negative, hs] = process.argv.slice(2);
const checkpoint = `${out}.ckpt`;
const r = await trainWord2Vec([corpus], {
  model: model as "skipgram" | "cbow",
  vectorSize: 100,
  window: 5,
  negative: Number(negative),
  hs: hs === "1",
  minCount: 5,
  sample: 1e-3,
  epochs: Number(epochs),
  threads: 2,
  checkpoint,
});
await r.wv.save(out, { format: "word2vec-text" });
rmSync(checkpoint, { force: true });
const t0 = performance.now();
const analogies = evaluateWordAnalogies(r.wv, analogy, { restrictVocab: 30000 });
const pairs = evaluateWordPairs(r.wv, simlex);
console.log(
  JSON.stringify({
    corpusWords: r.corpusWords,
    trainSeconds: r.trainSeconds,
    wordsPerSecond: r.wordsPerSecond,
    relaxedSimd: r.relaxedSimd,
    epochs: r.epochs,
    inProcessEval: {
      analogy: analogies.score,
      simlex: pairs.spearman,
      seconds: (performance.now() - t0) / 1000,
    },
  }),
);
