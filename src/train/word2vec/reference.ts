// Plain TypeScript reference of the word2vec kernels (assembly/skipgram.ts, cbow.ts, w2v_output.ts):
// the same algorithm, random draws and order, written for reading; tests hold the kernels equal to
// it. Shapes: syn0, syn1neg [V x stride], syn1 [(V-1) x stride], row w at w * stride.

import type { ModelViews } from "./layout.js";
import { MAX_EXP, tableIndex } from "./tables.js";

/** A thread's state as the kernels keep it: xoshiro128** words and [loss, predictions]. */
export interface RefThread {
  rng: Uint32Array;
  tallies: Float64Array;
}

// Float32 rounding after each operation, as the plain-SIMD kernel computes (the relaxed build fuses
// multiply-adds and differs in the last bits).
const f32 = Math.fround;

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

function nextU32(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
  const t = (s[1] << 9) >>> 0;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

const nextFloat = (s: Uint32Array) => (nextU32(s) >>> 8) / 16777216;
const nextBelow = (s: Uint32Array, n: number) => Math.floor((nextU32(s) * n) / 4294967296);

/** Kept words of the sentence at tokens[i..] (ended by -1) after subsampling, and the next index. */
function readSentence(m: ModelViews, th: RefThread, tokens: Int32Array, i: number): [number[], number] {
  const sent: number[] = [];
  while (i < tokens.length) {
    const w = tokens[i++];
    if (w < 0) break;
    if (m.keep !== undefined) {
      const p = m.keep[w];
      if (p < 1 && p < nextFloat(th.rng)) continue;
    }
    sent.push(w);
  }
  return [sent, i];
}

/**
 * One example: hidden vector h (stride floats at `hOff` in `hMat`) predicts `word`; the error for h
 * is added to err (at errOff in errMat).
 */
function trainOutput(
  m: ModelViews,
  th: RefThread,
  hMat: Float32Array,
  hOff: number,
  errMat: Float32Array,
  errOff: number,
  word: number,
  alpha: number,
): void {
  const rows: { mat: Float32Array; off: number; label: number; hs: boolean; weight: number }[] = [];
  if (m.hs) {
    const off = m.offsets[word];
    for (let d = 0; d < m.lengths[word]; d++) {
      rows.push({
        mat: m.syn1,
        off: m.points[off + d] * m.stride,
        label: 1 - m.codes[off + d],
        hs: true,
        weight: 1,
      });
    }
  }
  if (m.negative > 0) {
    rows.push({ mat: m.syn1neg, off: word * m.stride, label: 1, hs: false, weight: 1 });
    for (let k = 0; k < m.negative; k++) {
      const bucket = nextBelow(th.rng, m.vocabSize);
      const coin = nextFloat(th.rng);
      const target = coin < m.aliasProb[bucket] ? bucket : m.aliasIdx[bucket];
      if (target === word) continue;
      // a noise word drawn twice is one row with a doubled gradient
      const seen = rows.find((r) => !r.hs && r.label === 0 && r.off === target * m.stride);
      if (seen !== undefined) seen.weight++;
      else rows.push({ mat: m.syn1neg, off: target * m.stride, label: 0, hs: false, weight: 1 });
    }
  }
  const g = new Float32Array(rows.length);
  let loss = 0;
  let scored = 0;
  rows.forEach((r, k) => {
    let f = 0;
    for (let j = 0; j < m.stride; j++) f += hMat[hOff + j] * r.mat[r.off + j];
    f = Math.fround(f);
    if (r.hs) g[k] = f <= -MAX_EXP || f >= MAX_EXP ? 0 : (r.label - m.sigmoid[tableIndex(f)]) * alpha;
    else if (f > MAX_EXP) g[k] = (r.label - 1) * alpha;
    else if (f < -MAX_EXP) g[k] = r.label * alpha;
    else g[k] = (r.label - m.sigmoid[tableIndex(f)]) * alpha;
    g[k] *= r.weight;
    loss -= r.weight * m.logSigmoid[tableIndex(r.label > 0 ? f : -f)];
    scored += r.weight;
  });
  // Per dimension, each row in turn gives its error (before its own update) and is updated.
  for (let j = 0; j < m.stride; j++) {
    const hj = hMat[hOff + j];
    let e = 0;
    rows.forEach((r, k) => {
      e = f32(f32(g[k] * r.mat[r.off + j]) + e);
      r.mat[r.off + j] += f32(g[k] * hj);
    });
    errMat[errOff + j] += e;
  }
  th.tallies[0] += loss;
  th.tallies[1] += scored;
}

/**
 * The sentence and window walk both models share: subsampled sentences from `tokens` (-1 ends one),
 * and for each position the shrunk window [lo, hi] drawn as word2vec does. Returns kept words.
 */
function forEachWindow(
  m: ModelViews,
  th: RefThread,
  tokens: Int32Array,
  visit: (sent: number[], pos: number, lo: number, hi: number) => void,
): number {
  let kept = 0;
  let i = 0;
  while (i < tokens.length) {
    const [sent, next] = readSentence(m, th, tokens, i);
    i = next;
    kept += sent.length;
    for (let pos = 0; pos < sent.length; pos++) {
      const b = nextBelow(th.rng, m.window);
      visit(sent, pos, Math.max(pos - m.window + b, 0), Math.min(pos + m.window - b, sent.length - 1));
    }
  }
  return kept;
}

/** Reference of skipgramBatch: tokens are word ids, -1 ends a sentence. Returns kept words. */
export function skipgramBatchRef(m: ModelViews, th: RefThread, tokens: Int32Array, alpha: number): number {
  return forEachWindow(m, th, tokens, (sent, pos, lo, hi) => {
    for (let c = lo; c <= hi; c++) {
      if (c === pos) continue;
      const h = sent[c] * m.stride;
      trainOutput(m, th, m.syn0, h, m.syn0, h, sent[pos], alpha);
    }
  });
}

/** Reference of cbowBatch. Returns kept words. */
export function cbowBatchRef(m: ModelViews, th: RefThread, tokens: Int32Array, alpha: number): number {
  return forEachWindow(m, th, tokens, (sent, pos, lo, hi) => {
    if (hi - lo < 1) return;
    const neu1 = new Float32Array(m.stride);
    const neu1e = new Float32Array(m.stride);
    for (let c = lo; c <= hi; c++) {
      if (c === pos) continue;
      for (let j = 0; j < m.stride; j++) neu1[j] += m.syn0[sent[c] * m.stride + j];
    }
    // hi - lo context words; the mean scales the input, the sum scales the error (gensim's sscal).
    const inv = f32(1 / (hi - lo));
    if (m.cbowMean) for (let j = 0; j < m.stride; j++) neu1[j] *= inv;
    trainOutput(m, th, neu1, 0, neu1e, 0, sent[pos], alpha);
    if (!m.cbowMean) for (let j = 0; j < m.stride; j++) neu1e[j] *= inv;
    for (let c = lo; c <= hi; c++) {
      if (c === pos) continue;
      for (let j = 0; j < m.stride; j++) m.syn0[sent[c] * m.stride + j] += neu1e[j];
    }
  });
}
