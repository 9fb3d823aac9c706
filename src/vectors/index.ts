// embedlm/vectors: word vectors in every common format, queried like gensim's KeyedVectors.
export { AnnIndex, type AnnOptions } from "./ann.js";
export type { LoadDtype, ReadOptions, VectorData } from "./formats/data.js";
export { detectFormat, VECTOR_FORMATS, type VectorFormat } from "./formats/detect.js";
export type { NativeDtype } from "./formats/native.js";
export {
  checkFormat,
  type LoadOptions,
  loadVectors,
  readVectors,
  type SaveOptions,
  writeVectors,
} from "./io.js";
export { VectorKernels } from "./kernels.js";
export {
  KeyedVectors,
  type MostSimilarOptions,
  type Neighbours,
  type RowScanner,
  type Term,
} from "./keyed-vectors.js";
export { scaledDotRows, selectTop, TopK } from "./topk.js";
export { hashWord, WordIndex } from "./word-index.js";
