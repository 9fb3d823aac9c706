// Options of the word2vec trainer: gensim's names and defaults (word2vec.c's in the comments).

import { availableParallelism } from "node:os";
import type { Tokenizer } from "../../text/tokenizer.js";
import { checkInt, checkNumber, EmbedlmError } from "../../util/errors.js";

export interface EpochStats {
  /** 1-based epoch number. */
  epoch: number;
  /** Sum of -log sigmoid over every prediction of the epoch (float64; gensim's running_training_loss). */
  loss: number;
  /** loss divided by the number of predictions. */
  meanLoss: number;
  /** Corpus tokens read this epoch (out-of-vocabulary ones included). */
  words: number;
  /** Tokens kept by subsampling and trained on (gensim's "effective words"). */
  effectiveWords: number;
  seconds: number;
  /** words / seconds. */
  wordsPerSecond: number;
  /** Learning rate at the end of the epoch. */
  alpha: number;
}

export interface ProgressInfo {
  /** 1-based epoch in progress. */
  epoch: number;
  epochs: number;
  /** In-vocabulary words handed to the kernels so far over all epochs; total = epochs x vocab total. */
  wordsDone: number;
  wordsTotal: number;
  alpha: number;
}

export interface Word2VecOptions {
  /**
   * "skipgram" (gensim sg=1) or "cbow" (sg=0). Default "skipgram", embedlm's choice: gensim (sg=0)
   * and word2vec.c (-cbow 1) default to CBOW.
   */
  model?: "skipgram" | "cbow";
  /** Dimensions of the vectors (gensim vector_size, word2vec -size). Default 100. */
  vectorSize?: number;
  /** Maximum distance between the predicted word and a context word; each position draws a smaller one uniformly (-window). Default 5. */
  window?: number;
  /** Noise words per positive example; 0 turns negative sampling off (-negative). Default 5. */
  negative?: number;
  /** Hierarchical softmax over a Huffman tree (-hs 1). Default false. */
  hs?: boolean;
  /** Exponent of the noise distribution (counts^ns_exponent). Default 0.75. */
  nsExponent?: number;
  /**
   * CBOW: average the context vectors (true, default) or sum them and give each context row the error
   * divided by their number, as gensim cbow_mean=0 does.
   */
  cbowMean?: boolean;
  /** Frequent-word subsampling threshold; 0 keeps every word (-sample). Default 1e-3. */
  sample?: number;
  /** Initial learning rate. Default 0.025 for skip-gram, 0.05 for CBOW (word2vec.c's defaults). */
  alpha?: number;
  /** Learning rate reached at the end of the last epoch (linear decay over all words x epochs). Default 0.0001. */
  minAlpha?: number;
  /** Passes over the corpus (-iter). Default 5. */
  epochs?: number;
  /** Words seen fewer times are ignored (-min-count). Default 5. */
  minCount?: number;
  /**
   * Keep at most this many words: a plain cut of the list sorted by count (of words tied at the cut
   * the first seen are kept). Default: no limit.
   */
  maxVocab?: number;
  /**
   * gensim max_final_vocab: at most this many words, by raising min_count to one more than the count
   * of the (n+1)-th most frequent word (words tied at the cut are all dropped). Default: no limit.
   */
  maxFinalVocab?: number;
  /** Worker threads (-threads); Hogwild updates on shared matrices. Default: all cores. */
  threads?: number;
  /** Seed of every random choice. With threads 1 the vectors are identical run to run. Default 1. */
  seed?: number;
  /** Longer lines are cut into sentences of this many tokens (gensim's 10000). */
  maxSentenceLength?: number;
  /** Splits lines into words. Default: on whitespace, as word2vec.c (text8-style corpora). */
  tokenizer?: Tokenizer;
  /** Write the full model (both matrices, vocabulary, options, schedule) here after every epoch, atomically. */
  checkpoint?: string;
  /**
   * Continue the run saved in `checkpoint` to the same schedule: its options win over these, and its
   * tokenizer is used (a `tokenizer` given here must split words the same way, else an error).
   */
  resume?: boolean;
  /** Use relaxed SIMD (fused multiply-add) when the engine has it. Default true. */
  relaxedSimd?: boolean;
  /** Called after each epoch. */
  onEpochEnd?: (stats: EpochStats) => void;
  /** Called a few times per second while training. */
  onProgress?: (info: ProgressInfo) => void;
}

/** The options that shape the model and its schedule, all set (what checkpoints store). */
export interface ResolvedOptions {
  model: "skipgram" | "cbow";
  vectorSize: number;
  window: number;
  negative: number;
  hs: boolean;
  nsExponent: number;
  cbowMean: boolean;
  sample: number;
  alpha: number;
  minAlpha: number;
  epochs: number;
  minCount: number;
  maxVocab: number | null;
  /** Absent in checkpoints written before it existed (read as null). */
  maxFinalVocab?: number | null;
  seed: number;
  maxSentenceLength: number;
}

/** Fills defaults and checks every value, naming the option at fault. */
export function resolveOptions(o: Word2VecOptions): ResolvedOptions {
  const model = o.model ?? "skipgram";
  if (model !== "skipgram" && model !== "cbow")
    throw new EmbedlmError(`expected skipgram or cbow, got '${String(model)}'`, { field: "model" });
  const r: ResolvedOptions = {
    model,
    vectorSize: checkInt("vectorSize", o.vectorSize ?? 100, 1, 10000),
    window: checkInt("window", o.window ?? 5, 1, 1000),
    negative: checkInt("negative", o.negative ?? 5, 0, 1000),
    hs: o.hs ?? false,
    nsExponent: checkNumber("nsExponent", o.nsExponent ?? 0.75, -10, 10),
    cbowMean: o.cbowMean ?? true,
    sample: checkNumber("sample", o.sample ?? 1e-3, 0),
    alpha: checkNumber("alpha", o.alpha ?? (model === "cbow" ? 0.05 : 0.025), 0),
    minAlpha: checkNumber("minAlpha", o.minAlpha ?? 0.0001, 0),
    epochs: checkInt("epochs", o.epochs ?? 5, 1),
    minCount: checkInt("minCount", o.minCount ?? 5, 1),
    maxVocab: o.maxVocab === undefined ? null : checkInt("maxVocab", o.maxVocab, 1),
    maxFinalVocab: o.maxFinalVocab === undefined ? null : checkInt("maxFinalVocab", o.maxFinalVocab, 1),
    seed: checkInt("seed", o.seed ?? 1, 0, 2 ** 32 - 1),
    maxSentenceLength: checkInt("maxSentenceLength", o.maxSentenceLength ?? 10000, 1),
  };
  if (r.negative === 0 && !r.hs)
    throw new EmbedlmError("nothing to train: negative is 0 and hs is off (set --negative > 0 or --hs)", {
      field: "negative",
    });
  return r;
}

export function resolveThreads(threads: number | undefined): number {
  return checkInt("threads", threads ?? availableParallelism(), 1, 256);
}
