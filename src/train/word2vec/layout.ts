// The word2vec model in the shared kernel memory: matrices, tables and the structs the kernels read
// (assembly/w2v_model.ts holds the same offsets; keep them in step).

import type { Arena } from "../../kernels/arena.js";
import { buildHuffman } from "../../vocab/huffman.js";
import { AliasSampler, noiseWeights } from "../../vocab/sampler.js";
import { keepProbabilities } from "../../vocab/subsample.js";
import { sigmoidTables } from "./tables.js";

const M = {
  syn0: 0,
  syn1neg: 1,
  syn1: 2,
  vocab: 3,
  stride: 4,
  window: 5,
  negative: 6,
  hs: 7,
  keep: 8,
  aliasProb: 9,
  aliasIdx: 10,
  codes: 11,
  points: 12,
  offsets: 13,
  lengths: 14,
  sigmoid: 15,
  logSigmoid: 16,
  cbowMean: 17,
} as const;
const MODEL_WORDS = 18;

// Thread struct: u32 rng[4] at 0, f64 loss at 16, f64 predictions at 24, then pointers.
const T_SENT = 8;
const T_ROWS = 9;
const T_GRAD = 10;
const T_NEU1 = 11;
const T_NEU1E = 12;
const T_CTX = 13;
const THREAD_BYTES = 56;
/** As in assembly/w2v_model.ts: gradients, scores and weights live MAX_TARGETS floats apart. */
const MAX_TARGETS = 1065;

/** What the kernels need to know about the model (all resolved options). */
export interface ModelSpec {
  counts: ArrayLike<number>;
  dim: number;
  window: number;
  negative: number;
  hs: boolean;
  sample: number;
  nsExponent: number;
  cbowMean: boolean;
}

/** Plain views of everything a kernel reads; the TypeScript reference takes the same. */
export interface ModelViews {
  vocabSize: number;
  dim: number;
  /** Floats per row: dim rounded up to a multiple of 4 (padding stays zero). */
  stride: number;
  window: number;
  negative: number;
  hs: boolean;
  cbowMean: boolean;
  syn0: Float32Array;
  syn1neg: Float32Array;
  syn1: Float32Array;
  /** Subsampling keep probabilities, or undefined when sample is 0. */
  keep: Float32Array | undefined;
  aliasProb: Float32Array;
  aliasIdx: Int32Array;
  codes: Uint8Array;
  points: Int32Array;
  offsets: Int32Array;
  lengths: Int32Array;
  sigmoid: Float32Array;
  logSigmoid: Float32Array;
}

export interface ThreadViews {
  /** The thread struct's pointer. */
  ptr: number;
  /** xoshiro128** state (view into the struct). */
  rng: Uint32Array;
  /** [loss, predictions] running tallies (view into the struct). */
  tallies: Float64Array;
}

export interface ModelLayout extends ModelViews {
  /** The model struct's pointer. */
  ptr: number;
  threads: ThreadViews[];
  /** Tokens per batch buffer. */
  batchCapacity: number;
  /** Two batch buffers per thread: one trains while the other fills. */
  batches: Int32Array[][];
}

