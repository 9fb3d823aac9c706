import { EmbedlmError } from "../util/errors.js";

/**
 * The interface every embedlm language model implements: n-gram models now, neural ones later. Word ids
 * index `vocab`; probabilities are natural-log (PyTorch-style) unless a name says log10 (ARPA's base).
 *
 * A sentence is scored as `<s> w1 .. wn </s>`: `<s>` is only ever a context, `</s>` is predicted.
 * Everything built on top (perplexity, top-k, generation) lives in src/lm/evaluate.ts, predict.ts and
 * generate.ts and needs nothing but this interface.
 */
export interface LanguageModel {
  /** The model file's kind ("ngram", later "lstm", ...): what `embedlm lm` dispatches on. */
  readonly kind: string;
  /** Words by id. `<s>`, `</s>` and `<unk>` are always present. */
  readonly vocab: LmVocab;
  /** Ids of the sentence boundaries and of the unknown word. */
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  /**
   * How many preceding words the model looks at (n-1 for an n-gram model; Infinity for a recurrent one).
   * Longer contexts are truncated to their last `contextSize` words, as KenLM does.
   */
  readonly contextSize: number;
  /** ln P(word | context); `context` holds ids, oldest first, usually starting with `bos`. */
  logProb(word: number, context: ArrayLike<number>): number;
  /**
   * P(w | context) for every id w, summing to 1 (`<s>` gets 0). Writes into `out` when given
   * (length `vocab.size`) and returns it.
   */
  distribution(context: ArrayLike<number>, out?: Float64Array): Float64Array;
  /**
   * ln P of each word of `words` given the words before it, after an implicit `<s>`; `words` usually
   * ends with `eos`. A recurrent model runs its state forward once instead of rescoring each prefix.
   */
  sentenceLogProbs(words: Int32Array): Float64Array;
  /**
   * sentenceLogProbs of many sentences at once, for a model that scores a batch faster than one
   * sentence at a time (a neural model side by side in one forward pass). Optional.
   */
  sentencesLogProbs?(sentences: readonly Int32Array[]): Float64Array[];
}

/** The part of a vocabulary a language model needs (src/vocab's `Vocab` fits it). */
export interface LmVocab {
  readonly size: number;
  readonly words: readonly string[];
  /** The id of `word`, or -1. */
  id(word: string): number;
}

/** The context ids `<s> w1 .. wk` for a whitespace-separated prompt; unknown words become `<unk>`. */
export function encodePrompt(model: LanguageModel, words: readonly string[]): Int32Array {
  const out = new Int32Array(words.length + 1);
  out[0] = model.bos;
  for (let i = 0; i < words.length; i++) {
    const id = model.vocab.id(words[i]);
    out[i + 1] = id < 0 ? model.unk : id;
  }
  return out;
}

/**
 * A `<s>` or `</s>` among a sentence's words, in training or evaluation: the model adds the boundaries
 * itself. `sentence` counts the sentences read (1-based), so a caller that knows where they came from
 * can name the file and line.
 */
export class BoundaryError extends EmbedlmError {
  constructor(
    readonly sentence: number,
    readonly word: string,
  ) {
    super(`sentence ${sentence} contains ${word}; boundaries are added by embedlm`);
  }
}
