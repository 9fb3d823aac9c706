import type { Command } from "commander";
import { register as analogy } from "./analogy.js";
import { register as convert } from "./convert.js";
import { register as doesntMatch } from "./doesnt-match.js";
import { register as evaluate } from "./eval.js";
import { register as explore } from "./explore.js";
import { register as lm } from "./lm.js";
import { register as quickstart } from "./quickstart.js";
import { register as similar } from "./similar.js";
import { register as tokenize } from "./tokenize.js";
import { register as train } from "./train.js";
import { register as vocab } from "./vocab.js";

/** Every CLI command registers itself through one of these; one file per command under src/cli/commands. */
export type Register = (program: Command) => void;

export const commands: Register[] = [
  quickstart,
  tokenize,
  vocab,
  train,
  similar,
  analogy,
  doesntMatch,
  evaluate,
  convert,
  explore,
  lm,
];
