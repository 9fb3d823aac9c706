// Embedding trainers. word2vec today; each trainer returns a KeyedVectors.

export * from "./lm/index.js";
export * from "./word2vec/index.js";
