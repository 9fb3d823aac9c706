import type { Command } from "commander";
import { EmbedlmError } from "../util/errors.js";
import { createProgressBar, type ProgressBar } from "./progress.js";

/** What every command receives: the global output switches and helpers that honour them. */
export interface CommandContext {
  /** `--json`: the last line of stdout is one JSON object with the command's result. */
  json: boolean;
  /** `--quiet`: no human-readable output and no progress bar (errors still go to stderr). */
  quiet: boolean;
  /** Prints a line of human-readable output unless --quiet. */
  log(line: string): void;
  /** Prints a warning to stderr unless --quiet. */
  warn(line: string): void;
  /** A progress bar on a TTY; a silent stand-in otherwise. */
  progress(label: string, total: number, unit?: string): ProgressBar;
}

function contextFrom(cmd: Command): CommandContext {
  const opts = cmd.optsWithGlobals() as { json?: boolean; quiet?: boolean };
  const json = opts.json === true;
  const quiet = opts.quiet === true;
  return {
    json,
    quiet,
    log: (line) => {
      if (!quiet) process.stdout.write(`${line}\n`);
    },
    warn: (line) => {
      if (!quiet) process.stderr.write(`embedlm: warning: ${line}\n`);
    },
    progress: (label, total, unit) => createProgressBar(label, total, unit, quiet || !process.stderr.isTTY),
  };
}

/**
 * Wraps a command's implementation: it returns a result object (printed as the last line with --json);
 * an EmbedlmError becomes a one-line message and its exit code; anything else is a bug and shows its stack.
 */
export function action<A extends unknown[]>(
  fn: (ctx: CommandContext, ...args: A) => Promise<Record<string, unknown> | undefined>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const ctx = contextFrom(cmd);
    try {
      const result = await fn(ctx, ...(args.slice(0, -1) as A));
      if (ctx.json) process.stdout.write(`${JSON.stringify(result ?? {})}\n`);
    } catch (e) {
      if (e instanceof EmbedlmError) {
        process.stderr.write(`embedlm: error: ${e.message}\n`);
        process.exitCode = e.exitCode;
      } else {
        process.stderr.write(`embedlm: internal error: ${(e as Error).stack ?? String(e)}\n`);
        process.exitCode = 70;
      }
    }
  };
}

/**
 * Commander option parsers that reject what is not a number, naming the option; `min` bounds an
 * integer flag, so a value below it is a usage error (exit 2) like a value that is not a number.
 */
export function intOption(name: string, min?: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || (min !== undefined && n < min))
      throw new EmbedlmError(`expected an integer${min !== undefined ? ` >= ${min}` : ""}, got '${value}'`, {
        field: name,
      });
    return n;
  };
}

export function floatOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n))
      throw new EmbedlmError(`expected a number, got '${value}'`, { field: name });
    return n;
  };
}
