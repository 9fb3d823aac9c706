// The output layer shared by skip-gram and CBOW: one example (hidden vector h, predicted word)
// against its hierarchical-softmax path and/or its positive and negative samples, fused as
// dot products with every output row first, then a single pass over the dimensions that updates
// each output row and accumulates the hidden-vector error. This order keeps h in registers and
// touches each row once per pass; it is what makes the kernel fast (see docs/kernels.md).

import { dotRow, madd } from "./simd";
import {
  M_ALIAS_IDX,
  M_ALIAS_PROB,
  M_CODES,
  M_HS,
  M_LENGTHS,
  M_LOGSIG,
  M_NEGATIVE,
  M_OFFSETS,
  M_POINTS,
  M_SIGMOID,
  M_SYN1,
  M_SYN1NEG,
  M_VOCAB,
  MAX_EXP,
  nextBelow,
  nextFloat,
  T_GRAD,
  T_LOSS,
  T_PREDICTIONS,
  T_ROWS,
  tableIndex,
} from "./w2v_model";

/**
 * Trains one example: h (stride floats) predicts `word`. The error for h is added to `err`
 * (err == h for skip-gram, which updates its input row in place; a separate buffer for CBOW).
 * Adds the example's loss and number of scored outputs to the thread's tallies.
 */
export function trainOutput(
  m: usize,
  t: usize,
  h: usize,
  err: usize,
  word: i32,
  alpha: f32,
  rowBytes: usize,
): void {
  const rows = load<usize>(t + T_ROWS);
  const grad = load<usize>(t + T_GRAD);
  let n: i32 = 0;
  let nHs: i32 = 0;
  if (load<i32>(m + M_HS) !== 0) {
    const syn1 = load<usize>(m + M_SYN1);
    const codes = load<usize>(m + M_CODES);
    const points = load<usize>(m + M_POINTS);
    const off = load<i32>(load<usize>(m + M_OFFSETS) + ((<usize>word) << 2));
    const len = load<i32>(load<usize>(m + M_LENGTHS) + ((<usize>word) << 2));
    for (let d = 0; d < len; d++) {
      const node = load<i32>(points + ((<usize>(off + d)) << 2));
      store<usize>(rows + ((<usize>n) << 2), syn1 + <usize>node * rowBytes);
      store<f32>(grad + ((<usize>n) << 2), load<u8>(codes + <usize>(off + d)) !== 0 ? <f32>0 : <f32>1);
      n++;
    }
    nHs = n;
  }
  const negative = load<i32>(m + M_NEGATIVE);
  if (negative > 0) {
    const syn1neg = load<usize>(m + M_SYN1NEG);
    const aliasProb = load<usize>(m + M_ALIAS_PROB);
    const aliasIdx = load<usize>(m + M_ALIAS_IDX);
    const vocab = <u32>load<i32>(m + M_VOCAB);
    store<usize>(rows + ((<usize>n) << 2), syn1neg + <usize>word * rowBytes);
    store<f32>(grad + ((<usize>n) << 2), 1);
    n++;
    for (let k = 0; k < negative; k++) {
      const bucket = nextBelow(vocab);
      const coin = nextFloat();
      const target =
        coin < load<f32>(aliasProb + ((<usize>bucket) << 2))
          ? <i32>bucket
          : load<i32>(aliasIdx + ((<usize>bucket) << 2));
      if (target === word) continue; // as word2vec.c and gensim: skipped, not redrawn
      store<usize>(rows + ((<usize>n) << 2), syn1neg + <usize>target * rowBytes);
      store<f32>(grad + ((<usize>n) << 2), 0);
      n++;
    }
  }

  // Pass 1: scores, gradients and loss.
  const sigmoid = load<usize>(m + M_SIGMOID);
  const logsig = load<usize>(m + M_LOGSIG);
  let loss: f64 = 0;
  for (let k = 0; k < n; k++) {
    const f = dotRow(h, load<usize>(rows + ((<usize>k) << 2)), rowBytes);
    const gp = grad + ((<usize>k) << 2);
    const label = load<f32>(gp);
    let g: f32;
    if (k < nHs) {
      // word2vec.c skips hierarchical-softmax nodes whose score is outside the table
      g = f <= -MAX_EXP || f >= MAX_EXP ? 0 : (label - load<f32>(sigmoid + (tableIndex(f) << 2))) * alpha;
    } else if (f > MAX_EXP) g = (label - 1) * alpha;
    else if (f < -MAX_EXP) g = label * alpha;
    else g = (label - load<f32>(sigmoid + (tableIndex(f) << 2))) * alpha;
    store<f32>(gp, g);
    loss -= <f64>load<f32>(logsig + (tableIndex(label > 0 ? f : -f) << 2));
  }

  // Pass 2: row += g * h and err += g * row (old row), one sweep over the dimensions.
  for (let j: usize = 0; j < rowBytes; j += 16) {
    const hv = v128.load(h + j);
    let e = f32x4.splat(0);
    for (let k = 0; k < n; k++) {
      const r = load<usize>(rows + ((<usize>k) << 2)) + j;
      const g = f32x4.splat(load<f32>(grad + ((<usize>k) << 2)));
      const rv = v128.load(r);
      e = madd(g, rv, e);
      v128.store(r, madd(g, hv, rv));
    }
    v128.store(err + j, f32x4.add(v128.load(err + j), e));
  }
  store<f64>(t + T_LOSS, load<f64>(t + T_LOSS) + loss);
  store<f64>(t + T_PREDICTIONS, load<f64>(t + T_PREDICTIONS) + <f64>n);
}
