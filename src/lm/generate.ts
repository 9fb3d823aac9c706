import { checkInt, checkNumber } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import type { LanguageModel } from "./model.js";

/** Options of `generate` (Hugging Face `generate` names). */
export interface GenerateOptions {
  /** Words to produce at most; generation also stops at `</s>`. Default 20. */
  maxTokens?: number;
  /**
   * Sharpens (< 1) or flattens (> 1) the distribution: P^(1/T), renormalised. 0 picks the most
   * probable word every time. Default 1.
   */
  temperature?: number;
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
  const rng = new Rng(opts.seed ?? 1);
  const suppressUnk = opts.suppressUnk ?? true;
  const ids = Array.from(context);
  const out: number[] = [];
  const dist = new Float64Array(model.vocab.size);
  while (out.length < maxTokens) {
    model.distribution(ids.slice(-Math.min(ids.length, model.contextSize)), dist);
    if (suppressUnk) dist[model.unk] = 0;
    const next = temperature === 0 ? argmax(dist) : sample(dist, temperature, rng);
    if (next === model.eos) break;
    out.push(next);
    ids.push(next);
  }
  return out;
}

function argmax(p: Float64Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

function sample(p: Float64Array, temperature: number, rng: Rng): number {
  if (temperature !== 1) {
    // Relative to the largest, so small temperatures do not underflow every entry to 0.
    const top = p[argmax(p)];
    for (let i = 0; i < p.length; i++) p[i] = p[i] > 0 ? (p[i] / top) ** (1 / temperature) : 0;
  }
  let total = 0;
  for (let i = 0; i < p.length; i++) total += p[i];
  let r = rng.next() * total;
  for (let i = 0; i < p.length; i++) {
    r -= p[i];
    if (r < 0) return i;
  }
  return argmax(p);
}
