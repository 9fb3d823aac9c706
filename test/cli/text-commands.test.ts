import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { commandModules } from "../../src/cli/commands/index.js";
import { Vocab } from "../../src/vocab/vocab.js";
import { tempDir } from "../helpers/tmp.js";

const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: "utf8", input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("tokenize: stdin to stdout, --json last line, --help with examples", () => {
  const r = run(["tokenize", "--lowercase", "--json"], "嵌入技术在语言模型中的作用\nHello, World!\n");
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  assert.deepEqual(lines[0].split(" ").slice(0, 2), ["嵌入", "技术"]);
  assert.equal(lines[1], "hello world");
  assert.deepEqual(JSON.parse(lines[2]), { lines: 2, tokens: lines[0].split(" ").length + 2, output: null });
  const bad = run(["tokenize", "--sentences", "--locale", "zz-invalid-@@"], "a b\n");
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--locale: expected a BCP 47 language tag .* got 'zz-invalid-@@'/);
  const h = run(["tokenize", "--help"]);
  assert.equal(h.code, 0);
  assert.match(h.out, /Examples:\n {2}echo/);
});

test("every command's --help shows examples, the command groups' too", async () => {
  const modules = await Promise.all(Object.values(commandModules).map((load) => load()));
  const paths: string[][] = [];
  const walk = (cmd: Command, path: string[]) => {
    for (const sub of cmd.commands) {
      paths.push([...path, sub.name()]);
      walk(sub, [...path, sub.name()]);
    }
  };
  // main.js runs the CLI when imported, so the command tree is built here from the same modules.
  const program = new Command();
  for (const m of modules) m.register(program);
  walk(program, []);
  assert.ok(
    paths.some((p) => p.join(" ") === "lm generate"),
    JSON.stringify(paths),
  );
  for (const path of paths) {
    const h = run([...path, "--help"]);
    assert.equal(h.code, 0, `${path.join(" ")}: ${h.err}`);
    assert.match(h.out, /\nExamples:\n {2}embedlm|\nExamples:\n {2}echo/, `embedlm ${path.join(" ")} --help`);
  }
});

test("vocab: counts match an independent count; file in word2vec format", async () => {
  const dir = tempDir("embedlm-cli-");
  const text = "b a b c\nb a d\n\nc b\n";
  await writeFile(join(dir, "c.txt"), text);
  const out = join(dir, "v.txt");
  const r = run(["vocab", join(dir, "c.txt"), "--min-count", "2", "-o", out, "--json", "--quiet"]);
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out.trim().split("\n").pop()!);
  assert.equal(res.tokens, 9);
  assert.equal(res.size, 3);
  const v = await Vocab.load(out);
  assert.deepEqual(v.words, ["b", "a", "c"]);
  assert.deepEqual(Array.from(v.counts), [4, 2, 2]);
  // word2vec.c's -save-vocab starts with "</s>": one per "\n" it reads (the blank line's too).
  const lineBreaks = text.split("").filter((ch) => ch === "\n").length;
  assert.equal((await readFile(out, "utf8")).split("\n")[0], `</s> ${lineBreaks}`);
  assert.equal(v.sentenceBreaks, 4);
  const ws = run([
    "vocab",
    join(dir, "c.txt"),
    "--mode",
    "whitespace",
    "--min-count",
    "1",
    "--specials",
    "<unk>",
    "-o",
    out,
    "--json",
    "-q",
  ]);
  assert.equal(JSON.parse(ws.out.trim()).size, 5);
  assert.equal((await readFile(out, "utf8")).split("\n")[0], `</s> ${lineBreaks}`, "byte-level path");
  // A word2vec.c-style file (</s> first) and one without it read to the same words.
  await writeFile(join(dir, "w2v.txt"), "</s> 4\nb 4\na 2\nc 2\n");
  await writeFile(join(dir, "plain.txt"), "b 4\na 2\nc 2\n");
  for (const f of ["w2v.txt", "plain.txt"]) {
    const r = await Vocab.load(join(dir, f));
    assert.deepEqual([r.words, Array.from(r.counts)], [v.words, Array.from(v.counts)], f);
  }
});

