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

/** The range of a numeric flag: `min`/`max` are inclusive, `above` is an exclusive lower bound. */
export interface FlagRange {
  min?: number;
  above?: number;
  max?: number;
}

function describe(r: FlagRange): string {
  const low = r.above !== undefined ? `> ${r.above}` : r.min !== undefined ? `>= ${r.min}` : "";
  if (r.max === undefined) return low ? ` ${low}` : "";
  if (r.above !== undefined) return ` in (${r.above}, ${r.max}]`;
  return r.min !== undefined ? ` in [${r.min}, ${r.max}]` : ` <= ${r.max}`;
}

/**
 * A Commander option parser that rejects what is not `kind` ("an integer", "a number") or lies outside
 * `range`, naming the option: checked at parse time, a value out of range is a usage error (exit 2)
 * like one that is not a number. The bounds repeat the library's checks, which name their option
 * fields, not the flags.
 */
function numberOption(
  name: string,
  kind: string,
  isKind: (n: number) => boolean,
  range: FlagRange,
): (value: string) => number {
  const text = `expected ${kind}${describe(range)}`;
  return (value) => {
    const n = Number(value);
    const out =
      (range.min !== undefined && n < range.min) ||
      (range.above !== undefined && n <= range.above) ||
      (range.max !== undefined && n > range.max);
    if (value.trim() === "" || !isKind(n) || out)
      throw new EmbedlmError(`${text}, got '${value}'`, { field: name });
    return n;
  };
}

export function intOption(name: string, min?: number, max?: number): (value: string) => number {
  return numberOption(name, "an integer", Number.isInteger, { min, max });
}

export function floatOption(name: string, range: FlagRange = {}): (value: string) => number {
  return numberOption(name, "a number", Number.isFinite, range);
}

/** `--threads`: the range every thread pool accepts. */
export const threadsOption = intOption("--threads", 1, 256);
