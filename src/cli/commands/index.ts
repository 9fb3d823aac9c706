import type { Command } from "commander";

/** Every CLI command registers itself through one of these; one file per command under src/cli/commands. */
export type Register = (program: Command) => void;

/** What a command file exports: its registration and, optionally, a rewrite of argv before parsing. */
export interface CommandModule {
  register: Register;
  /** Rewrites the raw argv (e.g. word2vec.c's single-dash flags) before commander parses it. */
  normalizeArgs?: (argv: readonly string[]) => string[];
}

// Loaded on demand: a run imports only the command it executes, because the commands' dependencies
// (worker runtime, usearch, n-gram tables) cost ~18 MB of resident memory and start-up time that
// benchmarks measured against the peers would otherwise carry. Help without a command loads all.
export const commandModules: Record<string, () => Promise<CommandModule>> = {
  quickstart: () => import("./quickstart.js"),
  tokenize: () => import("./tokenize.js"),
  vocab: () => import("./vocab.js"),
  train: () => import("./train.js"),
  similar: () => import("./similar.js"),
  analogy: () => import("./analogy.js"),
  "doesnt-match": () => import("./doesnt-match.js"),
  eval: () => import("./eval.js"),
  convert: () => import("./convert.js"),
  explore: () => import("./explore.js"),
  lm: () => import("./lm.js"),
  study: () => import("./study.js"),
};
