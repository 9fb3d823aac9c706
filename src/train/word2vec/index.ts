// word2vec: skip-gram and CBOW with negative sampling and hierarchical softmax.
export {
  type CheckpointState,
  loadCheckpoint,
  readCheckpointHeader,
  saveCheckpoint,
} from "./checkpoint.js";
export type { EpochStats, ProgressInfo, ResolvedOptions, Word2VecOptions } from "./options.js";
export { trainWord2Vec, type Word2VecResult } from "./trainer.js";
