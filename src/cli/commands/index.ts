import type { Command } from "commander";
import { register as lm } from "./lm.js";

/** Every CLI command registers itself through one of these; one file per command under src/cli/commands. */
export type Register = (program: Command) => void;

export const commands: Register[] = [lm];
