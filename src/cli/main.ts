#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { EmbedlmError } from "../util/errors.js";
import { commands } from "./commands/index.js";
import { normalizeTrainArgs } from "./commands/train.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command("embedlm")
    .description(
      "Word embeddings and language models: tokenize, build vocabularies, train and query vectors, train and use language models.",
    )
    .version(pkg.version)
    .option("--json", "print the result as one JSON object on the last line of stdout")
    .option("-q, --quiet", "no progress bar and no human-readable output")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(normalizeTrainArgs(process.argv));
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are "errors" with exit code 0 to commander; the message is already printed.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
    } else if (e instanceof EmbedlmError) {
      process.stderr.write(`embedlm: error: ${e.message}\n`);
      process.exitCode = 2;
    } else throw e;
  }
}

await main();
