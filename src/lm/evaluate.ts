import { BoundaryError, type LanguageModel } from "./model.js";

/** The score of one sentence `<s> w1 .. wn </s>` (n+1 predictions). */
export interface SentenceScore {
  /** Natural-log probability of the words and `</s>`. */
  logProb: number;
  /** Predictions made: words + 1 for `</s>`. */
  tokens: number;
  /** Words outside the vocabulary (scored as `<unk>`). */
  oov: number;
  /** Sum of the OOV words' log-probabilities (to exclude them, SRILM-style). */
  oovLogProb: number;
}

/** Perplexity over a stream of sentences. */
export interface PerplexityResult {
  sentences: number;
  /** Predictions, OOV words and `</s>` included. */
  tokens: number;
  oov: number;
  /** Total natural-log probability, OOVs included. */
  logProb: number;
  /**
   * exp(-logProb / tokens): OOV words are mapped to `<unk>` and count like any other (KenLM's
   * "including OOVs"; with a vocabulary that has `<unk>` as a trained word, like PTB's, this is the
   * usual figure).
   */
  perplexity: number;
  /** SRILM's convention: OOV words neither scored nor counted. */
  perplexityExcludingOov: number;
  /** One entry per sentence when asked for. */
  perSentence?: SentenceScore[];
}

/** Scores a tokenized sentence; words outside the vocabulary are scored as `<unk>`. */
export function scoreSentence(model: LanguageModel, words: readonly string[]): SentenceScore {
  const e = encodeSentence(model, words, 1);
  return summarise(model.sentenceLogProbs(e.ids), e.oovAt);
}

/**
 * A sentence's ids (OOV words as `<unk>`, `</s>` appended) and where its OOV words are. A `<s>` or
 * `</s>` among the words is an error, as in training: the model never predicts `<s>` (log10 P = -99),
 * and a `</s>` inside a sentence would end it while its context carries on. (Neural models have one
 * `<eos>` for both, which PTB-style text holds as a word.)
 */
function encodeSentence(
  model: LanguageModel,
  words: readonly string[],
  sentenceNo: number,
): { ids: Int32Array; oovAt: number[] } {
  const ids = new Int32Array(words.length + 1);
  const oovAt: number[] = [];
  const boundaries = model.bos !== model.eos;
  for (let i = 0; i < words.length; i++) {
    const id = model.vocab.id(words[i]);
    if (boundaries && (id === model.bos || id === model.eos)) throw new BoundaryError(sentenceNo, words[i]);
    if (id < 0) oovAt.push(i);
    ids[i] = id < 0 ? model.unk : id;
  }
  ids[words.length] = model.eos;
  return { ids, oovAt };
}

function summarise(lp: Float64Array, oovAt: readonly number[]): SentenceScore {
  let logProb = 0;
  for (let i = 0; i < lp.length; i++) logProb += lp[i];
  let oovLogProb = 0;
  for (const i of oovAt) oovLogProb += lp[i];
  return { logProb, tokens: lp.length, oov: oovAt.length, oovLogProb };
}

/** Sentences a model with batched scoring reads per call. */
const BATCH = 32;

/**
 * Perplexity of `model` on sentences (empty ones are skipped, as in training); a model with
 * `sentencesLogProbs` scores them a batch at a time.
 */
export async function perplexity(
  model: LanguageModel,
  sentences: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
  opts: { perSentence?: boolean } = {},
): Promise<PerplexityResult> {
  let n = 0;
  let tokens = 0;
  let oov = 0;
  let logProb = 0;
  let oovLogProb = 0;
  const perSentence: SentenceScore[] | undefined = opts.perSentence ? [] : undefined;
  let pending: { ids: Int32Array; oovAt: number[] }[] = [];
  const flush = () => {
    const lps = model.sentencesLogProbs
      ? model.sentencesLogProbs(pending.map((e) => e.ids))
      : pending.map((e) => model.sentenceLogProbs(e.ids));
    pending.forEach((e, i) => {
      const s = summarise(lps[i], e.oovAt);
      n++;
      tokens += s.tokens;
      oov += s.oov;
      logProb += s.logProb;
      oovLogProb += s.oovLogProb;
      perSentence?.push(s);
    });
    pending = [];
  };
  let sentenceNo = 0;
  for await (const words of sentences) {
    sentenceNo++;
    if (words.length === 0) continue;
    pending.push(encodeSentence(model, words, sentenceNo));
    if (pending.length === BATCH) flush();
  }
  flush();
  return {
    sentences: n,
    tokens,
    oov,
    logProb,
    perplexity: Math.exp(-logProb / tokens),
    perplexityExcludingOov: Math.exp(-(logProb - oovLogProb) / (tokens - oov)),
    ...(perSentence ? { perSentence } : {}),
  };
}
