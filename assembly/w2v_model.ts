// The word2vec model and per-thread state as the kernels see them: two structs of 32-bit fields in
// the shared memory, written by src/train/word2vec/layout.ts (keep the offsets in step), plus the
// per-thread random generator and the sigmoid tables.

// Model struct (byte offsets).
export const M_SYN0: usize = 0; // f32[V * stride] input vectors
export const M_SYN1NEG: usize = 4; // f32[V * stride] negative-sampling output vectors
export const M_SYN1: usize = 8; // f32[(V - 1) * stride] hierarchical-softmax inner nodes
export const M_VOCAB: usize = 12; // V
export const M_STRIDE: usize = 16; // row length in floats (dim rounded up to 4; padding stays 0)
export const M_WINDOW: usize = 20;
export const M_NEGATIVE: usize = 24;
export const M_HS: usize = 28; // 0 or 1
export const M_KEEP: usize = 32; // f32[V] subsampling keep probabilities, 0 = no subsampling
export const M_ALIAS_PROB: usize = 36; // f32[V] alias table of the noise distribution
export const M_ALIAS_IDX: usize = 40; // i32[V]
export const M_CODES: usize = 44; // u8[] Huffman codes, word w at offsets[w], lengths[w] long
export const M_POINTS: usize = 48; // i32[] inner-node ids along the path (root first)
export const M_OFFSETS: usize = 52; // i32[V]
export const M_LENGTHS: usize = 56; // i32[V]
export const M_SIGMOID: usize = 60; // f32[TABLE + 1] sigmoid on [-MAX_EXP, MAX_EXP]
export const M_LOGSIG: usize = 64; // f32[TABLE + 1] log sigmoid on the same grid
export const M_CBOW_MEAN: usize = 68; // 0 or 1
export const MODEL_BYTES: usize = 72;

// Thread struct (byte offsets).
export const T_RNG: usize = 0; // u32[4] xoshiro128** state
export const T_LOSS: usize = 16; // f64 running loss (sum of -log sigmoid over predictions)
export const T_PREDICTIONS: usize = 24; // f64 number of predictions in the loss
export const T_SENT: usize = 32; // i32[max sentence] kept words of the current sentence
export const T_ROWS: usize = 36; // usize[max targets] output rows of the current example
export const T_GRAD: usize = 40; // f32[3 * MAX_TARGETS] labels then gradients, scores, weights
export const T_NEU1: usize = 44; // f32[stride] CBOW hidden vector
export const T_NEU1E: usize = 48; // f32[stride] hidden-vector error
export const T_CTX: usize = 52; // usize[2 * window] CBOW context rows
export const THREAD_BYTES: usize = 56;

/** Most output rows one example can score: Huffman path (<= 64) + negative (<= 1000) + 1. */
export const MAX_TARGETS: i32 = 1065;
export const MAX_EXP: f32 = 6;
export const TABLE: i32 = 1000;

// One xoshiro128** generator per kernel instance (= per thread); globals are per instance, so the
// state is loaded from the thread struct at the start of a call and stored back at its end.
let s0: u32 = 0;
let s1: u32 = 0;
let s2: u32 = 0;
let s3: u32 = 0;

export function rngLoad(t: usize): void {
  s0 = load<u32>(t + T_RNG);
  s1 = load<u32>(t + T_RNG, 4);
  s2 = load<u32>(t + T_RNG, 8);
  s3 = load<u32>(t + T_RNG, 12);
}

export function rngStore(t: usize): void {
  store<u32>(t + T_RNG, s0);
  store<u32>(t + T_RNG, s1, 4);
  store<u32>(t + T_RNG, s2, 8);
  store<u32>(t + T_RNG, s3, 12);
}

export function nextU32(): u32 {
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return result;
}

/** Uniform in [0, 1) with 24 bits. */
export function nextFloat(): f32 {
  return <f32>(nextU32() >>> 8) * (1.0 / 16777216.0);
}

/** Uniform integer in [0, n). */
export function nextBelow(n: u32): u32 {
  return <u32>((<u64>nextU32() * <u64>n) >>> 32);
}

/** Index of f (clamped to the table's range) in the sigmoid tables. */
export function tableIndex(f: f32): usize {
  const x = min(max(f, -MAX_EXP), MAX_EXP);
  return <usize>(<i32>((x + MAX_EXP) * (<f32>TABLE / MAX_EXP / 2)));
}
