#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { EmbedlmError } from "../util/errors.js";
import { type CommandModule, commandModules } from "./commands/index.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** The command named in argv (the first word that is not a global option), if it is one of ours. */
function commandName(argv: readonly string[]): string | undefined {
  const first = argv.slice(2).find((a) => !a.startsWith("-"));
  return first !== undefined && first in commandModules ? first : undefined;
}

/** The program with `modules` registered (all of them for help or an unknown command). */
export function buildProgram(modules: readonly CommandModule[]): Command {
  const program = new Command("embedlm")
    .description(
      "Word embeddings and language models: tokenize, build vocabularies, train and query vectors, train and use language models.",
    )
    .version(pkg.version)
    .option("--json", "print the result as one JSON object on the last line of stdout")
    .option("-q, --quiet", "no progress bar and no human-readable output")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  for (const m of modules) m.register(program);
  return program;
}

// A reader that stops early (`embedlm ... | head`) closes the pipe: end quietly, as Unix tools do.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

async function main(): Promise<void> {
  const name = commandName(process.argv);
  const loaders = name !== undefined ? [commandModules[name]] : Object.values(commandModules);
  const modules = await Promise.all(loaders.map((load) => load()));
  let argv: readonly string[] = process.argv;
  for (const m of modules) argv = m.normalizeArgs?.(argv) ?? argv;
  const program = buildProgram(modules);
  try {
    await program.parseAsync(argv as string[]);
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