test("bad input: missing file, dir without text, binary file, empty corpus, unknown option, bad values", async () => {
  const dir = tempDir("embedlm-cli-");
  const out = join(dir, "out.txt");
  let r = run(["vocab", join(dir, "missing.txt"), "-o", out]);
  assert.equal(r.code, 1);
  assert.match(r.err, /embedlm: error: .*missing\.txt: no such file or directory/);
  await mkdir(join(dir, "nothing"));
  r = run(["vocab", join(dir, "nothing"), "-o", out]);
  assert.equal(r.code, 1);
  assert.match(r.err, /nothing: the directory holds no text files/);
  await writeFile(join(dir, "x.bin"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1]));
  r = run(["tokenize", join(dir, "x.bin"), "-o", out]);
  assert.equal(r.code, 1);
  assert.match(r.err, /x\.bin: this is a binary file/);
  await writeFile(join(dir, "empty.txt"), "  \n\n");
  r = run(["vocab", join(dir, "empty.txt"), "-o", out]);
  assert.equal(r.code, 1);
  assert.match(r.err, /empty\.txt: the corpus holds no words/);
  r = run(["vocab", join(dir, "empty.txt"), "--bogus"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown option '--bogus'/);
  r = run(["vocab", join(dir, "empty.txt"), "--min-count", "many"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--min-count: expected an integer >= 0, got 'many'/);
  r = run(["tokenize", "--numbers", "drop"], "x");
  assert.equal(r.code, 1);
  assert.match(r.err, /--numbers: expected one of keep, token, spell/);
  r = run(["vocab", join(dir, "empty.txt"), "--stopwords", "xx"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /unknown stopword language 'xx'/);
  await writeFile(join(dir, "rare.txt"), "a b c\n");
  r = run(["vocab", join(dir, "rare.txt"), "-o", out]);
  assert.equal(r.code, 1);
  assert.match(r.err, /no word occurs --min-count 5 times/);
  assert.ok(!existsSync(out), "no output file after a failure");
});

test("--mode whitespace refuses the flags it does not apply, naming flag and mode", () => {
  for (const flags of [
    ["--min-length", "2"],
    ["--max-length", "9"],
    ["--numbers", "spell"],
    ["--punctuation", "keep"],
    ["--strip-accents"],
    ["--no-normalize"],
    ["--no-urls"],
    ["--no-emails"],
  ]) {
    for (const command of ["tokenize", "vocab"]) {
      const r = run([command, "--mode", "whitespace", ...flags, "-"], "a b c\n");
      assert.equal(r.code, 1, `${command} ${flags.join(" ")}`);
      assert.match(r.err, new RegExp(`error: ${flags[0]}: does not apply to --mode whitespace`));
    }
  }
  // What the mode applies, and the defaults left alone, still work.
  const ok = run(["tokenize", "--mode", "whitespace", "--lowercase", "--stopwords", "en"], "The Cat, the\n");
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, "cat,\n");
});

test("vocab --phrases reads stdin '-' (two passes over a temporary copy) as it reads the file", async () => {
  const dir = tempDir("embedlm-cli-");
  const text = Array.from({ length: 30 }, (_, i) => `we went to new york in ${i % 4} days`).join("\n");
  await writeFile(join(dir, "c.txt"), text);
  const args = [
    "vocab",
    "--phrases",
    "--min-count",
    "1",
    "--phrase-min-count",
    "2",
    "--phrase-threshold",
    "0.1",
  ];
  args.push("--json", "-q");
  const fromStdin = run([...args, "-"], text);
  assert.equal(fromStdin.code, 0, fromStdin.err);
  const fromFile = run([...args, join(dir, "c.txt")]);
  assert.equal(fromFile.code, 0, fromFile.err);
  const a = JSON.parse(fromStdin.out.trim());
  const b = JSON.parse(fromFile.out.trim());
  assert.ok(a.phrases > 0, "some phrases found");
  assert.deepEqual([a.tokens, a.size, a.phrases], [b.tokens, b.size, b.phrases]);
});

test("invalid UTF-8 is a warning naming file and line; the run succeeds", async () => {
  const dir = tempDir("embedlm-cli-");
  const p = join(dir, "latin1.txt");
  await writeFile(
    p,
    Buffer.concat([Buffer.from("fine line\ncaf"), Buffer.from([0xe9]), Buffer.from(" au lait\n")]),
  );
  const r = run(["tokenize", "--mode", "whitespace", p]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "fine line\ncaf\ufffd au lait\n");
  assert.match(r.err, /warning: .*latin1\.txt: line 2: 1 invalid UTF-8 sequence\(s\) replaced with U\+FFFD/);
});

test("quickstart runs its tokenization step on the bundled corpus", () => {
  const r = run(["quickstart", "--steps", "tokenization", "--json"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /嵌入 \| 技术/);
  const res = JSON.parse(r.out.trim().split("\n").pop()!);
  const zh = res.tokenization.examples.find((e: { text: string }) => e.text.startsWith("嵌入"));
  assert.ok(zh.tokens.includes("语言"));
  const bad = run(["quickstart", "--steps", "nope"]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /unknown step 'nope'/);
});

test("a closed pipe (`embedlm ... | head`) ends the command quietly with exit code 0", () => {
  // `true` exits without reading, so the help text is written into a pipe nobody reads.
  const r = spawnSync(
    "bash",
    ["-c", `"${process.execPath}" "${main}" tokenize --help | true; exit \${PIPESTATUS[0]}`],
    {
      encoding: "utf8",
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /EPIPE/);
});
