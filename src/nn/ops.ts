import { type GemmFn, gemm } from "./gemm.js";
import { lstmStepBackward, lstmStepForward } from "./layers/lstm.js";
import { softmaxCrossEntropy } from "./loss.js";

/**
 * The compute a model runs on: the TypeScript references (`referenceOps`, any dtype) or the
 * WebAssembly kernels of an NnRuntime (float32 buffers from its arena). Same signatures either way.
 */
export interface NnOps {
  gemm: GemmFn;
  lstmStepForward: typeof lstmStepForward;
  lstmStepBackward: typeof lstmStepBackward;
  softmaxCrossEntropy: typeof softmaxCrossEntropy;
}

export const referenceOps: NnOps = { gemm, lstmStepForward, lstmStepBackward, softmaxCrossEntropy };
