import { checkNumber, EmbedlmError } from "../../util/errors.js";
import type { NgramCounts } from "./counter.js";

/**
 * One order's estimate, in the form every method here shares:
 *   P(w | h) = alpha(h w) + gamma(h) * P(w | h')            (interpolated methods)
 *   P(w | h) = alpha(h w) if alpha > 0 else gamma(h) * P(w | h')   (backoff methods)
 * where h' is h without its first word and the order-0 distribution is uniform over the words
 * (every word but `<s>`). gamma becomes the ARPA backoff weight of h.
 */
export interface OrderEstimate {
  /** alpha of each order-k n-gram (trie node order). */
  alpha: Float64Array;
  /** gamma of each order-(k-1) context node (a single entry, the empty context, for k = 1). */
  gamma: Float64Array;
}

/** A smoothing method: a small object that turns counts into per-order estimates. */
export interface Smoothing {
  /** Short name: "kn", "wb", "addk", "stupid". */
  readonly name: string;
  /** Interpolated (alpha + gamma * lower) rather than backoff (alpha, or gamma * lower when 0). */
  readonly interpolated: boolean;
  /** Whether the model's scores are probabilities (stupid backoff's are not). */
  readonly normalized: boolean;
  /**
   * Estimates order k (1..order) into `out` (alpha zeroed, gamma filled with 1, by the caller, who
   * reuses the buffers across orders); `predictable` is the number of words that can be predicted.
   */
  estimate(counts: NgramCounts, k: number, predictable: number, out: OrderEstimate): void;
  /** What the method learned, for reports (e.g. the KN discounts). */
  describe(): Record<string, unknown>;
}

/**
 * Walks the contexts of order k: calls `visit(context, first, end)` for each context node with the
 * range of its children in order k (for k = 1 the single empty context over every word).
 */
function forEachContext(
  counts: NgramCounts,
  k: number,
  visit: (context: number, first: number, end: number) => void,
): void {
  if (k === 1) {
    visit(0, 0, counts.trie.vocabSize);
    return;
  }
  const starts = counts.trie.childStart[k - 1];
  const n = starts.length - 1;
  for (let c = 0; c < n; c++) if (starts[c + 1] > starts[c]) visit(c, starts[c], starts[c + 1]);
}

/** Raw counts of order k, with `<s>` (never predicted) zeroed among unigrams. */
function rawCounts(counts: NgramCounts, k: number): Int32Array {
  if (k > 1) return counts.counts[k];
  const c = Int32Array.from(counts.counts[1]);
  c[counts.bos] = 0;
  return c;
}

/**
 * Interpolated modified Kneser-Ney (Chen & Goodman 1998; SRILM `-kndiscount -interpolate`, KenLM
 * lmplz): the highest order uses raw counts, lower orders the number of distinct words seen before
 * the n-gram (n-grams starting with `<s>` keep raw counts); three discounts D1, D2, D3+ per order from
 * that order's count-of-counts n1..n4: Y = n1/(n1+2 n2), Di = i - (i+1) Y n(i+1)/n(i).
 */
export class KneserNey implements Smoothing {
  readonly name = "kn";
  readonly interpolated = true;
  readonly normalized = true;
  /** discounts[k] = [D1, D2, D3+] of order k. */
  readonly discounts: number[][] = [];
  /** Orders whose count-of-counts could not give valid discounts and took the fallback. */
  readonly fallbackOrders: number[] = [];

  /**
   * @param fallback discounts used for an order whose count-of-counts give invalid ones (tiny corpora),
   *   KenLM's `--discount_fallback` default.
   */
  constructor(readonly fallback: readonly number[] = [0.5, 1, 1.5]) {}

  /** The counts KN smooths order k with (raw for the highest order and `<s>`-initial n-grams). */
  adjustedCounts(counts: NgramCounts, k: number): Int32Array {
    const raw = rawCounts(counts, k);
    if (k === counts.trie.order) return raw;
    const adjusted = new Int32Array(raw.length);
    const suffix = counts.suffix[k + 1];
    for (let e = 0; e < suffix.length; e++) adjusted[suffix[e]]++;
    const first = counts.bosInitial[k];
    for (let i = 0; i < adjusted.length; i++) if (first[i]) adjusted[i] = raw[i];
    return adjusted;
  }

