import type { Command } from "commander";

/** Every CLI command registers itself through one of these; one file per command under src/cli/commands. */
export type Register = (program: Command) => void;

export const commands: Register[] = [];
