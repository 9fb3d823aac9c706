import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * Path of a file under ../shared/data (or $EMBEDLM_SHARED/data), or undefined when the shared data is
 * not there (a user's fresh machine). Quality tests pass the result to `skipUnless`.
 */
export function sharedData(rel: string): string | undefined {
  const dir = process.env.EMBEDLM_SHARED ?? join(repoRoot, "..", "shared");
  const p = join(dir, "data", rel);
  return existsSync(p) ? p : undefined;
}

/** A `skip` option for node:test: a message naming what is missing, or false to run. */
export function skipUnless(path: string | undefined, what: string): string | false {
  return path === undefined ? `needs ${what} from ../shared/data (absent on this machine)` : false;
}
