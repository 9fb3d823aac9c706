// Runs gensim (Debian python3-gensim, /usr/bin/python3) for differential tests; tests skip with a
// clear message when it is not installed.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const PYTHON = "/usr/bin/python3";

let available: boolean | undefined;

/** A `skip` option for node:test: a message when gensim cannot be imported, or false to run. */
export function skipWithoutGensim(): string | false {
  if (available === undefined) {
    available = spawnSync(PYTHON, ["-c", "import gensim, scipy"], { stdio: "ignore" }).status === 0;
  }
  return available
    ? false
    : "needs gensim: apt-get install python3-gensim (import gensim failed in /usr/bin/python3)";
}

/** Sends one request to test/vectors/gensim_ref.py and returns its JSON answer. */
export function gensim<T>(request: Record<string, unknown>): T {
  const script = join(repoRoot, "test", "vectors", "gensim_ref.py");
  const r = spawnSync(PYTHON, [script], {
    input: JSON.stringify(request),
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`gensim_ref.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** gensim_ref.py's answer to an "eval" request: one entry per pairs file and per analogies file. */
export interface GensimEval {
  pairs: Array<{ pearson: number; spearman: number; oov_ratio: number }>;
  analogies: Array<{
    score: number;
    sections: Array<{ section: string; correct: string[][]; incorrect: string[][] }>;
  }>;
}
