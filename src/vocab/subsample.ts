import { checkNumber } from "../util/errors.js";

/**
 * Probability of keeping each occurrence of word i when frequent words are subsampled, word2vec.c's
 * formula keep = (sqrt(f / (s*T)) + 1) * (s*T) / f with f the word's count and T the total count.
 * Values >= 1 mean always keep (they are not clipped, as in word2vec.c). `sample` 0 keeps everything;
 * words with count 0 (specials) get 1.
 */
export function keepProbabilities(counts: ArrayLike<number>, sample = 1e-3): Float32Array {
  checkNumber("sample", sample, 0);
  const out = new Float32Array(counts.length).fill(1);
  if (sample === 0) return out;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const t = sample * total;
  for (let i = 0; i < counts.length; i++) {
    const f = counts[i];
    if (f > 0) out[i] = (Math.sqrt(f / t) + 1) * (t / f);
  }
  return out;
}
