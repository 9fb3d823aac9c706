// What the neural language-model benchmarks share: running `embedlm lm train` as a measured child
// process, targets a mode does not measure, and the short PTB slice the speed runs train on.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, round, runTimed, sharedData, type Target, type TimedRun } from "./common.js";

const cli = join(repoRoot, "dist", "src", "cli", "main.js");

/** `embedlm lm train ARGS --json --quiet` under the bench lock and /usr/bin/time. */
export function embedlmLmTrain(args: string[]): TimedRun {
  process.stderr.write(`embedlm lm train ${args.join(" ")}\n`);
  return runTimed(process.execPath, [cli, "lm", "train", ...args, "--json", "--quiet"]);
}

/** A target this mode of the benchmark does not measure: value null, not met, and why. */
export function notMeasured(
  name: string,
  targetValue: number,
  op: ">=" | "<=",
  note: string,
): Target & { note: string } {
  return { name, value: Number.NaN, target: targetValue, op, met: false, note };
}

/**
 * A figure the issue asks to report without a threshold: target null, met when it was measured
 * (a finite number).
 */
export function reported(name: string, value: number, note: string): Target & { note: string } {
  return { name, value: round(value), target: Number.NaN, op: "<=", met: Number.isFinite(value), note };
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

function tokenCount(lines: readonly string[]): number {
  let n = 0;
  for (const l of lines) n += l.split(/\s+/).filter((w) => w !== "").length + 1;
  return n;
}

/** The first lines of `lines` holding at least `tokens` tokens with `<eos>`. */
function prefix(lines: readonly string[], tokens: number): string[] {
  const out: string[] = [];
  let n = 0;
  for (const l of lines) {
    if (n >= tokens) break;
    out.push(l);
    n += l.split(/\s+/).filter((w) => w !== "").length + 1;
  }
  return out;
}

/**
 * Writes a PTB slice for short measured runs into `dir` (ptb.{train,valid,test}.txt): the first
 * `trainTokens` tokens of the training set plus one line holding the words of the full vocabulary the
 * prefix lacks, so both tools train the 10,000-word softmax of the full run, and the first
 * `evalTokens` tokens of the validation and test sets.
 */
export function writePtbSlice(dir: string, trainTokens: number, evalTokens: number): PtbSlice {
  mkdirSync(dir, { recursive: true });
  const read = (name: string) =>
    readFileSync(sharedData(`ptb/${name}`), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "");
  const full = read("ptb.train.txt");
  const train = prefix(full, trainTokens);
  const seen = new Set(train.flatMap((l) => l.split(/\s+/)));
  const missing = [...new Set(full.flatMap((l) => l.split(/\s+/)))].filter((w) => w !== "" && !seen.has(w));
  if (missing.length > 0) train.push(missing.join(" "));
  const valid = prefix(read("ptb.valid.txt"), evalTokens);
  const test = prefix(read("ptb.test.txt"), evalTokens);
  const write = (name: string, lines: string[]) => writeFileSync(join(dir, name), `${lines.join("\n")}\n`);
  write("ptb.train.txt", train);
  write("ptb.valid.txt", valid);
  write("ptb.test.txt", test);
  return {
    dir,
    trainTokens: tokenCount(train),
    validTokens: tokenCount(valid),
    testTokens: tokenCount(test),
  };
}
