import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
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
 * Writes `data` to `path` so that readers see the old file or the whole new one, never a part:
 * the data goes to a temporary name beside it and is renamed over it when complete.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await ensureDir(path);
  const tmp = tempName(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new EmbedlmError(`cannot write: ${(e as Error).message}`, { file: path });
  }
}

/**
 * Streams output to a temporary file and renames it to `path` only after `produce` succeeds;
 * on any failure the temporary file is removed and `path` is left as it was.
 */
export async function withAtomicStream(
  path: string,
  produce: (out: WriteStream) => Promise<void>,
): Promise<void> {
  await ensureDir(path);
  const tmp = tempName(path);
  const out = createWriteStream(tmp);
  const opened = new Promise<void>((resolve, reject) => {
    out.once("open", () => resolve());
    out.once("error", reject);
  });
  try {
    await opened;
  } catch (e) {
    throw new EmbedlmError(`cannot write: ${(e as Error).message}`, { file: path });
  }
  try {
    await produce(out);
    await new Promise<void>((resolve, reject) => {
      out.once("error", reject);
      out.end(() => resolve());
    });
    await rename(tmp, path);
  } catch (e) {
    out.destroy();
    await rm(tmp, { force: true });
    if (e instanceof EmbedlmError) throw e;
    throw new EmbedlmError(`cannot write: ${(e as Error).message}`, { file: path });
  }
}

/** Writes a chunk and waits for the stream to drain when its buffer is full. */
export async function writeChunk(out: WriteStream, chunk: string | Uint8Array): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
}
