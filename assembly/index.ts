// The single entry of the kernel module: one file per concept, re-exported here. Adding a kernel:
// write assembly/NAME.ts and add one `export ... from "./NAME"` line (see docs/kernels.md).

export { activationBackward, activationForward } from "./activations";
export { causalSoftmaxBackward, causalSoftmaxForward } from "./attention";
export { addBias, columnSums } from "./bias";
export { saxpy, sdot } from "./blas1";
export { cbowBatch } from "./cbow";
export {
  sgemm,
  sgemmPackB,
  sgemmPacked,
  sgemmPackedSize,
  sgemmShared,
  sgemmWorkspace,
} from "./gemm";
export { gruSequenceBackward, gruSequenceForward, gruStepBackward, gruStepForward } from "./gru";
export { layerNormBackward, layerNormForward } from "./layernorm";
export { heapBase } from "./layout";
export { lstmSequenceBackward, lstmSequenceForward, lstmStepBackward, lstmStepForward } from "./lstm";
export { gatherRows, scatterAddRows } from "./rows";
export { skipgramBatch } from "./skipgram";
export { softmaxCrossEntropyRows } from "./softmax_ce";
export {
  vecFirstNonFinite,
  vecInt8DotRows,
  vecInverseNorms,
  vecQuantizeRows,
  vecScaledDotRows,
} from "./vectors";
