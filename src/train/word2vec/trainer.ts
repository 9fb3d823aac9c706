// The word2vec trainer: streams the corpus every epoch, encodes sentences on the main thread into
// per-thread batch buffers in the shared kernel memory, and runs the skip-gram or CBOW kernel on
// each worker (Hogwild: all threads update the same matrices without locks, as word2vec.c does).
// Each thread has two batch buffers, so the main thread fills one while the worker trains on the
// other. Subsampling, window shrinking and negative draws happen inside the kernel with the
// thread's own random state; the learning rate decays linearly over epochs x vocabulary words.

import { createRuntime } from "../../kernels/index.js";
import { type Corpus, openCorpus } from "../../text/corpus.js";
import { Tokenizer } from "../../text/tokenizer.js";
import { EmbedlmError } from "../../util/errors.js";
import { Rng } from "../../util/rng.js";
import { KeyedVectors } from "../../vectors/keyed-vectors.js";
import { countTokens } from "../../vocab/count.js";
import { Vocab } from "../../vocab/vocab.js";
import {
  type CheckpointState,
  DEFAULT_TOKENIZER,
  loadCheckpoint,
  saveCheckpoint,
  tokenizerDifference,
  tokenizerSettings,
} from "./checkpoint.js";
import { allocateModel } from "./layout.js";
import {
  type EpochStats,
  type ResolvedOptions,
  resolveOptions,
  resolveThreads,
  type Word2VecOptions,
} from "./options.js";
import { byteSource, corpusSource } from "./source.js";

/** Trained word vectors with what produced them. */
export interface Word2VecResult {
  /** The input vectors (gensim's model.wv), words by frequency, with their counts. */
  wv: KeyedVectors;
  vocab: Vocab;
  options: ResolvedOptions;
  /** One entry per epoch (those before a resume included). */
  epochs: EpochStats[];
  /** Corpus tokens per epoch (out-of-vocabulary ones included). */
  corpusWords: number;
  /** Seconds spent training in this run (vocabulary building excluded). */
  trainSeconds: number;
  /** corpusWords x epochs trained in this run / trainSeconds. */
  wordsPerSecond: number;
  /** True when the relaxed-SIMD kernels ran. */
  relaxedSimd: boolean;
}

/** Tokens handed to a kernel per call: ~10-20 ms of work, long enough to amortise the signalling. */
const BATCH_WORDS = 10000;

/** Counts the corpus and cuts the vocabulary; says clearly when nothing is left. */
async function buildVocab(corpus: Corpus, tokenizer: Tokenizer, o: ResolvedOptions): Promise<Vocab> {
  const { counts, tokens: total } = await countTokens(corpus, tokenizer);
  const vocab = Vocab.fromCounts(counts, {
    minCount: o.minCount,
    maxSize: o.maxVocab ?? undefined,
    maxFinalVocab: o.maxFinalVocab ?? undefined,
  });
  if (vocab.size === 0) {
    let most = 0;
    for (const c of counts.values()) most = Math.max(most, c);
    throw new EmbedlmError(
      `no word occurs at least min_count=${o.minCount} times: the corpus has ${total} words ` +
        `(${counts.size} distinct, the most frequent seen ${most} times); lower --min-count or give more text`,
      { file: corpus.describe(), field: "min_count" },
    );
  }
  return vocab;
}

/** True when the corpus's words can be read from its raw bytes: plain whitespace splitting, nothing else. */
function byteLevel(corpus: Corpus, tokenizer: Tokenizer): boolean {
  const t = tokenizer.options;
  return corpus.bytes !== undefined && t.mode === "whitespace" && !t.lowercase && t.stopwords === undefined;
}

function seedThreads(seed: number, threads: number): number[][] {
  const rng = new Rng(seed ^ 0x9e3779b9);
  return Array.from({ length: threads }, () => {
    const s = [rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32()];
    if (!s.some((x) => x !== 0)) s[0] = 1;
    return s;
  });
}

