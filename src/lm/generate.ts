import { checkInt, checkNumber, EmbedlmError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import type { LanguageModel } from "./model.js";

/** Options of `generate` (Hugging Face `generate` names, applied in its order: temperature, top-k, top-p). */
export interface GenerateOptions {
  /** Words to produce at most; generation also stops at `</s>` and at `stop` words. Default 20. */
  maxTokens?: number;
  /**
   * Sharpens (< 1) or flattens (> 1) the distribution: P^(1/T), renormalised. 0 is greedy: the most
   * probable word every time. Default 1.
   */
  temperature?: number;
  /** Sample only among the k most probable words (0: all). Default 0. */
  topK?: number;
  /**
   * Nucleus sampling (Holtzman et al. 2020): sample only among the most probable words whose
   * probabilities first reach p together (1: all). Default 1.
   */
  topP?: number;
  /** Ids that end the text when produced (not included in it), besides `</s>`. */
  stop?: readonly number[];
  /** Seed of the sampler: the same seed, model and prompt give the same text. Default 1. */
  seed?: number;
  /** Never produce `<unk>`. Default true. */
  suppressUnk?: boolean;
}

/** Samples a continuation of `context` (ids, usually starting with `<s>`); returns the new ids. */
export function generate(
  model: LanguageModel,
  context: ArrayLike<number>,
  opts: GenerateOptions = {},
): number[] {
  const maxTokens = checkInt("maxTokens", opts.maxTokens ?? 20, 0);
  const temperature = checkNumber("temperature", opts.temperature ?? 1, 0);
  const truncation = checkTruncation(opts);
  const stop = new Set(opts.stop ?? []);
  stop.add(model.eos);
  const rng = new Rng(opts.seed ?? 1);
  const suppressUnk = opts.suppressUnk ?? true;
  const ids = Array.from(context);
  const out: number[] = [];
  const dist = new Float64Array(model.vocab.size);
  while (out.length < maxTokens) {
    model.distribution(ids.slice(-Math.min(ids.length, model.contextSize)), dist);
    if (suppressUnk) dist[model.unk] = 0;
    let next: number;
    if (temperature === 0) next = argmax(dist);
    else {
      applyTemperature(dist, temperature);
      truncate(dist, truncation);
      next = sample(dist, rng);
    }
    if (stop.has(next)) break;
    out.push(next);
    ids.push(next);
  }
  return out;
}

/** Which words sampling may pick from: the k most probable, then the nucleus of mass p. */
export interface Truncation {
  /** 0: no limit. */
  topK?: number;
  /** 1: no limit. */
  topP?: number;
}

function checkTruncation(o: Truncation): Required<Truncation> {
  const topK = checkInt("topK", o.topK ?? 0, 0);
  const topP = checkNumber("topP", o.topP ?? 1, 0);
  if (!(topP > 0 && topP <= 1))
    throw new EmbedlmError(`topP must be in (0, 1], got ${topP}`, { field: "topP" });
  return { topK, topP };
}

/**
 * Zeroes every entry of `p` (non-negative weights, not necessarily normalised) outside the top-k and
 * then outside the nucleus: the fewest most probable words whose share of the remaining mass reaches
 * `topP`. Ties at the cut are broken by lower id, so the kept set never exceeds k words. Returns `p`.
 */
export function truncateDistribution(p: Float64Array, truncation: Truncation): Float64Array {
  return truncate(p, checkTruncation(truncation));
}

/** truncateDistribution with options already checked (generate checks them once, not per word). */
function truncate(p: Float64Array, { topK, topP }: Required<Truncation>): Float64Array {
  const k = topK === 0 ? p.length : Math.min(topK, p.length);
  if (k >= p.length && topP >= 1) return p;
  const order = Array.from(p.keys())
    .filter((i) => p[i] > 0)
    .sort((a, b) => p[b] - p[a] || a - b);
  let total = 0;
  for (let r = 0; r < Math.min(k, order.length); r++) total += p[order[r]];
  let kept = 0;
  let mass = 0;
  while (kept < Math.min(k, order.length) && (kept === 0 || mass < topP * total)) mass += p[order[kept++]];
  for (let r = kept; r < order.length; r++) p[order[r]] = 0;
  return p;
}

function applyTemperature(p: Float64Array, temperature: number): void {
  if (temperature === 1) return;
  // Relative to the largest, so small temperatures do not underflow every entry to 0.
  const top = p[argmax(p)];
  for (let i = 0; i < p.length; i++) p[i] = p[i] > 0 ? (p[i] / top) ** (1 / temperature) : 0;
}

function argmax(p: Float64Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

function sample(p: Float64Array, rng: Rng): number {
  let total = 0;
  for (let i = 0; i < p.length; i++) total += p[i];
  let r = rng.next() * total;
  for (let i = 0; i < p.length; i++) {
    r -= p[i];
    if (r < 0) return i;
  }
  return argmax(p);
}
