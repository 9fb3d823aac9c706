import { EmbedlmError } from "../util/errors.js";
import type { Buf } from "./tensor.js";

/**
 * The targets that count (not `ignore`), after checking every one is a word and the logits hold a
 * row per target: the loss reads rows by the targets' count, so fewer logits would be read past.
 */
export function countTargets(
  logits: Buf,
  targets: Int32Array,
  vocab: number,
  dlogits: Buf,
  ignore: number,
): number {
  const n = targets.length;
  if (logits.length < n * vocab || dlogits.length < n * vocab)
    throw new EmbedlmError(
      `${n} targets need ${n} rows of ${vocab} logits, got ${Math.min(logits.length, dlogits.length) / vocab}`,
      { field: "logits" },
    );
  let counted = 0;
  for (let i = 0; i < n; i++) {
    const t = targets[i];
    if (t === ignore) continue;
    if (t < 0 || t >= vocab)
      throw new EmbedlmError(`target ${t} out of range [0, ${vocab})`, { field: "targets" });
    counted++;
  }
  return counted;
}

/**
 * Softmax cross-entropy with integer targets, forward and backward in one pass (no one-hot matrix):
 * logits [N, V], targets [N] -> mean loss over the counted rows; writes
 * dlogits [N, V] = scale * (softmax(logits) - onehot(target)) / counted, zero for ignored rows.
 * `scale` multiplies the gradient (e.g. the number of time steps, for Zaremba's summed-over-time loss).
 * dlogits may be the logits buffer itself.
 */
export function softmaxCrossEntropy(
  logits: Buf,
  targets: Int32Array,
  vocab: number,
  dlogits: Buf,
  opts: { ignoreIndex?: number; scale?: number } = {},
): number {
  const n = targets.length;
  const ignore = opts.ignoreIndex ?? -100;
  const counted = countTargets(logits, targets, vocab, dlogits, ignore);
  const g = (opts.scale ?? 1) / Math.max(counted, 1);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const o = i * vocab;
    const t = targets[i];
    if (t === ignore) {
      dlogits.fill(0, o, o + vocab);
      continue;
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < vocab; j++) if (logits[o + j] > max) max = logits[o + j];
    let sum = 0;
    for (let j = 0; j < vocab; j++) sum += Math.exp(logits[o + j] - max);
    const logZ = max + Math.log(sum);
    loss += logZ - logits[o + t];
    for (let j = 0; j < vocab; j++) dlogits[o + j] = Math.exp(logits[o + j] - logZ) * g;
    dlogits[o + t] -= g;
  }
  return loss / Math.max(counted, 1);
}