  estimate(counts: NgramCounts, k: number, _predictable: number, out: OrderEstimate): void {
    const c = this.adjustedCounts(counts, k);
    const coc = [0, 0, 0, 0, 0];
    for (let i = 0; i < c.length; i++) if (c[i] >= 1 && c[i] <= 4) coc[c[i]]++;
    const [, n1, n2, n3, n4] = coc;
    const y = n1 / (n1 + 2 * n2);
    let d = [0, 1 - (2 * y * n2) / n1, 2 - (3 * y * n3) / n2, 3 - (4 * y * n4) / n3];
    if (!d.slice(1).every((x, i) => Number.isFinite(x) && x > 0 && x <= i + 1)) {
      d = [0, ...this.fallback];
      this.fallbackOrders.push(k);
    }
    this.discounts[k] = d.slice(1);
    const { alpha, gamma } = out;
    forEachContext(counts, k, (ctx, first, end) => {
      let total = 0;
      let mass = 0;
      for (let e = first; e < end; e++) {
        const x = c[e];
        total += x;
        if (x > 0) mass += d[Math.min(x, 3)];
      }
      if (total === 0) return;
      for (let e = first; e < end; e++) {
        const x = c[e];
        alpha[e] = x > 0 ? Math.max(x - d[Math.min(x, 3)], 0) / total : 0;
      }
      gamma[ctx] = mass / total;
    });
  }

  describe(): Record<string, unknown> {
    return { discounts: this.discounts.slice(1), fallbackOrders: this.fallbackOrders };
  }
}

/**
 * Interpolated Witten-Bell (SRILM `-wbdiscount -interpolate`): with T(h) the number of distinct words
 * seen after h, P(w|h) = (c(h w) + T(h) P(w|h')) / (c(h) + T(h)).
 */
export class WittenBell implements Smoothing {
  readonly name = "wb";
  readonly interpolated = true;
  readonly normalized = true;

  estimate(counts: NgramCounts, k: number, _predictable: number, out: OrderEstimate): void {
    const c = rawCounts(counts, k);
    const { alpha, gamma } = out;
    forEachContext(counts, k, (ctx, first, end) => {
      let total = 0;
      let types = 0;
      for (let e = first; e < end; e++) {
        total += c[e];
        if (c[e] > 0) types++;
      }
      if (total === 0) return;
      for (let e = first; e < end; e++) alpha[e] = c[e] / (total + types);
      gamma[ctx] = types / (total + types);
    });
  }

  describe(): Record<string, unknown> {
    return {};
  }
}

/**
 * Add-k (Lidstone; k = 1 is Laplace): P(w|h) = (c(h w) + k V P(w|h')) / (c(h) + k V) with V the number
 * of predictable words. The unigram level is exactly (c(w) + k) / (N + k V); higher orders spread the
 * added mass by the lower order instead of uniformly, so the model stays an interpolated one with an
 * exact ARPA form.
 */
export class AddK implements Smoothing {
  readonly name = "addk";
  readonly interpolated = true;
  readonly normalized = true;

  constructor(readonly k = 1) {
    checkNumber("k", k, Number.MIN_VALUE);
  }

  estimate(counts: NgramCounts, order: number, predictable: number, out: OrderEstimate): void {
    const c = rawCounts(counts, order);
    const { alpha, gamma } = out;
    const added = this.k * predictable;
    forEachContext(counts, order, (ctx, first, end) => {
      let total = 0;
      for (let e = first; e < end; e++) total += c[e];
      if (total === 0) return;
      for (let e = first; e < end; e++) alpha[e] = c[e] / (total + added);
      gamma[ctx] = added / (total + added);
    });
  }

  describe(): Record<string, unknown> {
    return { k: this.k };
  }
}

/**
 * Stupid backoff (Brants et al. 2007): S(w|h) = c(h w)/c(h) when seen, else alpha S(w|h'); unigrams
 * c(w)/N, unseen words alpha/V. Scores do not sum to 1; the model normalises them per context when
 * asked for probabilities.
 */
export class StupidBackoff implements Smoothing {
  readonly name = "stupid";
  readonly interpolated = false;
  readonly normalized = false;

  constructor(readonly alpha = 0.4) {
    checkNumber("alpha", alpha, Number.MIN_VALUE, 1);
  }

  estimate(counts: NgramCounts, k: number, _predictable: number, out: OrderEstimate): void {
    const c = rawCounts(counts, k);
    const { alpha, gamma } = out;
    forEachContext(counts, k, (ctx, first, end) => {
      let total = 0;
      for (let e = first; e < end; e++) total += c[e];
      if (total === 0) return;
      for (let e = first; e < end; e++) alpha[e] = c[e] / total;
      gamma[ctx] = this.alpha;
    });
  }

  describe(): Record<string, unknown> {
    return { alpha: this.alpha };
  }
}

export type SmoothingName = "kn" | "wb" | "addk" | "stupid";

/** The smoothing object for a CLI/options name; `k` is add-k's k or stupid backoff's alpha. */
export function smoothingByName(name: string, k?: number): Smoothing {
  switch (name) {
    case "kn":
      return new KneserNey();
    case "wb":
      return new WittenBell();
    case "addk":
      return new AddK(k ?? 1);
    case "stupid":
      return new StupidBackoff(k ?? 0.4);
    default:
      throw new EmbedlmError(`unknown smoothing '${name}' (expected kn, wb, addk or stupid)`, {
        field: "smoothing",
      });
  }
}