/** Allocates and fills the model (syn0 with word2vec's uniform init from `initRandom`). */
export function allocateModel(
  arena: Arena,
  spec: ModelSpec,
  threads: number,
  batchCapacity: number,
  initRandom: () => number,
): ModelLayout {
  const v = spec.counts.length;
  const stride = Math.ceil(spec.dim / 4) * 4;
  const syn0 = arena.f32(v * stride);
  // word2vec.c: (rand - 0.5) / dim
  for (let w = 0; w < v; w++) {
    for (let j = 0; j < spec.dim; j++) syn0[w * stride + j] = (initRandom() - 0.5) / spec.dim;
  }
  const syn1neg = spec.negative > 0 ? arena.f32(v * stride) : arena.f32(0);
  const huff = spec.hs ? buildHuffman(spec.counts) : undefined;
  const syn1 = spec.hs ? arena.f32(Math.max(0, v - 1) * stride) : arena.f32(0);
  const copy = <T extends Float32Array | Int32Array | Uint8Array>(src: T, make: (n: number) => T): T => {
    const dst = make(src.length);
    dst.set(src);
    return dst;
  };
  const f32 = (n: number) => arena.f32(n);
  const i32 = (n: number) => arena.i32(n);
  const keep = spec.sample > 0 ? copy(keepProbabilities(spec.counts, spec.sample), f32) : undefined;
  const alias = new AliasSampler(noiseWeights(spec.counts, spec.nsExponent));
  const aliasProb = copy(alias.prob, f32);
  const aliasIdx = copy(alias.alias, i32);
  const codes = copy(huff?.codes ?? new Uint8Array(0), (n) => arena.u8(n));
  const points = copy(huff?.points ?? new Int32Array(0), i32);
  const offsets = copy(huff?.offsets ?? new Int32Array(0), i32);
  const lengths = copy(huff?.lengths ?? new Int32Array(0), i32);
  const tables = sigmoidTables();
  const sigmoid = copy(tables.sigmoid, f32);
  const logSigmoid = copy(tables.logSigmoid, f32);
  let maxCode = 0;
  for (let i = 0; i < lengths.length; i++) maxCode = Math.max(maxCode, lengths[i]);
  const maxTargets = maxCode + spec.negative + 1;
  if (maxTargets > MAX_TARGETS)
    throw new RangeError(`an example scores ${maxTargets} output rows; the kernels allow ${MAX_TARGETS}`);

  const model = arena.u32(MODEL_WORDS);
  const ptrOrZero = (a: { byteOffset: number; length: number } | undefined) =>
    a === undefined ? 0 : a.byteOffset;
  model[M.syn0] = syn0.byteOffset;
  model[M.syn1neg] = syn1neg.byteOffset;
  model[M.syn1] = syn1.byteOffset;
  model[M.vocab] = v;
  model[M.stride] = stride;
  model[M.window] = spec.window;
  model[M.negative] = spec.negative;
  model[M.hs] = spec.hs ? 1 : 0;
  model[M.keep] = ptrOrZero(keep);
  model[M.aliasProb] = aliasProb.byteOffset;
  model[M.aliasIdx] = aliasIdx.byteOffset;
  model[M.codes] = codes.byteOffset;
  model[M.points] = points.byteOffset;
  model[M.offsets] = offsets.byteOffset;
  model[M.lengths] = lengths.byteOffset;
  model[M.sigmoid] = sigmoid.byteOffset;
  model[M.logSigmoid] = logSigmoid.byteOffset;
  model[M.cbowMean] = spec.cbowMean ? 1 : 0;

  const threadViews: ThreadViews[] = [];
  const batches: Int32Array[][] = [];
  for (let t = 0; t < threads; t++) {
    const ptr = arena.alloc(THREAD_BYTES, 16);
    const words = new Uint32Array(arena.memory.buffer, ptr, THREAD_BYTES / 4);
    words[T_SENT] = arena.i32(batchCapacity).byteOffset;
    words[T_ROWS] = arena.u32(maxTargets).byteOffset;
    words[T_GRAD] = arena.f32(3 * MAX_TARGETS).byteOffset;
    words[T_NEU1] = arena.f32(stride).byteOffset;
    words[T_NEU1E] = arena.f32(stride).byteOffset;
    words[T_CTX] = arena.u32(2 * spec.window).byteOffset;
    threadViews.push({
      ptr,
      rng: new Uint32Array(arena.memory.buffer, ptr, 4),
      tallies: new Float64Array(arena.memory.buffer, ptr + 16, 2),
    });
    batches.push([arena.i32(batchCapacity), arena.i32(batchCapacity)]);
  }
  return {
    ptr: model.byteOffset,
    vocabSize: v,
    dim: spec.dim,
    stride,
    window: spec.window,
    negative: spec.negative,
    hs: spec.hs,
    cbowMean: spec.cbowMean,
    syn0,
    syn1neg,
    syn1,
    keep,
    aliasProb,
    aliasIdx,
    codes,
    points,
    offsets,
    lengths,
    sigmoid,
    logSigmoid,
    threads: threadViews,
    batchCapacity,
    batches,
  };
}
