import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { withAtomicStream, writeAtomicWith, writeChunk, writeFileAtomic } from "../../src/util/atomic.js";
import { checkInt, EmbedlmError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir } from "../helpers/tmp.js";

test("Rng is reproducible from its seed and uniform enough", () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const c = new Rng(43);
  const xs = Array.from({ length: 1000 }, () => a.nextU32());
  assert.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b.nextU32()),
  );
  assert.notDeepEqual(
    xs.slice(0, 10),
    Array.from({ length: 10 }, () => c.nextU32()),
  );
  // 10 buckets, 100k draws: chi-square with 9 dof stays below 27.9 (p = 0.001).
  const r = new Rng(7);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) counts[r.int(10)]++;
  const chi = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
  assert.ok(chi < 27.9, `chi-square ${chi}`);
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < 100_000; i++) {
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  assert.ok(Math.abs(sum / 100_000) < 0.02);
  assert.ok(Math.abs(sq / 100_000 - 1) < 0.03);
});

/** A fresh directory holding out.txt = "old". */
async function oldFile(): Promise<{ dir: string; path: string }> {
  const dir = tempDir("embedlm-");
  const path = join(dir, "out.txt");
  await writeFile(path, "old");
  return { dir, path };
}

test("atomic writes leave the old file on failure and no temporary files", async () => {
  const { dir, path } = await oldFile();
  await assert.rejects(
    withAtomicStream(path, async (out) => {
      out.write("partial");
      throw new EmbedlmError("boom");
    }),
    /boom/,
  );
  assert.equal(await readFile(path, "utf8"), "old");
  await writeFileAtomic(path, "new");
  assert.equal(await readFile(path, "utf8"), "new");
  await withAtomicStream(path, async (out) => {
    out.write("streamed");
  });
  assert.equal(await readFile(path, "utf8"), "streamed");
  // A writer that takes only a file name (a library's save(path)) fails after writing a part.
  await assert.rejects(
    writeAtomicWith(path, async (tmp) => {
      await writeFile(tmp, "partial");
      throw new Error("disk full");
    }),
    (e: Error) => e instanceof EmbedlmError && /disk full/.test(e.message),
  );
  assert.equal(await readFile(path, "utf8"), "streamed");
  await writeAtomicWith(path, (tmp) => writeFile(tmp, "named"));
  assert.equal(await readFile(path, "utf8"), "named");
  assert.deepEqual(await readdir(dir), ["out.txt"]);
  await assert.rejects(writeFileAtomic(join(dir, "out.txt", "x"), "y"), EmbedlmError);
});

test("a write that fails under withAtomicStream keeps the old file, even when nobody awaited it", async () => {
  const { dir, path } = await oldFile();
  // fs streams destroy themselves with the error of a failed write (ENOSPC, EIO): the same state.
  await assert.rejects(
    withAtomicStream(path, async (out) => {
      out.write("partial");
      out.destroy(new Error("ENOSPC: no space left on device"));
    }),
    (e: Error) => e instanceof EmbedlmError && /ENOSPC/.test(e.message),
  );
  assert.equal(await readFile(path, "utf8"), "old");
  // writeChunk rejects instead of waiting for a drain that never comes.
  await assert.rejects(
    withAtomicStream(path, async (out) => {
      out.destroy(new Error("EIO: i/o error"));
      for (let i = 0; i < 100; i++) await writeChunk(out, "x".repeat(1 << 16));
    }),
    /EIO/,
  );
  assert.equal(await readFile(path, "utf8"), "old");
  assert.deepEqual(await readdir(dir), ["out.txt"]);
});

test("checkInt names the field and the expected range", () => {
  assert.equal(checkInt("dim", 5, 1), 5);
  assert.throws(() => checkInt("dim", 0, 1), /dim: expected an integer >= 1, got 0/);
  assert.throws(() => checkInt("window", 2.5, 0, 10), /window: expected an integer in \[0, 10\], got 2.5/);
});
