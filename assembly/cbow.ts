// CBOW training over a batch of token ids: the mean (cbow_mean) or sum of the input vectors of a
// word's randomly shrunk window predicts the word; the hidden-vector error goes back to every
// context row, undivided for the mean (word2vec.c, gensim) and divided by the number of context
// words for the sum (gensim's word2vec_inner scales it by 1/count).

import { readSentence } from "./w2v_batch";
import {
  M_CBOW_MEAN,
  M_STRIDE,
  M_SYN0,
  M_WINDOW,
  nextBelow,
  rngLoad,
  rngStore,
  T_CTX,
  T_NEU1,
  T_NEU1E,
  T_SENT,
} from "./w2v_model";
import { trainOutput } from "./w2v_output";

/** As skipgramBatch, for CBOW. Returns the number of words kept by subsampling. */
export function cbowBatch(m: usize, t: usize, tokens: usize, n: i32, alpha: f32): i32 {
  rngLoad(t);
  const syn0 = load<usize>(m + M_SYN0);
  const rowBytes = (<usize>load<i32>(m + M_STRIDE)) << 2;
  const window = load<i32>(m + M_WINDOW);
  const mean = load<i32>(m + M_CBOW_MEAN) !== 0;
  const sent = load<usize>(t + T_SENT);
  const neu1 = load<usize>(t + T_NEU1);
  const neu1e = load<usize>(t + T_NEU1E);
  const ctx = load<usize>(t + T_CTX);
  let kept: i32 = 0;
  let i: i32 = 0;
  while (i < n) {
    const r = readSentence(m, t, tokens, i, n);
    i = <i32>(r >>> 32);
    const len = <i32>(r & 0xffffffff);
    kept += len;
    for (let pos = 0; pos < len; pos++) {
      const word = load<i32>(sent + ((<usize>pos) << 2));
      const b = <i32>nextBelow(<u32>window);
      const lo = max(pos - window + b, 0);
      const hi = min(pos + window - b, len - 1);
      if (hi - lo < 1) continue; // no context word
      // context rows first, then one sweep per pass with the running sum kept in a register
      let nc = 0;
      for (let c = lo; c <= hi; c++) {
        if (c === pos) continue;
        store<usize>(ctx + ((<usize>nc) << 2), syn0 + <usize>load<i32>(sent + ((<usize>c) << 2)) * rowBytes);
        nc++;
      }
      const inv = f32x4.splat(<f32>1 / <f32>nc);
      for (let j: usize = 0; j < rowBytes; j += 16) {
        let acc = f32x4.splat(0);
        for (let q = 0; q < nc; q++)
          acc = f32x4.add(acc, v128.load(load<usize>(ctx + ((<usize>q) << 2)) + j));
        v128.store(neu1 + j, mean ? f32x4.mul(acc, inv) : acc);
        v128.store(neu1e + j, f32x4.splat(0));
      }
      trainOutput(m, t, neu1, neu1e, word, alpha, rowBytes);
      for (let j: usize = 0; j < rowBytes; j += 16) {
        let e = v128.load(neu1e + j);
        if (!mean) e = f32x4.mul(e, inv);
        for (let q = 0; q < nc; q++) {
          const row = load<usize>(ctx + ((<usize>q) << 2)) + j;
          v128.store(row, f32x4.add(v128.load(row), e));
        }
      }
    }
  }
  rngStore(t);
  return kept;
}
