import { activate, activateBackward } from "./activations.js";
import { addBias, columnSums } from "./bias.js";
import { type GemmFn, gemm } from "./gemm.js";
import { causalSoftmaxBackward, causalSoftmaxForward } from "./layers/attention.js";
import { gatherRows, scatterAddRows } from "./layers/embedding.js";
import { gruSequenceBackward, gruSequenceForward, gruStepBackward, gruStepForward } from "./layers/gru.js";
import { layerNormBackward, layerNormForward } from "./layers/layernorm.js";
import {
  lstmSequenceBackward,
  lstmSequenceForward,
  lstmStepBackward,
  lstmStepForward,
} from "./layers/lstm.js";
import { softmaxCrossEntropy } from "./loss.js";
import type { Buf } from "./tensor.js";

/**
 * The compute a model runs on: the TypeScript references (`referenceOps`, any dtype) or the
 * WebAssembly kernels of an NnRuntime (float32 buffers from its arena). Same signatures either way.
 */
export interface NnOps {
  gemm: GemmFn;
  lstmStepForward: typeof lstmStepForward;
  lstmStepBackward: typeof lstmStepBackward;
  /** A whole LSTM layer's recurrence (all steps); the runtime splits the batch across threads. */
  lstmSequenceForward: typeof lstmSequenceForward;
  lstmSequenceBackward: typeof lstmSequenceBackward;
  gruStepForward: typeof gruStepForward;
  gruStepBackward: typeof gruStepBackward;
  /** A whole GRU layer's recurrence (all steps); the runtime splits the batch across threads. */
  gruSequenceForward: typeof gruSequenceForward;
  gruSequenceBackward: typeof gruSequenceBackward;
  layerNormForward: typeof layerNormForward;
  layerNormBackward: typeof layerNormBackward;
  softmaxCrossEntropy: typeof softmaxCrossEntropy;
  /** Embedding lookup and its sparse gradient (row gather, row scatter-add). */
  gatherRows: typeof gatherRows;
  scatterAddRows: typeof scatterAddRows;
  /** Bias broadcast over rows, and the bias gradient (column sums). */
  addBias: typeof addBias;
  columnSums: typeof columnSums;
  /** Elementwise activations (relu, tanh, sigmoid, gelu), forward and backward. */
  activate: typeof activate;
  activateBackward: typeof activateBackward;
  /** Causal attention softmax over [T, T] score matrices, forward and backward. */
  causalSoftmaxForward: typeof causalSoftmaxForward;
  causalSoftmaxBackward: typeof causalSoftmaxBackward;
  /** sum of x[i] y[i] over n elements (optimizers, clipping). */
  dot(n: number, x: Buf, xOff: number, y: Buf, yOff: number): number;
  /** y[i] += a x[i] over n elements; x may be y. */
  axpy(n: number, a: number, x: Buf, xOff: number, y: Buf, yOff: number): void;
}

function dot(n: number, x: Buf, xOff: number, y: Buf, yOff: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[xOff + i] * y[yOff + i];
  return s;
}

function axpy(n: number, a: number, x: Buf, xOff: number, y: Buf, yOff: number): void {
  for (let i = 0; i < n; i++) y[yOff + i] += a * x[xOff + i];
}

export const referenceOps: NnOps = {
  gemm,
  lstmStepForward,
  lstmStepBackward,
  lstmSequenceForward,
  lstmSequenceBackward,
  gruStepForward,
  gruStepBackward,
  gruSequenceForward,
  gruSequenceBackward,
  layerNormForward,
  layerNormBackward,
  softmaxCrossEntropy,
  gatherRows,
  scatterAddRows,
  addBias,
  columnSums,
  activate,
  activateBackward,
  causalSoftmaxForward,
  causalSoftmaxBackward,
  dot,
  axpy,
};
