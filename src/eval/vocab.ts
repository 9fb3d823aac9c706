import type { KeyedVectors } from "../vectors/index.js";

/**
 * The words an evaluation may use: the first `restrictVocab` rows, upper-cased when case-insensitive,
 * each mapped to its first (most frequent) row, exactly as gensim builds its `ok_vocab`.
 */
export function evaluationVocab(
  kv: KeyedVectors,
  restrictVocab: number,
  caseInsensitive: boolean,
): Map<string, number> {
  const ok = new Map<string, number>();
  const n = Math.min(restrictVocab, kv.size);
  for (let i = 0; i < n; i++) {
    const key = caseInsensitive ? kv.words[i].toUpperCase() : kv.words[i];
    if (!ok.has(key)) ok.set(key, i);
  }
  return ok;
}
