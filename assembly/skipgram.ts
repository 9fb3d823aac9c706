// Skip-gram training over a batch of token ids: every kept word predicts each word of its randomly
// shrunk window, with the context word's input vector as the hidden vector (word2vec.c, gensim).

import { readSentence } from "./w2v_batch";
import { M_STRIDE, M_SYN0, M_WINDOW, nextBelow, rngLoad, rngStore, T_SENT } from "./w2v_model";
import { trainOutput } from "./w2v_output";

/**
 * Trains on tokens[0..n) (word ids, -1 ends a sentence) at learning rate `alpha`, with the model
 * struct at m and the calling thread's struct at t. Returns the number of words kept by subsampling.
 */
export function skipgramBatch(m: usize, t: usize, tokens: usize, n: i32, alpha: f32): i32 {
  rngLoad(t);
  const syn0 = load<usize>(m + M_SYN0);
  const rowBytes = (<usize>load<i32>(m + M_STRIDE)) << 2;
  const window = load<i32>(m + M_WINDOW);
  const sent = load<usize>(t + T_SENT);
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
      for (let c = lo; c <= hi; c++) {
        if (c === pos) continue;
        const h = syn0 + <usize>load<i32>(sent + ((<usize>c) << 2)) * rowBytes;
        trainOutput(m, t, h, h, word, alpha, rowBytes);
      }
    }
  }
  rngStore(t);
  return kept;
}
