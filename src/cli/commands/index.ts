import type { Command } from "commander";
import { register as lm } from "./lm.js";
import { register as quickstart } from "./quickstart.js";
import { register as tokenize } from "./tokenize.js";
import { register as vocab } from "./vocab.js";

/** Every CLI command registers itself through one of these; one file per command under src/cli/commands. */
export type Register = (program: Command) => void;

export const commands: Register[] = [quickstart, tokenize, vocab, lm];
