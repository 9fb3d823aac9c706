// The library entry: each area is also importable on its own (embedlm/text, embedlm/vocab, ...).
export * from "./text/index.js";
export * from "./util/errors.js";
export { Rng } from "./util/rng.js";
export * from "./vocab/index.js";
