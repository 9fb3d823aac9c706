import { EmbedlmError } from "../util/errors.js";
import type { Rng } from "../util/rng.js";

/**
 * Draws index i with probability weights[i] / sum(weights) in O(1) per draw (Walker's alias method,
 * Vose's construction): pick a column uniformly, keep it with probability prob[col], else take alias[col].
 * The tables are plain typed arrays so kernels can copy them into WebAssembly memory.
 */
export class AliasSampler {
  readonly prob: Float32Array;
  readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new EmbedlmError("cannot sample from an empty distribution", { field: "weights" });
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new EmbedlmError(`weight ${i} is ${w}; expected a finite number >= 0`, { field: "weights" });
      }
      sum += w;
    }
    if (!(sum > 0)) throw new EmbedlmError("all weights are zero", { field: "weights" });
    const scaled = new Float64Array(n);
    for (let i = 0; i < n; i++) scaled[i] = (weights[i] * n) / sum;
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = n - 1; i >= 0; i--) {
      if (scaled[i] < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    this.prob = new Float32Array(n);
    this.alias = new Int32Array(n);
    while (ns > 0 && nl > 0) {
      const s = small[--ns];
      const l = large[--nl];
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) small[ns++] = l;
      else large[nl++] = l;
    }
    // What is left is 1 up to rounding error.
    while (nl > 0) {
      const l = large[--nl];
      this.prob[l] = 1;
      this.alias[l] = l;
    }
    while (ns > 0) {
      const s = small[--ns];
      this.prob[s] = 1;
      this.alias[s] = s;
    }
  }

  get size(): number {
    return this.prob.length;
  }

  sample(rng: Rng): number {
    const col = rng.int(this.prob.length);
    return rng.next() < this.prob[col] ? col : this.alias[col];
  }
}

/** The negative-sampling noise weights of word2vec: count^exponent (unigram^0.75). */
export function noiseWeights(counts: ArrayLike<number>, exponent = 0.75): Float64Array {
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) out[i] = counts[i] > 0 ? counts[i] ** exponent : 0;
  return out;
}
