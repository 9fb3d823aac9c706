import type { LanguageModel } from "./model.js";

/** One predicted next word. */
export interface Prediction {
  word: string;
  id: number;
  /** P(word | context). */
  prob: number;
}

/**
 * The k most probable next words after `context` (ids, oldest first), most probable first; ties go
 * to the smaller id.
 */
export function topK(model: LanguageModel, context: ArrayLike<number>, k = 5): Prediction[] {
  const dist = model.distribution(context);
  const n = Math.min(Math.max(0, Math.floor(k)), dist.length);
  // A sorted buffer of the best n ids: n is small, so insertion beats sorting the vocabulary.
  const best: number[] = [];
  for (let w = 0; w < dist.length; w++) {
    const p = dist[w];
    if (best.length === n && (n === 0 || p <= dist[best[n - 1]])) continue;
    let i = best.length === n ? n - 1 : best.length;
    if (best.length < n) best.push(w);
    while (i > 0 && dist[best[i - 1]] < p) {
      best[i] = best[i - 1];
      i--;
    }
    best[i] = w;
  }
  return best.map((id) => ({ word: model.vocab.words[id], id, prob: dist[id] }));
}
