// Shared plumbing for benchmarks: where ../shared is, running the peers' scripts and embedlm's own
// measured runs under the same lock and /usr/bin/time, and the final JSON line with its targets.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
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
 * lines it printed (one per run). The scripts take /tmp/bench.lock themselves.
 */
export function runPeer(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Record<string, unknown>[] {
  const path = join(sharedDir(), "bench", "peers", script);
  const r = spawnSync("bash", [path, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
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
 * Runs a command under `flock /tmp/bench.lock` and `/usr/bin/time -v`, the way the peers' scripts
 * run theirs, so wall time and peak memory compare.
 */
export function runTimed(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  accept: readonly number[] = [0],
): TimedRun {
  const timeFile = `/tmp/embedlm-bench-${process.pid}-${Date.now()}.time`;
  const r = spawnSync("flock", ["/tmp/bench.lock", "/usr/bin/time", "-v", "-o", timeFile, cmd, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 1 << 28,
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (r.status === null || !accept.includes(r.status))
    throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status ?? r.signal}`);
  const t = readFileSync(timeFile, "utf8");
  execFileSync("rm", ["-f", timeFile]);
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
    status: r.status,
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
  const met = Number.isFinite(value) && (op === ">=" ? value >= targetValue : value <= targetValue);
  return { name, value: round(value), target: targetValue, op, met };
}

export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x)) return x;
  const m = 10 ** digits;
  return Math.round(x * m) / m;
}

/** Prints the benchmark's final line: one JSON object whose `targets` lists every target of its issue. */
export function report(bench: string, results: Record<string, unknown>, targets: Target[]): void {
  process.stdout.write(`${JSON.stringify({ bench, ...results, targets })}\n`);
}