/**
 * Trains word2vec on a corpus or on file paths (read once for the vocabulary, then once per epoch).
 * With the (default) whitespace tokenizer the corpus is read at the byte level (faster, less
 * memory, the same sentences).
 */
export async function trainWord2Vec(
  input: Corpus | readonly string[],
  options: Word2VecOptions = {},
): Promise<Word2VecResult> {
  const threads = resolveThreads(options.threads);
  let tokenizer = options.tokenizer ?? new Tokenizer(DEFAULT_TOKENIZER);
  const corpus = Array.isArray(input) ? await openCorpus(input as readonly string[]) : (input as Corpus);
  let o = resolveOptions(options);
  let vocab: Vocab;
  let resumed: Awaited<ReturnType<typeof loadCheckpoint>> | undefined;
  if (options.resume) {
    if (options.checkpoint === undefined)
      throw new EmbedlmError("resume needs the checkpoint path", { field: "checkpoint" });
    resumed = await loadCheckpoint(options.checkpoint);
    o = resumed.state.options;
    // The words must be split as in the run that wrote the checkpoint: its tokenizer, or a given one
    // only when it splits the same way. Older checkpoints did not save it: read as the default.
    const saved = resumed.state.tokenizer ?? DEFAULT_TOKENIZER;
    if (options.tokenizer === undefined) tokenizer = new Tokenizer(saved);
    else {
      const diff = tokenizerDifference(tokenizerSettings(options.tokenizer), saved);
      if (diff !== undefined)
        throw new EmbedlmError(
          `the tokenizer's ${diff.setting} is ${JSON.stringify(diff.a)}, but the checkpoint was made with ` +
            `${JSON.stringify(diff.b)}: resume with the same tokenizer`,
          { file: options.checkpoint, field: "tokenizer" },
        );
    }
    vocab = new Vocab(resumed.state.words, resumed.state.counts);
  } else {
    vocab = await buildVocab(corpus, tokenizer, o);
  }

  const initRng = new Rng(o.seed);
  const rt = await createRuntime({ threads, relaxed: options.relaxedSimd });
  try {
    const batchCapacity = BATCH_WORDS + o.maxSentenceLength + 1;
    const m = allocateModel(
      rt.arena,
      {
        counts: vocab.counts,
        dim: o.vectorSize,
        window: o.window,
        negative: o.negative,
        hs: o.hs,
        sample: o.sample,
        nsExponent: o.nsExponent,
        cbowMean: o.cbowMean,
      },
      threads,
      batchCapacity,
      () => initRng.next(),
    );
    let epochsDone = 0;
    let wordsDone = 0;
    const history: EpochStats[] = [];
    let rngStates = seedThreads(o.seed, threads);
    if (resumed !== undefined) {
      resumed.read({ dim: o.vectorSize, stride: m.stride, syn0: m.syn0, syn1neg: m.syn1neg, syn1: m.syn1 });
      epochsDone = resumed.state.epochsDone;
      wordsDone = resumed.state.wordsDone;
      history.push(...resumed.state.history);
      // Other thread counts cannot replay the same schedule anyway; fresh states for the extra threads.
      const saved = resumed.state.threadRng;
      rngStates = rngStates.map((s, i) => saved[i] ?? s);
    }
    m.threads.forEach((t, i) => {
      t.rng.set(rngStates[i]);
    });

    const source = byteLevel(corpus, tokenizer)
      ? byteSource(corpus, vocab, o.maxSentenceLength)
      : corpusSource(corpus, tokenizer, vocab, o.maxSentenceLength);
    const pool = rt.pool!;
    const kernel = o.model === "cbow" ? "cbowBatch" : "skipgramBatch";
    const wordsTotal = o.epochs * vocab.totalCount;
    const alphaAt = (done: number) =>
      Math.max(o.minAlpha, o.alpha - (o.alpha - o.minAlpha) * (done / wordsTotal));
    const inflight: Promise<number>[][] = m.batches.map((slots) => slots.map(() => Promise.resolve(0)));
    const nextSlot = new Array<number>(threads).fill(0);
    let corpusWords = 0;
    let trainSeconds = 0;
    let trainedWords = 0;
    let lastProgress = 0;

    for (let epoch = epochsDone; epoch < o.epochs; epoch++) {
      const start = performance.now();
      const before = m.threads.map((t) => [t.tallies[0], t.tallies[1]]);
      let effective = 0;
      let epochWords = 0;
      let worker = 0;
      let slot = 0;
      let batch = m.batches[0][0];
      let fill = 0;
      let batchWords = 0;
      const dispatch = async () => {
        const alpha = alphaAt(wordsDone);
        wordsDone += batchWords;
        const p = pool.call(worker, kernel, [m.ptr, m.threads[worker].ptr, batch.byteOffset, fill, alpha]);
        inflight[worker][slot] = p;
        p.then(
          (kept) => {
            effective += kept;
          },
          () => {},
        );
        nextSlot[worker] = slot ^ 1;
        worker = (worker + 1) % threads;
        slot = nextSlot[worker];
        // this buffer was handed out two calls ago on this worker: wait until it is free
        await inflight[worker][slot];
        batch = m.batches[worker][slot];
        fill = 0;
        batchWords = 0;
        if (options.onProgress !== undefined && performance.now() - lastProgress > 200) {
          lastProgress = performance.now();
          options.onProgress({ epoch: epoch + 1, epochs: o.epochs, wordsDone, wordsTotal, alpha });
        }
      };
      await source.pass((ids, n, tokens) => {
        epochWords += tokens;
        if (n === 0) return;
        batch.set(n === ids.length ? ids : ids.subarray(0, n), fill);
        fill += n;
        batch[fill++] = -1;
        batchWords += n;
        if (fill >= BATCH_WORDS) return dispatch();
      });
      if (fill > 0) await dispatch();
      await Promise.all(inflight.flat());
      const seconds = (performance.now() - start) / 1000;
      trainSeconds += seconds;
      corpusWords = epochWords;
      trainedWords += epochWords;
      let loss = 0;
      let predictions = 0;
      m.threads.forEach((t, i) => {
        loss += t.tallies[0] - before[i][0];
        predictions += t.tallies[1] - before[i][1];
      });
      const stats: EpochStats = {
        epoch: epoch + 1,
        loss,
        meanLoss: predictions > 0 ? loss / predictions : 0,
        words: epochWords,
        effectiveWords: effective,
        seconds,
        wordsPerSecond: epochWords / seconds,
        alpha: alphaAt(wordsDone),
      };
      history.push(stats);
      if (options.checkpoint !== undefined) {
        const state: CheckpointState = {
          options: o,
          words: [...vocab.words],
          counts: Array.from(vocab.counts),
          epochsDone: epoch + 1,
          wordsDone,
          threadRng: m.threads.map((t) => Array.from(t.rng)),
          history,
          tokenizer: tokenizerSettings(tokenizer),
        };
        await saveCheckpoint(options.checkpoint, state, m);
      }
      options.onEpochEnd?.(stats);
    }

    const dim = o.vectorSize;
    const vectors = new Float32Array(vocab.size * dim);
    for (let w = 0; w < vocab.size; w++)
      vectors.set(m.syn0.subarray(w * m.stride, w * m.stride + dim), w * dim);
    return {
      wv: new KeyedVectors({
        words: [...vocab.words],
        dim,
        vectors,
        counts: Float64Array.from(vocab.counts),
      }),
      vocab,
      options: o,
      epochs: history,
      corpusWords,
      trainSeconds,
      wordsPerSecond: trainSeconds > 0 ? trainedWords / trainSeconds : 0,
      relaxedSimd: rt.relaxed,
    };
  } finally {
    await rt.close();
  }
}
