// Commands that read their corpus more than once (training epochs, phrases then counts) cannot
// re-read a pipe: they copy stdin to a temporary file first and read that.
import { createWriteStream, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";

/**
 * Runs `fn` with each "-" of `paths` replaced by a temporary copy of stdin (all of stdin is read
 * first). The copy is removed when `fn` ends, throws, or the process is stopped by SIGINT/SIGTERM.
 * Without "-", `fn` gets the paths as they are and nothing is written.
 */
export async function withStdinSpooled<T>(
  paths: readonly string[],
  fn: (paths: string[]) => Promise<T>,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<T> {
  if (!paths.includes("-")) return fn([...paths]);
  const dir = await mkdtemp(join(tmpdir(), "embedlm-stdin-"));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  // Removes the copy, then lets the signal do what it would have done (end the process).
  const onSignal = (sig: NodeJS.Signals) => {
    remove();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.kill(process.pid, sig);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const file = join(dir, "stdin");
    await pipeline(stdin, createWriteStream(file));
    return await fn(paths.map((p) => (p === "-" ? file : p)));
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    remove();
  }
}
