import type { LmVocab } from "../model.js";
import type { NgramCounts } from "./counter.js";
import { collectGarbage } from "./memory.js";
import { ARPA_ZERO, NgramModel } from "./model.js";
import type { Smoothing } from "./smoothing.js";
import { NgramTrie } from "./trie.js";

/**
 * Turns counts into a model with `smoothing`. `cutoffs[k]` (k >= 2) drops order-k n-grams seen fewer
 * times, unless a longer n-gram that is kept needs them as its context or suffix; statistics
 * (discounts, continuation counts) come from the full counts, as in KenLM's pruning, and the backoff
 * weights of the contexts that lost n-grams are recomputed so every distribution still sums to 1.
 */
export function estimateModel(
  counts: NgramCounts,
  smoothing: Smoothing,
  vocab: LmVocab,
  cutoffs: readonly number[] = [],
): NgramModel {
  const trie = counts.trie;
  const order = trie.order;
  const v = trie.vocabSize;
  const predictable = v - 1;
  const keep = keptNgrams(counts, cutoffs);
  // Without pruning, each order's probabilities go to float32 log10 as soon as the order above has
  // used them, counts are released once used, and two probability buffers serve every order in turn:
  // few large allocations, so memory is not left fragmented (the peak is the final model plus about
  // two orders' working arrays).
  let maxN = 0;
  let maxCtx = 1;
  for (let k = 1; k <= order; k++) {
    maxN = Math.max(maxN, trie.size(k));
    if (k < order) maxCtx = Math.max(maxCtx, trie.size(k));
  }
  const buffers = [new Float64Array(maxN), new Float64Array(maxN)];
  const gammaBuffer = new Float64Array(maxCtx);
  const prob: Float64Array[] = [new Float64Array(0)];
  const logp: Float32Array[] = [new Float32Array(0)];
  const backoff: Float64Array[] = [new Float64Array(0)];
  const log10Backoff: Float32Array[] = [new Float32Array(0)];
  for (let k = 1; k <= order; k++) {
    const alpha = buffers[k % 2].subarray(0, trie.size(k)).fill(0);
    const gamma = gammaBuffer.subarray(0, k === 1 ? 1 : trie.size(k - 1)).fill(1);
    smoothing.estimate(counts, k, predictable, { alpha, gamma });
    // alpha becomes P in place.
    const p = alpha;
    if (k === 1) {
      const base = gamma[0] / predictable;
      for (let w = 0; w < v; w++) p[w] = combine(smoothing.interpolated, alpha[w], base);
      p[counts.bos] = 0;
    } else {
      const starts = trie.childStart[k - 1];
      const suf = counts.suffix[k];
      const lower = prob[k - 1];
      for (let c = 0; c + 1 < starts.length; c++) {
        const g = gamma[c];
        for (let e = starts[c]; e < starts[c + 1]; e++) {
          p[e] = combine(smoothing.interpolated, alpha[e], g * lower[suf[e]]);
        }
      }
      if (keep) backoff.push(gamma.slice());
      else log10Backoff.push(toLog10(gamma));
    }
    prob.push(keep ? p.slice() : p);
    if (!keep) {
      if (k > 1) {
        logp.push(toLog10(prob[k - 1]));
        prob[k - 1] = EMPTY;
        counts.suffix[k] = EMPTY_INT;
      }
      if (k > 2) counts.counts[k - 1] = EMPTY_INT;
      counts.bosInitial[k] = EMPTY_BYTES;
      collectGarbage();
    }
  }
  if (!keep) {
    logp.push(toLog10(prob[order]));
    return finish(vocab, trie, logp, log10Backoff, smoothing);
  }
  return prune(counts, vocab, prob, backoff, keep, smoothing);
}

const EMPTY = new Float64Array(0);
const EMPTY_INT = new Int32Array(0);
const EMPTY_BYTES = new Uint8Array(0);

function toLog10(p: Float64Array): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) out[i] = p[i] > 0 ? Math.log10(p[i]) : ARPA_ZERO;
  return out;
}

function combine(interpolated: boolean, alpha: number, lower: number): number {
  return interpolated || alpha === 0 ? alpha + lower : alpha;
}

function finish(
  vocab: LmVocab,
  trie: NgramTrie,
  logp: Float32Array[],
  log10Backoff: Float32Array[],
  smoothing: Smoothing,
): NgramModel {
  return new NgramModel(vocab, trie, logp, log10Backoff, {
    smoothing: smoothing.name,
    smoothingInfo: smoothing.describe(),
    unnormalized: !smoothing.normalized,
  });
}

