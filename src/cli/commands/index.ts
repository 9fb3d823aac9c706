import type { Command } from "commander";
import { register as train } from "./train.js";

/** Every CLI command registers itself through one of these; one file per command under src/cli/commands. */
export type Register = (program: Command) => void;

export const commands: Register[] = [train];
