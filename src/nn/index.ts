// The neural-network core: tensors over flat buffers, layers as forward/backward pairs, optimizers.
export * from "./activations.js";
export * from "./checkpoint.js";
export { gemm } from "./gemm.js";
export * from "./init.js";
export type { BuildContext, Layer } from "./layer.js";
export {
  MultiHeadAttention,
  type MultiHeadAttentionOptions,
  multiHeadAttention,
} from "./layers/attention.js";
export { Dense, type DenseOptions, dense } from "./layers/dense.js";
export { Dropout, type DropoutOptions, dropout } from "./layers/dropout.js";
export { Embedding, type EmbeddingOptions, embedding } from "./layers/embedding.js";
export { GruCell, gru } from "./layers/gru.js";
export { LayerNorm, type LayerNormOptions, layerNorm } from "./layers/layernorm.js";
export { LstmCell, lstm, lstmStepBackward, lstmStepForward } from "./layers/lstm.js";
export { PositionEmbedding, type PositionEmbeddingOptions, positionEmbedding } from "./layers/position.js";
export { Recurrent, type RecurrentOptions } from "./layers/recurrent.js";
export { Residual, residual } from "./layers/residual.js";
export { TiedDense, type TiedDenseOptions, tiedDense } from "./layers/tied.js";
export { softmaxCrossEntropy } from "./loss.js";
export { type NnOps, referenceOps } from "./ops.js";
export * from "./optim.js";
export { type Param, ParamStore } from "./params.js";
export { createNnRuntime, type NnRuntime, type NnRuntimeOptions } from "./runtime.js";
export * from "./safetensors.js";
export * from "./schedule.js";
export { Model, type ModelOptions, Sequential, sequential } from "./sequential.js";
export * from "./tensor.js";
