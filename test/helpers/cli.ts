// Runs the built CLI (dist/src/cli/main.js) as a child process, the way a user would.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const cliPath = join(process.cwd(), "dist", "src", "cli", "main.js");

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (what `--json` prints), or {}. */
  json: Record<string, unknown>;
}

export function runCli(...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [cliPath, ...args], { encoding: "utf8" });
  const lines = r.stdout.trim().split("\n");
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {}
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}
