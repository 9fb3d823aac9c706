// embedlm/eval: the standard intrinsic evaluations of word vectors, as gensim computes them.
export {
  type AnalogyOptions,
  type AnalogyResult,
  type AnalogySection,
  evaluateWordAnalogies,
  type Quadruplet,
  sectionAccuracy,
} from "./analogies.js";
export { averageRanks, pearson, spearman } from "./stats.js";
export { evaluationVocab } from "./vocab.js";
export {
  evaluateWordPairs,
  readWordPairs,
  type WordPairsOptions,
  type WordPairsResult,
} from "./word-pairs.js";
