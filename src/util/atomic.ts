import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, open, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { EmbedlmError } from "./errors.js";

/** A temporary name beside `path`, so the final rename stays on one file system. */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

async function ensureDir(path: string): Promise<void> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (e) {
    throw new EmbedlmError(`cannot create the output directory: ${(e as Error).message}`, { file: path });
  }
}

/**
 * Renames the finished temporary file over `path`, then syncs the directory so that the rename
 * itself survives a crash (a checkpoint is often a run's only resume point). Directories cannot be
 * opened for syncing on every platform (Windows); there the rename is as durable as the OS makes it.
 */
async function commit(tmp: string, path: string): Promise<void> {
  await rename(tmp, path);
  let dir: Awaited<ReturnType<typeof open>> | undefined;
  try {
    dir = await open(dirname(path), "r");
    await dir.sync();
  } catch {
    // best effort, see above
  } finally {
    await dir?.close();
  }
}

/**
 * Writes `data` to `path` so that readers see the old file or the whole new one, never a part:
 * the data goes to a temporary name beside it, is flushed to the disk, and is renamed over it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeAtomicWith(path, (tmp) => writeFile(tmp, data, { flush: true }));
}

/**
 * As writeFileAtomic, for writers that only take a file name (a library's own `save(path)`):
 * `write` writes the whole file at the temporary name it is given, which is then renamed to `path`.
 */
export async function writeAtomicWith(
  path: string,
  write: (tmp: string) => void | Promise<void>,
): Promise<void> {
  await ensureDir(path);
  const tmp = tempName(path);
  try {
    await write(tmp);
    await commit(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new EmbedlmError(`cannot write: ${(e as Error).message}`, { file: path });
  }
}

/**
 * Streams output to a temporary file and renames it to `path` only after `produce` succeeds and
 * every byte reached the disk; on any failure (of `produce` or of a write, even one that `produce`
 * did not wait for) the temporary file is removed and `path` is left as it was.
 */
export async function withAtomicStream(
  path: string,
  produce: (out: WriteStream) => Promise<void>,
): Promise<void> {
  await ensureDir(path);
  const tmp = tempName(path);
  const out = createWriteStream(tmp, { flush: true });
  // A failed write destroys the stream and records the error in `out.errored`; the listener only
  // keeps the 'error' event, which nobody may be awaiting, from crashing the process.
  out.on("error", () => {});
  try {
    await once(out, "open");
  } catch (e) {
    throw new EmbedlmError(`cannot write: ${(e as Error).message}`, { file: path });
  }
  try {
    await produce(out);
    if (out.errored) throw out.errored;
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    await commit(tmp, path);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    if (e instanceof EmbedlmError) throw e;
    throw new EmbedlmError(`cannot write: ${(out.errored ?? (e as Error)).message}`, { file: path });
  }
}

/**
 * Writes a chunk and waits for the stream to drain when its buffer is full; rejects when the
 * stream has failed, which never drains.
 */
export async function writeChunk(out: WriteStream, chunk: string | Uint8Array): Promise<void> {
  if (out.errored) throw out.errored;
  if (out.destroyed) throw new Error("write after the output was closed");
  if (!out.write(chunk)) await once(out, "drain");
}