/** Which n-grams survive the cutoffs (undefined when nothing is cut). */
function keptNgrams(counts: NgramCounts, cutoffs: readonly number[]): Uint8Array[] | undefined {
  const order = counts.trie.order;
  if (!cutoffs.some((c, k) => k >= 2 && k <= order && c > 1)) return undefined;
  const keep: Uint8Array[] = [];
  for (let k = 0; k <= order; k++) keep.push(new Uint8Array(k === 0 ? 0 : counts.trie.size(k)));
  keep[1].fill(1);
  for (let k = order; k >= 2; k--) {
    const min = cutoffs[k] ?? 1;
    const c = counts.counts[k];
    const kk = keep[k];
    for (let e = 0; e < kk.length; e++) if (c[e] >= min) kk[e] = 1;
    if (k > 2) {
      const starts = counts.trie.childStart[k - 1];
      const suf = counts.suffix[k];
      const below = keep[k - 1];
      for (let ctx = 0; ctx + 1 < starts.length; ctx++) {
        for (let e = starts[ctx]; e < starts[ctx + 1]; e++) {
          if (kk[e]) {
            below[ctx] = 1;
            below[suf[e]] = 1;
          }
        }
      }
    }
  }
  return keep;
}

/**
 * Keeps the marked n-grams and recomputes each context's backoff so its distribution sums to 1:
 * bo(h) = (1 - sum of kept P(w|h)) / (1 - sum of the same words' P(w|h')).
 */
function prune(
  counts: NgramCounts,
  vocab: LmVocab,
  prob: Float64Array[],
  backoff: Float64Array[],
  keep: Uint8Array[],
  smoothing: Smoothing,
): NgramModel {
  const trie = counts.trie;
  const order = trie.order;
  const words: Int32Array[] = [new Int32Array(0), trie.words[1]];
  const childStart: Int32Array[] = [new Int32Array(0)];
  const newProb: Float64Array[] = [new Float64Array(0), prob[1]];
  const newBackoff: Float64Array[] = [new Float64Array(0)];
  // Old node id -> new node id of the order below (identity for unigrams).
  let rename: Int32Array | undefined;
  for (let k = 2; k <= order; k++) {
    const kk = keep[k];
    const oldStarts = trie.childStart[k - 1];
    const nCtxOld = oldStarts.length - 1;
    let n = 0;
    for (let e = 0; e < kk.length; e++) n += kk[e];
    const w = new Int32Array(n);
    const p = new Float64Array(n);
    const map = new Int32Array(kk.length).fill(-1);
    const starts = new Int32Array((rename ? words[k - 1].length : nCtxOld) + 1);
    let j = 0;
    const sumHere = new Float64Array(nCtxOld);
    const sumLower = new Float64Array(nCtxOld);
    const suf = counts.suffix[k];
    for (let c = 0; c < nCtxOld; c++) {
      const nc = rename ? rename[c] : c;
      for (let e = oldStarts[c]; e < oldStarts[c + 1]; e++) {
        if (!kk[e]) continue;
        w[j] = trie.words[k][e];
        p[j] = prob[k][e];
        map[e] = j++;
        sumHere[c] += prob[k][e];
        sumLower[c] += prob[k - 1][suf[e]];
      }
      if (nc >= 0) starts[nc + 1] = j;
    }
    const bo = backoff[k - 1];
    const keptCtx = rename ? words[k - 1].length : nCtxOld;
    const newBo = new Float64Array(keptCtx).fill(1);
    for (let c = 0; c < nCtxOld; c++) {
      const nc = rename ? rename[c] : c;
      if (nc < 0) continue;
      const removedAny = oldStarts[c + 1] - oldStarts[c] > starts[nc + 1] - starts[nc];
      // Stupid backoff's weight is a constant, not a normaliser.
      newBo[nc] =
        removedAny && smoothing.normalized
          ? Math.max(1 - sumHere[c], 0) / Math.max(1 - sumLower[c], 1e-300)
          : bo[c];
    }
    childStart.push(starts);
    newBackoff.push(newBo);
    words.push(w);
    newProb.push(p);
    rename = map;
  }
  childStart.push(new Int32Array(0));
  const pruned = new NgramTrie(order, trie.vocabSize, words, childStart);
  return finish(vocab, pruned, newProb.map(toLog10), newBackoff.map(toLog10), smoothing);
}
