// embedlm/vocab: word <-> id with counts, and what trainers derive from counts.
export { ByteTokenCounter, countTokens, type TokenCounts } from "./count.js";
export { buildHuffman, type HuffmanTree } from "./huffman.js";
export { AliasSampler, noiseWeights } from "./sampler.js";
export { keepProbabilities } from "./subsample.js";
export {
  countInto,
  type PaddedSequences,
  type PadOptions,
  padSequences,
  type UnknownPolicy,
  Vocab,
  type VocabOptions,
} from "./vocab.js";
