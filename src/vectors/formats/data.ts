import { EmbedlmError } from "../../util/errors.js";
import { WordIndex } from "../word-index.js";

/** What every format reads and writes: words in row order, optional counts, one row-major matrix. */
export interface VectorData {
  /** Word of each row. */
  words: string[];
  /** Vector length. */
  dim: number;
  /** [words.length x dim] row-major. */
  vectors: Float32Array;
  /** Corpus frequency of each word, where the format or the trainer knows it. */
  counts?: Float64Array;
  /** word -> row over `words`, when the reader already built it (saves building it again). */
  wordIndex?: WordIndex;
}

/** Precision the values pass through while loading (gensim's `datatype`): the store stays float32. */
export type LoadDtype = "float32" | "float16";

/** Options every reader takes. */
export interface ReadOptions {
  /** Read only the first `limit` rows (gensim's `limit`); the rest of the file is not looked at. */
  limit?: number;
  /** Round every value through this precision, as gensim's `datatype=np.float16` does. Default float32. */
  dtype?: LoadDtype;
  /** A repeated word is an error ("error", default) or its later rows are skipped as gensim does ("first"). */
  duplicates?: "error" | "first";
  /** Where the matrix is allocated (e.g. inside a WebAssembly memory); default a plain Float32Array. */
  allocate?: (length: number) => Float32Array;
  /** How the loaded values are checked for NaN and infinity (the kernels pass a SIMD scan); default firstNonFinite. */
  firstNonFinite?: (values: Float32Array) => number;
}

export const defaultAllocate = (length: number): Float32Array => new Float32Array(length);

/** Builds the word index while rows are read, applying the duplicate policy with the row's location. */
export class WordTable {
  /** word -> row of the words kept. */
  readonly index: WordIndex;

  constructor(
    private readonly file: string,
    private readonly policy: "error" | "first",
    expected?: number,
  ) {
    this.index = new WordIndex(expected);
  }

  /** Words kept, in row order. */
  get words(): string[] {
    return this.index.words;
  }

  /**
   * Adds `word`; returns false when it is a duplicate to skip (policy "first"). `hash`: its
   * hashWord, when the reader has it.
   */
  add(word: string, where: { line?: number; offset?: number; field?: string }, hash?: number): boolean {
    if (word.length === 0) throw new EmbedlmError("empty word", { file: this.file, ...where });
    const first = this.index.add(word, hash);
    if (first !== -1) {
      if (this.policy === "first") return false;
      throw new EmbedlmError(
        `duplicate word '${word}' in row ${this.index.size + 1} (first seen as row ${first + 1}); pass duplicates: "first" (CLI --duplicates first) to keep the first as gensim does`,
        { file: this.file, ...where },
      );
    }
    return true;
  }
}

const f16Scratch = new Float32Array(1);
const f16Bits = new Uint32Array(f16Scratch.buffer);

/** Rounds a float32 value to the nearest float16 (round half to even), returned as a number. */
export function roundToFloat16(x: number): number {
  return float16ToNumber(float16Bits(x));
}

/** IEEE binary16 bits of `x`, round half to even; overflow becomes infinity. */
export function float16Bits(x: number): number {
  f16Scratch[0] = x;
  const b = f16Bits[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1) === 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (m & 1) === 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * The first value that is not finite, or that `dtype` cannot hold, with what is wrong with it; else
 * undefined. `nonFinite` finds the first NaN or infinity (a SIMD scan where there is one).
 */
export function firstUnstorable(
  values: Float32Array,
  dtype: "float32" | "float16" = "float32",
  nonFinite = firstNonFinite,
): { index: number; problem: string } | undefined {
  const bad = nonFinite(values);
  if (bad !== -1) return { index: bad, problem: "is not finite" };
  if (dtype === "float16") {
    for (let i = 0; i < values.length; i++) {
      const h = roundToFloat16(values[i]);
      if (h - h !== 0) return { index: i, problem: "is too large for float16 (largest 65504)" };
    }
  }
  return undefined;
}

/**
 * Checks a loaded matrix and rounds it to the load dtype in place: the first value that is not
 * finite, or that the dtype cannot hold (left as read), with what is wrong with it; else undefined.
 */
export function checkAndRound(
  values: Float32Array,
  opts: ReadOptions,
): { index: number; problem: string } | undefined {
  const bad = firstUnstorable(values, opts.dtype, opts.firstNonFinite);
  if (bad === undefined && opts.dtype === "float16")
    for (let i = 0; i < values.length; i++) values[i] = roundToFloat16(values[i]);
  return bad;
}

/** Index of the first NaN or infinite value, or -1 (one tight pass; callers then locate it). */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return i;
  }
  return -1;
}
