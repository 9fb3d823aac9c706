// What the neural language-model benchmarks share: running `embedlm lm train` as a measured child
// process, and the short PTB slice the speed runs train on.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withFullVocabulary } from "../../src/train/lm/data.js";
import { failedRun, measure, repoRoot, runTimed, sharedData, type TimedRun } from "./common.js";

const cli = join(repoRoot, "dist", "src", "cli", "main.js");

/**
 * `embedlm lm train ARGS --json --quiet` under the bench lock and /usr/bin/time. A run stopped by
 * SIGINT / SIGTERM (exit 130 / 143) has checkpointed and still printed its JSON: a long run's
 * partial result, which the caller reports as such (`status` tells). A failed run is reported as a
 * failure in the final line (nothing measured), not a crash without one.
 */
export function embedlmLmTrain(args: string[]): TimedRun {
  process.stderr.write(`embedlm lm train ${args.join(" ")}\n`);
  return measure(
    "embedlm lm train",
    () => runTimed(process.execPath, [cli, "lm", "train", ...args, "--json", "--quiet"], {}, [0, 130, 143]),
    failedRun,
  );
}

/** For a run's result: why it is partial, when a signal stopped it. */
export function interruption(run: TimedRun): { interrupted?: string } {
  return run.status === 130 || run.status === 143
    ? { interrupted: `exit ${run.status}: checkpointed, continue with --resume` }
    : {};
}

/** A number field of a JSON result, NaN when absent. */
export function num(o: Record<string, unknown>, key: string): number {
  const v = o[key];
  return typeof v === "number" ? v : Number.NaN;
}

export interface PtbSlice {
  dir: string;
  /** Tokens (with `<eos>`) of each file, as the peer and embedlm count them. */
  trainTokens: number;
  validTokens: number;
  testTokens: number;
}

/** The lines of a text file (the empty string after a final newline dropped). */
export function readLines(path: string): string[] {
  const lines = readFileSync(path, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** A line's whitespace-separated words. */
export const words = (line: string) => line.split(/\s+/).filter((w) => w !== "");

/** Tokens of lines with one `<eos>` per line, as the loaders count them. */
export function tokenCount(lines: readonly string[]): number {
  let n = 0;
  for (const l of lines) n += words(l).length + 1;
  return n;
}

/** The first lines of `lines` holding at least `tokens` tokens with `<eos>`. */
export function prefix(lines: readonly string[], tokens: number): string[] {
  const out: string[] = [];
  let n = 0;
  for (const l of lines) {
    if (n >= tokens) break;
    out.push(l);
    n += words(l).length + 1;
  }
  return out;
}

/** The first `tokens` tokens of `lines`, keeping the full training vocabulary (withFullVocabulary). */
export function trainingPrefix(lines: readonly string[], tokens: number): string[] {
  return withFullVocabulary(prefix(lines, tokens), lines);
}

export function writeLines(path: string, lines: readonly string[]): void {
  writeFileSync(path, `${lines.join("\n")}\n`);
}

/**
 * Writes a PTB slice for short measured runs into `dir` (ptb.{train,valid,test}.txt): a training
 * prefix of `trainTokens` tokens with the full 10,000-word vocabulary (see trainingPrefix), and the
 * first `evalTokens` tokens of the validation and test sets.
 */
export function writePtbSlice(dir: string, trainTokens: number, evalTokens: number): PtbSlice {
  mkdirSync(dir, { recursive: true });
  const read = (name: string) => readLines(sharedData(`ptb/${name}`));
  const train = trainingPrefix(read("ptb.train.txt"), trainTokens);
  const valid = prefix(read("ptb.valid.txt"), evalTokens);
  const test = prefix(read("ptb.test.txt"), evalTokens);
  writeLines(join(dir, "ptb.train.txt"), train);
  writeLines(join(dir, "ptb.valid.txt"), valid);
  writeLines(join(dir, "ptb.test.txt"), test);
  return {
    dir,
    trainTokens: tokenCount(train),
    validTokens: tokenCount(valid),
    testTokens: tokenCount(test),
  };
}
