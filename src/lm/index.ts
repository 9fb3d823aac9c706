// Language models: the interface every kind implements, the tools built on it, and the n-gram models.
export { type PerplexityResult, perplexity, type SentenceScore, scoreSentence } from "./evaluate.js";
export { type GenerateOptions, generate, type Truncation, truncateDistribution } from "./generate.js";
export { type LoadOptions, loadLanguageModel } from "./load.js";
export { BoundaryError, encodePrompt, type LanguageModel, type LmVocab } from "./model.js";
export * from "./neural/index.js";
export { readArpa, writeArpa } from "./ngram/arpa.js";
export { NgramModel } from "./ngram/model.js";
export { type NgramOptions, trainNgram, trainNgramOnCorpus } from "./ngram/train.js";
export { type Prediction, topK } from "./predict.js";
