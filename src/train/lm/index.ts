// Neural language model training: token streams for truncated BPTT and the epoch loop with checkpoints.
export * from "./data.js";
export * from "./train.js";
