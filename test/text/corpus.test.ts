import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { openCorpus, textCorpus } from "../../src/text/corpus.js";
import { sentences } from "../../src/text/sentences.js";
import { Tokenizer } from "../../src/text/tokenizer.js";
import { Rng } from "../../src/util/rng.js";
import { tempDir } from "../helpers/tmp.js";

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test("files, directories (recursive, text only), gzip, CRLF, restartable passes", async () => {
  const dir = tempDir("embedlm-corpus-");
  await mkdir(join(dir, "d", "sub"), { recursive: true });
  await writeFile(join(dir, "a.txt"), "one two\r\nthree\n");
  await writeFile(join(dir, "d", "b.txt"), "b line");
  await writeFile(join(dir, "d", "sub", "c.txt.gz"), gzipSync("gz line 1\ngz line 2\n"));
  await writeFile(join(dir, "d", "sub", "img.bin"), Buffer.from([1, 0, 2, 0, 3]));
  await writeFile(join(dir, "d", ".hidden"), "secret\n");
  const c = await openCorpus([join(dir, "a.txt"), join(dir, "d")]);
  assert.equal(c.totalBytes, 15 + 6 + (await readFile(join(dir, "d", "sub", "c.txt.gz"))).length);
  const want = ["one two", "three", "b line", "gz line 1", "gz line 2"];
  let last = 0;
  assert.deepEqual(await collect(c.lines((n) => (last = n))), want);
  assert.equal(last, c.totalBytes);
  assert.deepEqual(await collect(c.lines()), want, "a second pass reads the same lines");
});

test("multi-byte characters across chunk boundaries and very long lines", async () => {
  const dir = tempDir("embedlm-corpus-");
  const rng = new Rng(1);
  const words = ["été", "мир", "嵌入", "🙂", "word"];
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    lines.push(Array.from({ length: 1 + rng.int(40) }, () => words[rng.int(words.length)]).join(" "));
  }
  const text = `${lines.join("\n")}\n`;
  await writeFile(join(dir, "m.txt"), text);
  assert.deepEqual(await collect((await openCorpus([join(dir, "m.txt")])).lines()), lines);
  // One 200k-character line, cut at spaces into pieces of at most 10k characters, no word split.
  const long = Array.from({ length: 40000 }, (_, i) => `w${i % 97}`).join(" ");
  await writeFile(join(dir, "long.txt"), long);
  const pieces = await collect((await openCorpus([join(dir, "long.txt")], { maxLineLength: 10000 })).lines());
  assert.ok(pieces.length >= 15, `${pieces.length} pieces`);
  for (const p of pieces) assert.ok(p.length <= 10000);
  assert.deepEqual(pieces.join(" ").split(/\s+/).filter(Boolean), long.split(" "));
  // Newline-terminated long lines: one inside the first 1 MiB read, one straddling the second read.
  const short = Array.from({ length: 30000 }, (_, i) => `line ${i}`);
  const bytesBefore = Buffer.byteLength(`${short.join("\n")}\n${long}\n`);
  const filler = Array.from({ length: Math.floor((1048576 - bytesBefore - 5000) / 8) }, () => "filler.");
  const content = [...short.slice(0, 3), long, ...short.slice(3), ...filler, long, "end"];
  await writeFile(join(dir, "nl.txt"), `${content.join("\n")}\r\n`);
  const straddleAt = Buffer.byteLength(`${content.slice(0, -2).join("\n")}\n`);
  assert.ok(
    straddleAt < 1048576 && straddleAt + long.length > 1048576,
    "the second long line straddles 1 MiB",
  );
  const got = await collect((await openCorpus([join(dir, "nl.txt")], { maxLineLength: 10000 })).lines());
  for (const p of got) assert.ok(p.length <= 10000, `a line of ${p.length} characters`);
  assert.deepEqual(got.slice(0, 3), short.slice(0, 3));
  assert.equal(got.at(-1), "end");
  const longPieces = got.filter((l) => l.includes("w1 "));
  assert.ok(longPieces.length >= 2 * Math.ceil(long.length / 10000), `${longPieces.length} pieces`);
  assert.deepEqual(got.join(" ").split(/\s+/).filter(Boolean), content.join(" ").split(" "));
});

