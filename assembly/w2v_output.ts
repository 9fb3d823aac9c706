// The output layer shared by skip-gram and CBOW: one example (hidden vector h, predicted word)
// against its hierarchical-softmax path and/or its positive and negative samples, fused as
// dot products with every output row first, then a single pass over the dimensions that updates
// each output row and accumulates the hidden-vector error. This order keeps h in registers and
// touches each row once per pass; it is what makes the kernel fast (see docs/kernels.md).

import { dotRow, hsum, madd } from "./simd";
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
  MAX_TARGETS,
  nextBelow,
  nextFloat,
  T_GRAD,
  T_LOSS,
  T_NEU1E,
  T_PREDICTIONS,
  T_ROWS,
  tableIndex,
} from "./w2v_model";

/**
 * Trains one example: h (stride floats) predicts `word`. With err == h (skip-gram) the error is
 * added to h in place; otherwise (CBOW) it is written to err.
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
      store<f32>(grad + ((<usize>n) << 2), 1, 8 * MAX_TARGETS);
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
    store<f32>(grad + ((<usize>n) << 2), 1, 8 * MAX_TARGETS);
    n++;
    for (let k = 0; k < negative; k++) {
      const bucket = nextBelow(vocab);
      const coin = nextFloat();
      const target =
        coin < load<f32>(aliasProb + ((<usize>bucket) << 2))
          ? <i32>bucket
          : load<i32>(aliasIdx + ((<usize>bucket) << 2));
      if (target === word) continue; // as word2vec.c and gensim: skipped, not redrawn
      const row = syn1neg + <usize>target * rowBytes;
      // A row drawn twice gets one doubled gradient: the sweeps below load every row of a block
      // before storing any, so a row must appear once.
      let q = nHs + 1;
      while (q < n && load<usize>(rows + ((<usize>q) << 2)) !== row) q++;
      if (q < n) {
        store<f32>(
          grad + ((<usize>q) << 2),
          load<f32>(grad + ((<usize>q) << 2), 8 * MAX_TARGETS) + 1,
          8 * MAX_TARGETS,
        );
        continue;
      }
      store<usize>(rows + ((<usize>n) << 2), row);
      store<f32>(grad + ((<usize>n) << 2), 0);
      store<f32>(grad + ((<usize>n) << 2), 1, 8 * MAX_TARGETS);
      n++;
    }
  }

  // Pass 1: scores (three rows per sweep over h: h is loaded once for three dot products, and
  // negative = 5 gives exactly two sweeps), then gradients and loss.
  const sigmoid = load<usize>(m + M_SIGMOID);
  const logsig = load<usize>(m + M_LOGSIG);
  let k = 0;
  for (; k + 3 <= n; k += 3) {
    const r0 = load<usize>(rows + ((<usize>k) << 2));
    const r1 = load<usize>(rows + ((<usize>k) << 2), 4);
    const r2 = load<usize>(rows + ((<usize>k) << 2), 8);
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    for (let j: usize = 0; j < rowBytes; j += 16) {
      const hv = v128.load(h + j);
      a0 = madd(hv, v128.load(r0 + j), a0);
      a1 = madd(hv, v128.load(r1 + j), a1);
      a2 = madd(hv, v128.load(r2 + j), a2);
    }
    store<f32>(grad + ((<usize>k) << 2), hsum(a0), 4 * MAX_TARGETS);
    store<f32>(grad + ((<usize>k) << 2), hsum(a1), 4 * MAX_TARGETS + 4);
    store<f32>(grad + ((<usize>k) << 2), hsum(a2), 4 * MAX_TARGETS + 8);
  }
  for (; k < n; k++) {
    store<f32>(
      grad + ((<usize>k) << 2),
      dotRow(h, load<usize>(rows + ((<usize>k) << 2)), rowBytes),
      4 * MAX_TARGETS,
    );
  }
  let loss: f64 = 0;
  let scored: f32 = 0;
  for (k = 0; k < n; k++) {
    const gp = grad + ((<usize>k) << 2);
    const f = load<f32>(gp, 4 * MAX_TARGETS);
    const label = load<f32>(gp);
    const weight = load<f32>(gp, 8 * MAX_TARGETS);
    scored += weight;
    let g: f32;
    if (k < nHs) {
      // word2vec.c skips hierarchical-softmax nodes whose score is outside the table
      g = f <= -MAX_EXP || f >= MAX_EXP ? 0 : (label - load<f32>(sigmoid + (tableIndex(f) << 2))) * alpha;
    } else if (f > MAX_EXP) g = (label - 1) * alpha;
    else if (f < -MAX_EXP) g = label * alpha;
    else g = (label - load<f32>(sigmoid + (tableIndex(f) << 2))) * alpha;
    store<f32>(gp, g * weight);
    loss -= <f64>(weight * load<f32>(logsig + (tableIndex(label > 0 ? f : -f) << 2)));
  }

  // Pass 2: row += g * h and e += g * row (each row before its own update), three rows per sweep.
  // Partial sums of e go to the thread's error buffer between sweeps; the last sweep finishes e and
  // writes it out: h += e for skip-gram (err == h: h must stay unchanged until every row has been
  // updated, and only the last sweep changes it), err = e otherwise.
  const e = load<usize>(t + T_NEU1E);
  const inPlace = err === h;
  for (k = 0; k < n; k += 3) {
    const m3 = n - k >= 3;
    const r0 = load<usize>(rows + ((<usize>k) << 2));
    const r1 = m3 ? load<usize>(rows + ((<usize>k) << 2), 4) : r0;
    const r2 = m3 ? load<usize>(rows + ((<usize>k) << 2), 8) : r0;
    const g0 = f32x4.splat(load<f32>(grad + ((<usize>k) << 2)));
    if (m3) sweep3(h, e, err, r0, r1, r2, g0, k, n, inPlace, grad, rowBytes);
    else {
      sweep1(h, e, err, r0, g0, k === 0, k + 1 === n, inPlace, rowBytes);
      if (k + 1 < n) {
        const g1 = f32x4.splat(load<f32>(grad + ((<usize>(k + 1)) << 2)));
        sweep1(h, e, err, load<usize>(rows + ((<usize>(k + 1)) << 2)), g1, false, true, inPlace, rowBytes);
      }
    }
  }
  store<f64>(t + T_LOSS, load<f64>(t + T_LOSS) + loss);
  store<f64>(t + T_PREDICTIONS, load<f64>(t + T_PREDICTIONS) + <f64>scored);
}

/** One sweep over three output rows (see pass 2); k is the block's first row, n the row count. */
function sweep3(
  h: usize,
  e: usize,
  err: usize,
  r0: usize,
  r1: usize,
  r2: usize,
  g0: v128,
  k: i32,
  n: i32,
  inPlace: bool,
  grad: usize,
  rowBytes: usize,
): void {
  const g1 = f32x4.splat(load<f32>(grad + ((<usize>k) << 2), 4));
  const g2 = f32x4.splat(load<f32>(grad + ((<usize>k) << 2), 8));
  const first = k === 0;
  const last = k + 3 === n;
  for (let j: usize = 0; j < rowBytes; j += 16) {
    const hv = v128.load(h + j);
    const v0 = v128.load(r0 + j);
    const v1 = v128.load(r1 + j);
    const v2 = v128.load(r2 + j);
    const ev = madd(g2, v2, madd(g1, v1, madd(g0, v0, first ? f32x4.splat(0) : v128.load(e + j))));
    v128.store(r0 + j, madd(g0, hv, v0));
    v128.store(r1 + j, madd(g1, hv, v1));
    v128.store(r2 + j, madd(g2, hv, v2));
    if (!last) v128.store(e + j, ev);
    else if (inPlace) v128.store(h + j, f32x4.add(hv, ev));
    else v128.store(err + j, ev);
  }
}

/** One sweep over one output row (see pass 2). */
function sweep1(
  h: usize,
  e: usize,
  err: usize,
  r0: usize,
  g0: v128,
  first: bool,
  last: bool,
  inPlace: bool,
  rowBytes: usize,
): void {
  for (let j: usize = 0; j < rowBytes; j += 16) {
    const hv = v128.load(h + j);
    const v0 = v128.load(r0 + j);
    const ev = madd(g0, v0, first ? f32x4.splat(0) : v128.load(e + j));
    v128.store(r0 + j, madd(g0, hv, v0));
    if (!last) v128.store(e + j, ev);
    else if (inPlace) v128.store(h + j, f32x4.add(hv, ev));
    else v128.store(err + j, ev);
  }
}
