// Shared plumbing for benchmarks: where ../shared is, running the peers' scripts and embedlm's own
// measured runs under the same lock and /usr/bin/time, and the final JSON line with its targets.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (benchmarks run from dist/bench/...). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** `../shared` beside the checkout (or $EMBEDLM_SHARED); throws a clear error when absent. */
export function sharedDir(): string {
  const dir = process.env.EMBEDLM_SHARED ?? join(repoRoot, "..", "shared");
  if (!existsSync(join(dir, "data"))) {
    throw new Error(`benchmarks need the shared data and peers at ${dir} (set EMBEDLM_SHARED to override)`);
  }
  return dir;
}

/** The path of a file under shared/data. */
export function sharedData(rel: string): string {
  return join(sharedDir(), "data", rel);
}

/**
 * The lock every measured run holds, so that benchmarks never overlap: $EMBEDLM_BENCH_LOCK, else
 * /tmp/bench.lock (the peers' scripts take the same file: runPeer passes it on as their $LOCK).
 */
export function benchLock(): string {
  return process.env.EMBEDLM_BENCH_LOCK ?? "/tmp/bench.lock";
}

/** The last line of `text` that parses as a JSON object, or {}. */
export function lastJson(text: string): Record<string, unknown> {
  const lines = text.trim().split("\n").reverse();
  for (const line of lines) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      return JSON.parse(t) as Record<string, unknown>;
    } catch {}
  }
  return {};
}

/**
 * Runs one of shared/bench/peers' scripts (e.g. "run_w2v.sh", ["5", "sg"]) and returns the JSON
 * lines it printed (one per run). The scripts take the bench lock themselves (config.sh's $LOCK).
 */
export function runPeer(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Record<string, unknown>[] {
  const path = join(sharedDir(), "bench", "peers", script);
  const r = spawnSync("bash", [path, ...args], {
    encoding: "utf8",
    env: { ...process.env, LOCK: benchLock(), ...env },
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`${script} exited with ${r.status}: ${r.stderr.slice(-2000)}`);
  const out: Record<string, unknown>[] = [];
  for (const line of r.stdout.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    try {
      out.push(JSON.parse(t) as Record<string, unknown>);
    } catch {}
  }
  return out;
}

export interface TimedRun {
  /** Wall-clock seconds of the whole process. */
  wallSeconds: number;
  /** Peak resident set size in MB. */
  peakRssMb: number;
  /** The last JSON object the process printed on stdout. */
  json: Record<string, unknown>;
  stdout: string;
  /** The exit status (0 unless the caller accepted another). */
  status: number;
}

/**
 * Runs a command under `flock` on the bench lock and `/usr/bin/time -v`, the way the peers' scripts
 * run theirs, so wall time and peak memory compare. `flock -o` closes the lock's descriptor in the
 * command, so a child it leaves behind does not hold the lock after the command ends.
 */
export function runTimed(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  accept: readonly number[] = [0],
): TimedRun {
  const timeFile = `/tmp/embedlm-bench-${process.pid}-${Date.now()}.time`;
  const r = spawnSync("flock", ["-o", benchLock(), "/usr/bin/time", "-v", "-o", timeFile, cmd, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 28,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let t: string;
  try {
    if (r.status === null || !accept.includes(r.status))
      throw new Error(
        `${cmd} ${args.join(" ").slice(0, 200)} exited with ${r.status ?? r.error ?? r.signal}`,
      );
    t = readFileSync(timeFile, "utf8");
  } finally {
    rmSync(timeFile, { force: true });
  }
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(t);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/.exec(t);
  let secs = Number.NaN;
  if (wall) {
    const p = wall[1].split(":").map(Number);
    secs = p[p.length - 1] + 60 * p[p.length - 2] + (p.length > 2 ? 3600 * p[0] : 0);
  }
  return {
    wallSeconds: secs,
    peakRssMb: rss ? Number(rss[1]) / 1024 : Number.NaN,
    json: lastJson(r.stdout),
    stdout: r.stdout,
    status: r.status as number,
  };
}

export interface Target {
  name: string;
  value: number;
  target: number;
  op: ">=" | "<=";
  met: boolean;
}

/** One target of an issue, with `met` computed honestly from the measured value. */
export function target(name: string, value: number, targetValue: number, op: ">=" | "<="): Target {
  // A field missing from a failed run's JSON arrives here as undefined: report it as NaN (null).
  const v = typeof value === "number" ? value : Number.NaN;
  const met = Number.isFinite(v) && (op === ">=" ? v >= targetValue : v <= targetValue);
  return { name, value: round(v), target: targetValue, op, met };
}

/** A target this run does not measure (a mode or option skips it, a peer cannot): not met, and why. */
export function notMeasured(
  name: string,
  targetValue: number,
  op: ">=" | "<=",
  note: string,
): Target & { note: string } {
  return { name, value: Number.NaN, target: targetValue, op, met: false, note };
}

/**
 * A figure the issue asks to report without a threshold: target null, met when it was measured (a
 * finite number) under the conditions the issue sets for it, each a target of its own in the line
 * (e.g. trained within a time budget): a figure measured outside them is reported, not met.
 */
export function reported(
  name: string,
  value: number,
  note: string,
  conditions: readonly Target[] = [],
): Target & { note: string } {
  const met = Number.isFinite(value) && conditions.every((c) => c.met);
  return { name, value: round(value), target: Number.NaN, op: "<=", met, note };
}

/** Why measurements of this run failed, and which, for the final line. */
const failures: string[] = [];
const failed: string[] = [];

/** What a failed runTimed stands for: nothing measured. */
export const failedRun: TimedRun = {
  wallSeconds: Number.NaN,
  peakRssMb: Number.NaN,
  json: {},
  stdout: "",
  status: -1,
};

/**
 * Runs one measurement (a peer's script, a timed process); when it throws (a peer not installed or
 * crashing, /usr/bin/time missing), records why and returns `fallback`, so the benchmark still prints
 * its final line, the targets that needed it unmet (NaN) with the reason in `failures`.
 */
export function measure<T>(what: string, run: () => T, fallback: T): T {
  try {
    return run();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`FAILED ${what}: ${message}\n`);
    // The first line says what exited; a peer's stderr tail ends with its error (a Python traceback's
    // last line).
    const lines = message.split("\n").filter((l) => l.trim() !== "");
    const why =
      lines.length > 1 ? `${lines[0].slice(0, 200)} ... ${lines[lines.length - 1]}` : (lines[0] ?? "");
    failures.push(`${what}: ${why.slice(0, 400)}`);
    failed.push(what);
    return fallback;
  }
}

export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x)) return x;
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}

/**
 * Prints the benchmark's final line: one JSON object whose `targets` lists every target of its issue.
 * When measurements failed (see measure), the line lists why, and each target left without a value
 * says so in its note.
 */
export function report(bench: string, results: Record<string, unknown>, targets: Target[]): void {
  const noted = targets.map((t) =>
    failures.length > 0 && !(Number.isFinite(t.value) && Number.isFinite(t.target)) && !("note" in t)
      ? { ...t, note: `not measured: failed runs (see failures): ${failed.join(", ")}` }
      : t,
  );
  const why = failures.length > 0 ? { failures } : {};
  process.stdout.write(`${JSON.stringify({ bench, ...results, ...why, targets: noted })}\n`);
}