test("invalid UTF-8 is replaced and counted with a warning naming file and line", async () => {
  const dir = tempDir("embedlm-corpus-");
  const p = join(dir, "bad.txt");
  await writeFile(
    p,
    Buffer.concat([
      Buffer.from("ok\nfine \ufffd here\nbad "),
      Buffer.from([0xff, 0xc3]),
      Buffer.from(" x\nend\xe9"),
    ]),
  );
  const warnings: string[] = [];
  const lines = await collect((await openCorpus([p], { onWarning: (w) => warnings.push(w) })).lines());
  assert.deepEqual(lines, ["ok", "fine \ufffd here", "bad \ufffd\ufffd x", "end\u00e9"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /bad\.txt: line 3: 2 invalid UTF-8 sequence\(s\) replaced/);
  // A sequence cut off by the end of the file.
  await writeFile(p, Buffer.from([0x61, 0xe5, 0x98]));
  const w2: string[] = [];
  assert.deepEqual(await collect((await openCorpus([p], { onWarning: (w) => w2.push(w) })).lines()), [
    "a\ufffd",
  ]);
  assert.match(w2[0], /line 1: 1 invalid/);
});

test("clear errors: missing file, directory without text, binary file, stdin read twice", async () => {
  const dir = tempDir("embedlm-corpus-");
  await assert.rejects(openCorpus([join(dir, "nope.txt")]), /nope\.txt: no such file or directory/);
  await mkdir(join(dir, "empty"));
  await writeFile(join(dir, "empty", "x.bin"), Buffer.from([0, 1, 2]));
  await assert.rejects(openCorpus([join(dir, "empty")]), /empty: the directory holds no text files/);
  await assert.rejects(openCorpus([join(dir, "empty", "x.bin")]), /x\.bin: this is a binary file/);
  await writeFile(join(dir, "fake.gz"), "not gzip at all");
  await assert.rejects(
    collect((await openCorpus([join(dir, "fake.gz")])).lines()),
    /fake\.gz: not a valid gzip/,
  );
  const c = await openCorpus(["-"], { stdin: Readable.from([Buffer.from("from stdin\nline 2")]) });
  assert.equal(c.totalBytes, undefined);
  assert.deepEqual(await collect(c.lines()), ["from stdin", "line 2"]);
  assert.throws(() => c.lines(), /stdin can be read only once/);
});

test("sentences: tokenized lines, empty ones skipped, long ones cut like gensim", async () => {
  const c = textCorpus(["a b c d e\n\n f g", "h"]);
  const t = new Tokenizer({ mode: "whitespace" });
  const got: string[][] = [];
  for await (const s of sentences(c, t, { maxSentenceLength: 2 })) got.push(s);
  assert.deepEqual(got, [["a", "b"], ["c", "d"], ["e"], ["f", "g"], ["h"]]);
  const split: string[][] = [];
  const doc = textCorpus(["Call me Ishmael. Some years ago, Mr. Smith left! Why?", "你好。今天天气很好！"]);
  for await (const s of sentences(doc, new Tokenizer(), { splitSentences: true })) split.push(s);
  assert.deepEqual(split.slice(0, 3), [
    ["Call", "me", "Ishmael"],
    ["Some", "years", "ago", "Mr", "Smith", "left"],
    ["Why"],
  ]);
  assert.equal(split.length, 5, "the Chinese line splits at 。 too");
});

test("reading a large corpus stays in bounded memory", async () => {
  // 48 MB: one 24 MB line (text8-style), then lines of 20 words. A child process with a 48 MB heap
  // counts its words; holding the file in memory would exceed that heap.
  const dir = tempDir("embedlm-mem-");
  const path = join(dir, "big.txt");
  const words = Array.from({ length: 5000 }, (_, i) => `w${(i * 7919) % 3001}`);
  const longBlock = Buffer.from(`${words.join(" ")} `);
  const shortBlock = Buffer.from(words.map((w, i) => (i % 20 === 19 ? `${w}\n` : `${w} `)).join(""));
  const out = createWriteStream(path);
  let bytes = 0;
  let expected = 0;
  const size = 48 << 20;
  while (bytes < size) {
    const block = bytes < size / 2 ? longBlock : shortBlock;
    if (!out.write(block)) await new Promise<void>((r) => out.once("drain", () => r()));
    bytes += block.length;
    expected += words.length;
  }
  await new Promise<void>((r) => out.end(() => r()));
  const script = fileURLToPath(new URL("../helpers/count-words.js", import.meta.url));
  const r = spawnSync(process.execPath, ["--max-old-space-size=48", script, path], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim().split("\n").pop()!) as { words: number; rssMb: number };
  assert.equal(res.words, expected);
  assert.ok(res.rssMb < 200, `peak RSS ${res.rssMb} MB`);
});
