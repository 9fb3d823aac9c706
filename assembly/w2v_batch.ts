// Reading one sentence of a token batch with word2vec's subsampling, shared by skip-gram and CBOW.

import { M_KEEP, nextFloat, T_SENT } from "./w2v_model";

/**
 * Copies the words of the sentence starting at tokens[i] (ended by -1 or the batch end) that
 * survive subsampling into the thread's sentence buffer. Returns the index after the sentence in
 * the high 32 bits and the number of kept words in the low 32 bits.
 */
export function readSentence(m: usize, t: usize, tokens: usize, i: i32, n: i32): u64 {
  const keep = load<usize>(m + M_KEEP);
  const sent = load<usize>(t + T_SENT);
  let len: i32 = 0;
  while (i < n) {
    const w = load<i32>(tokens + ((<usize>i) << 2));
    i++;
    if (w < 0) break;
    if (keep !== 0) {
      const p = load<f32>(keep + ((<usize>w) << 2));
      // word2vec.c: discard when the keep probability is below a uniform draw (no draw when p >= 1)
      if (p < 1 && p < nextFloat()) continue;
    }
    store<i32>(sent + ((<usize>len) << 2), w);
    len++;
  }
  return ((<u64>i) << 32) | <u64>len;
}
