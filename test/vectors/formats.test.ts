import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { EmbedlmError } from "../../src/util/errors.js";
import { Rng } from "../../src/util/rng.js";
import { roundToFloat16 } from "../../src/vectors/formats/data.js";
import { readNativeParallel } from "../../src/vectors/formats/native.js";
import { formatFloat32 } from "../../src/vectors/formats/text-rows.js";
import {
  detectFormat,
  KeyedVectors,
  loadVectors,
  readVectors,
  VECTOR_FORMATS,
  writeVectors,
} from "../../src/vectors/index.js";
import { tempDir } from "../helpers/tmp.js";
import { randomVectors } from "./fixtures.js";

const dir = tempDir("embedlm-vectors-");
const data = randomVectors(60, 13, 7);

function assertSameFloats(a: Float32Array, b: Float32Array): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) assert.fail(`value ${i}: ${a[i]} != ${b[i]}`);
}

describe("round trips", () => {
  for (const format of VECTOR_FORMATS) {
    test(`${format} writes and reads back the exact values, and is detected`, async () => {
      const file = join(dir, `rt.${format}`);
      await writeVectors(file, data, { format });
      const back = readVectors(file);
      assert.equal(back.format, format === "fasttext" ? "word2vec-text" : format);
      assert.deepEqual(back.words, data.words);
      assert.equal(back.dim, data.dim);
      assertSameFloats(back.vectors, data.vectors);
      const limited = readVectors(file, { limit: 5 });
      assert.deepEqual(limited.words, data.words.slice(0, 5));
      assertSameFloats(limited.vectors, data.vectors.subarray(0, 5 * data.dim));
    });
  }

  test("native float16 and int8 stay within their precision, and counts survive", async () => {
    const counts = Float64Array.from(data.words, (_, i) => 1000 - i);
    for (const dtype of ["float16", "int8"] as const) {
      const file = join(dir, `q.${dtype}`);
      await writeVectors(file, { ...data, counts }, { format: "native", dtype });
      const back = readVectors(file);
      assert.deepEqual(Array.from(back.counts!), Array.from(counts));
      for (let r = 0; r < data.words.length; r++) {
        let maxAbs = 0;
        for (let j = 0; j < data.dim; j++)
          maxAbs = Math.max(maxAbs, Math.abs(data.vectors[r * data.dim + j]));
        for (let j = 0; j < data.dim; j++) {
          const i = r * data.dim + j;
          const tol = dtype === "int8" ? maxAbs / 127 / 2 + 1e-6 : Math.abs(data.vectors[i]) / 1024 + 1e-7;
          assert.ok(Math.abs(back.vectors[i] - data.vectors[i]) <= tol, `${dtype} row ${r} col ${j}`);
        }
      }
    }
  });

  test("dtype float16 on load rounds every value to the nearest float16", async () => {
    const file = join(dir, "f16.txt");
    await writeVectors(file, data, { format: "word2vec-text" });
    const back = readVectors(file, { dtype: "float16" });
    for (let i = 0; i < data.vectors.length; i++) {
      assert.equal(back.vectors[i], roundToFloat16(data.vectors[i]));
    }
    // Independent checks of the float16 rounding: exact values, ties to even, overflow.
    assert.equal(roundToFloat16(1 + 2 ** -11), 1);
    assert.equal(roundToFloat16(1 + 3 * 2 ** -11), 1 + 2 ** -9);
    assert.equal(roundToFloat16(65504), 65504);
    assert.equal(roundToFloat16(70000), Number.POSITIVE_INFINITY);
    assert.equal(roundToFloat16(2 ** -24), 2 ** -24);
  });

  test("formatFloat32 prints the shortest decimal that reads back as the same float32", () => {
    const rng = new Rng(3);
    for (let i = 0; i < 2000; i++) {
      const v = Math.fround((rng.next() - 0.5) * 10 ** rng.int(12) * 10 ** -rng.int(12));
      const s = formatFloat32(v);
      assert.equal(Math.fround(Number(s)), v, s);
      const digits = s.replace(/e.*$/, "").replace(/[-.]/g, "").replace(/^0+/, "");
      if (digits.length > 1) {
        const shorter = Number(v.toPrecision(digits.length - 1));
        assert.notEqual(Math.fround(shorter), v, `${s} is not the shortest`);
      }
    }
    assert.equal(formatFloat32(0.5), "0.5");
    assert.equal(formatFloat32(Math.fround(0.1)), "0.1");
  });

  test("text reading accepts CRLF, tabs, trailing spaces, exponents and a final line without newline", () => {
    const file = join(dir, "loose.txt");
    writeFileSync(file, "3 2\r\nalpha 1e-3\t-2.5E+2 \r\nbeta +0.125 7\r\ngamma .5 -0.0");
    const back = readVectors(file);
    assert.deepEqual(back.words, ["alpha", "beta", "gamma"]);
    assert.deepEqual(Array.from(back.vectors), [Math.fround(0.001), -250, 0.125, 7, 0.5, -0]);
    const glove = join(dir, "glove.txt");
    writeFileSync(glove, "the 0.1 0.2 0.3\nof -1 -2 -3\n\n");
    const g = readVectors(glove);
    assert.equal(g.format, "glove");
    assert.equal(g.dim, 3);
    assert.deepEqual(g.words, ["the", "of"]);
  });

  test("a UTF-8 byte order mark before the first line is skipped (word2vec text and GloVe)", () => {
    const file = join(dir, "bom.txt");
    for (const [body, format] of [
      ["2 2\nalpha 1 2\nbeta 3 4\n", "word2vec-text"],
      ["alpha 1 2\nbeta 3 4\n", "glove"],
    ]) {
      writeFileSync(file, `\uFEFF${body}`);
      const back = readVectors(file);
      assert.equal(back.format, format);
      assert.deepEqual(back.words, ["alpha", "beta"]);
      assert.deepEqual(Array.from(back.vectors), [1, 2, 3, 4]);
    }
  });

  test("a directory given as a vector file is an error naming it", () => {
    assert.throws(
      () => readVectors(dir),
      (e: unknown) => e instanceof EmbedlmError && e.message.startsWith(`${dir}: cannot read: EISDIR`),
    );
  });

  test("a text file whose first words are not ASCII is detected as text, a binary one as binary", async () => {
    const file = join(dir, "zh.txt");
    writeFileSync(file, "3 3\n中文 1 2 3\n日本語 4 5 6\n词 7 8 9\n");
    assert.equal(detectFormat(file), "word2vec-text");
    const back = readVectors(file);
    assert.deepEqual(back.words, ["中文", "日本語", "词"]);
    assert.deepEqual(Array.from(back.vectors), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // A row of numbers of the wrong length is still text: the reader names the line.
    writeFileSync(file, "2 3\n中文 1 2\n日本語 4 5 6\n");
    assert.equal(detectFormat(file), "word2vec-text");
    assert.throws(() => readVectors(file), /line 2: expected 3 values after the word, found 2/);
    // So is a short row with a field that is not a number, followed by more non-ASCII words.
    writeFileSync(file, "2 3\n中文 1 x\n日本語 4 5 6\n");
    assert.equal(detectFormat(file), "word2vec-text");
    assert.throws(() => readVectors(file), /line 2: /);
    // Binary rows whose float bytes hold a newline early, after a space or a digit, stay binary.
    for (const bits of [0x3f80000a, 0x3f0a3120, 0x0a203120]) {
      const bin = join(dir, "nl.bin");
      const vectors = Float32Array.from(data.vectors);
      new Uint32Array(vectors.buffer)[0] = bits;
      await writeVectors(bin, { ...data, vectors }, { format: "word2vec-binary" });
      assert.equal(detectFormat(bin), "word2vec-binary", bits.toString(16));
    }
  });

  test("long mantissas and large exponents parse like Number()", () => {
    const file = join(dir, "long.txt");
    const vals = ["0.12345678901234567890", "-1.5e-30", "3.4e38", "123456789012345678", "1e-45"];
    writeFileSync(file, `1 ${vals.length}\nw ${vals.join(" ")}\n`);
    const back = readVectors(file);
    assert.deepEqual(
      Array.from(back.vectors),
      vals.map((v) => Math.fround(Number(v))),
    );
  });
});

describe("bad input", () => {
  function expectError(
    content: string | Buffer,
    pattern: RegExp,
    opts: Parameters<typeof readVectors>[1] = {},
  ) {
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, content);
    assert.throws(
      () => readVectors(file, opts),
      (e: unknown) => {
        assert.ok(e instanceof EmbedlmError, String(e));
        assert.match(e.message, pattern);
        assert.ok(e.message.startsWith(file), e.message);
        return true;
      },
    );
  }

  test("text: header promises more rows than the body holds", () =>
    expectError(
      "3 2\nalpha 1.5 2.5\nbeta 3.5 4.5\n",
      /line 4: the file ends after 2 rows but the header promises 3/,
    ));
  test("text: more rows than the header", () =>
    expectError("1 2\na 1 2\nb 3 4\n", /line 3: the header promises 1 rows but the file has more/));
  test("text: a header count too large for the file size", () =>
    expectError("1000000 300\na 1 2\n", /line 1: the header promises 1000000 rows/));
  test("text: non-numeric field", () =>
    expectError("2 2\na 1 2\nb 3 x4\n", /line 3: value 2: expected a number, got 'x4'/));
  test("text: row too short", () =>
    expectError("2 3\na 1 2 3\nb 3 4\n", /line 3: expected 3 values after the word, found 2/));
  test("text: row too long", () =>
    expectError("2 2\na 1 2\nb 3 4 5 6\n", /line 3: expected 2 values after the word, found 4/));
  test("text: NaN and infinity", () => {
    expectError("2 2\na 1 2\nb nan 4\n", /line 3: value 1: value 'nan' is not finite/);
    expectError("1 2\na 1 -inf\n", /line 2: value 2: value '-inf' is not finite/);
    expectError("1 2\na 1 1e999\n", /line 2: value 2: value '1e999' is not finite/);
  });
  test("text: values float32 or the float16 load dtype cannot hold", () => {
    expectError("2 2\na 1 2\nb 3 1e39\n", /line 3: value 2: value '1e39' is too large for float32/);
    expectError("1 2\na -3.5e38 2\n", /line 2: value 1: value '-3.5e38' is too large for float32/);
    expectError("1 2\na 1 70000\n", /line 2: value 2: value '70000' is too large for float16/, {
      dtype: "float16",
    });
    // The largest values that round to a finite float32 and float16 still load.
    const file = join(dir, "edge.txt");
    writeFileSync(file, "1 2\na 3.4028235e38 -65504\n");
    assert.deepEqual(Array.from(readVectors(file).vectors), [2 ** 128 - 2 ** 104, -65504]);
    writeFileSync(file, "1 2\na 65519 -65504\n");
    assert.deepEqual(Array.from(readVectors(file, { dtype: "float16" }).vectors), [65504, -65504]);
  });
  test("binary and native: float32 values too large for the float16 load dtype", async () => {
    for (const format of ["word2vec-binary", "native"] as const) {
      const file = join(dir, `big16.${format}`);
      const vectors = Float32Array.from(data.vectors);
      vectors[2 * data.dim + 4] = -70000;
      await writeVectors(file, { ...data, vectors }, { format });
      const bytes = readFileSync(file);
      const at =
        format === "native"
          ? bytes.length - 4 * (vectors.length - 2 * data.dim - 4)
          : bytes.indexOf(Buffer.from(vectors.buffer, 4 * (2 * data.dim + 4), 4));
      expectError(
        bytes,
        new RegExp(`byte ${at}: '${data.words[2]}' value 5: value -70000 is too large for float16`),
        { dtype: "float16" },
      );
      assert.equal(readVectors(file).vectors[2 * data.dim + 4], -70000);
    }
  });
  test("saving refuses values the file could not give back, naming the word; nothing is written", async () => {
    const cases: [Float32Array, string, object, RegExp][] = [];
    for (const [value, problem] of [
      [Number.NaN, "is not finite"],
      [Number.NEGATIVE_INFINITY, "is not finite"],
    ] as const)
      for (const format of VECTOR_FORMATS) {
        const vectors = Float32Array.from(data.vectors);
        vectors[3 * data.dim + 1] = value;
        cases.push([
          vectors,
          format,
          { format },
          new RegExp(`value 2: value ${value} of '${data.words[3]}' \\(row 4\\) ${problem}`),
        ]);
      }
    const big = Float32Array.from(data.vectors);
    big[data.dim] = 70000; // a float32, but beyond float16's 65504
    cases.push([
      big,
      "f16",
      { format: "native", dtype: "float16" },
      /value 1: value 70000 .* too large for float16/,
    ]);
    for (const [vectors, name, opts, message] of cases) {
      const file = join(dir, `unstorable-${name}`);
      await assert.rejects(writeVectors(file, { ...data, vectors }, opts), message, name);
      assert.throws(() => readFileSync(file), /ENOENT/, `${name}: nothing written`);
    }
    // float32 and int8 files hold 70000.
    for (const opts of [{ format: "native" }, { format: "native", dtype: "int8" }] as const)
      await writeVectors(join(dir, "big-ok"), { ...data, vectors: big }, opts);
  });
  test("text: duplicate word (and the gensim policy keeps the first)", () => {
    expectError("3 1\na 1\nb 2\na 3\n", /line 4: duplicate word 'a' in row 3 \(first seen as row 1\)/);
    const file = join(dir, "dup.txt");
    writeFileSync(file, "3 1\na 1\nb 2\na 3\n");
    const back = readVectors(file, { duplicates: "first" });
    assert.deepEqual(back.words, ["a", "b"]);
    assert.deepEqual(Array.from(back.vectors), [1, 2]);
  });
  test("text: bad header", () =>
    expectError("2 x\na 1 2\n", /line 1: expected a header 'COUNT DIM'/, { format: "word2vec-text" }));
  test("text: empty line inside the body", () => expectError("2 2\na 1 2\n\nb 3 4\n", /line 3: empty line/));
  test("GloVe: wrong-dimension row", () =>
    expectError("a 1 2 3\nb 1 2\n", /line 2: expected 3 values after the word, found 2/));

  test("a word2vec binary file read as text says so", async () => {
    const file = join(dir, "bin-as-text.bin");
    await writeVectors(file, data, { format: "word2vec-binary" });
    assert.throws(
      () => readVectors(file, { format: "word2vec-text" }),
      /line 2: .*looks like a word2vec binary file/,
    );
    assert.equal(detectFormat(file), "word2vec-binary");
  });

  test("binary: truncated inside a vector, inside a word, and a text file read as binary", async () => {
    const file = join(dir, "full.bin");
    await writeVectors(file, data, { format: "word2vec-binary" });
    const bytes = readFileSync(file);
    expectError(
      bytes.subarray(0, bytes.length - 20),
      /byte \d+: the file ends inside the vector of 'w59' \(row 60\)/,
      {
        format: "word2vec-binary",
      },
    );
    const rowBytes = 4 * data.dim + 5; // "w59 " + floats + "\n"
    expectError(
      bytes.subarray(0, bytes.length - rowBytes + 2),
      /byte \d+: the file ends inside a word after 59 rows/,
      {
        format: "word2vec-binary",
      },
    );
    const text = join(dir, "t.txt");
    await writeVectors(text, data, { format: "word2vec-text" });
    assert.throws(
      () => readVectors(text, { format: "word2vec-binary", limit: 3 }),
      /byte \d+: .*looks like a word2vec text file/,
    );
  });

  test("binary: extra data after the promised rows and NaN values, with byte offsets", async () => {
    const file = join(dir, "extra.bin");
    await writeVectors(file, data, { format: "word2vec-binary" });
    const bytes = readFileSync(file);
    const header = `${data.words.length} ${data.dim}\n`;
    const fewer = Buffer.concat([Buffer.from(`59 ${data.dim}\n`), bytes.subarray(header.length)]);
    expectError(fewer, /byte \d+: the header promises 59 rows but more data follows/, {
      format: "word2vec-binary",
    });
    const nan = Buffer.from(bytes);
    const at = header.length + Buffer.byteLength(`${data.words[0]} `) + 4 * 2;
    nan.writeFloatLE(Number.NaN, at);
    expectError(nan, new RegExp(`byte ${at}: 'café' value 3: value NaN is not finite`), {
      format: "word2vec-binary",
    });
  });

  test("native: truncated and corrupt headers", async () => {
    const file = join(dir, "n.native");
    await writeVectors(file, data, { format: "native" });
    const bytes = readFileSync(file);
    expectError(
      bytes.subarray(0, bytes.length - 3),
      /byte 12: the header describes 60 x 13 float32 .* \(truncated\)/,
    );
    const bad = Buffer.from(bytes);
    bad.write("x", 12);
    expectError(bad, /byte 12: the JSON header does not parse/, { format: "native" });
  });

  test("native read in parallel parts: same values and the same errors as the sequential read", async () => {
    const file = join(dir, "par.native");
    const counts = Float64Array.from(data.words, (_, i) => i + 0.5);
    await writeVectors(file, { ...data, counts }, { format: "native" });
    // Parts that split rows and even values (1,000 bytes), and one part for everything.
    for (const part of [1000, 4, 1 << 20]) {
      for (const limit of [undefined, 7, 0]) {
        const back = await readNativeParallel(file, { limit }, part);
        const want = readVectors(file, { limit });
        assert.deepEqual(back.words, want.words);
        assert.deepEqual(Array.from(back.counts!), Array.from(want.counts!));
        assertSameFloats(back.vectors, want.vectors);
      }
    }
    const viaLoad = await loadVectors(file, { dtype: "float16" });
    assertSameFloats(viaLoad.vectors, readVectors(file, { dtype: "float16" }).vectors);
    const bytes = readFileSync(file);
    const dataAt = bytes.length - data.vectors.length * 4;
    const nan = Buffer.from(bytes);
    nan.writeFloatLE(Number.POSITIVE_INFINITY, dataAt + 4 * (2 * data.dim + 5));
    const dup = Buffer.from(bytes);
    dup.write(data.words[5], bytes.indexOf(`\n${data.words[6]}\n`) + 1); // "UPPER" again in row 7
    const cut = bytes.subarray(0, bytes.length - 1);
    const notUtf8 = Buffer.from(bytes);
    notUtf8[bytes.indexOf("w10\n")] = 0xff;
    for (const [content, pattern] of [
      [
        nan,
        new RegExp(
          `byte ${dataAt + 4 * (2 * data.dim + 5)}: '${data.words[2]}' value 6: value Infinity is not finite`,
        ),
      ],
      [dup, /duplicate word/],
      [cut, /\(truncated\)/],
      [notUtf8, /the vocabulary is not valid UTF-8/],
    ] as const) {
      const bad = join(dir, "par-bad.native");
      writeFileSync(bad, content);
      const sequential = (() => {
        try {
          readVectors(bad);
        } catch (e) {
          return (e as Error).message;
        }
        assert.fail("the sequential read accepted a bad file");
      })();
      assert.match(sequential, pattern);
      await assert.rejects(readNativeParallel(bad, {}, 1000), (e: unknown) => {
        assert.ok(e instanceof EmbedlmError);
        assert.equal(e.message, sequential);
        return true;
      });
    }
  });

  test("writers refuse words the format cannot hold, and leave no file behind", async () => {
    const file = join(dir, "spacey.txt");
    await assert.rejects(
      writeVectors(file, { words: ["a b"], dim: 1, vectors: new Float32Array([1]) }),
      /word 1 \("a b"\) is empty or holds ASCII whitespace/,
    );
    assert.throws(() => readFileSync(file));
    for (const word of ["a\tb", "a\nb", "a\rb", "a\vb", ""]) {
      for (const format of ["word2vec-text", "word2vec-binary", "glove"] as const) {
        await assert.rejects(
          writeVectors(file, { words: ["ok", word], dim: 1, vectors: new Float32Array([1, 2]) }, { format }),
          /word 2 .* is empty or holds ASCII whitespace/,
        );
      }
    }
  });

  test("words with Unicode spaces (NBSP, ideographic space, thin space, line separator) round-trip in every format", async () => {
    const words = ["new\u00a0york", "東京\u3000駅", "a\u2009b", "line\u2028sep", "plain"];
    const vectors = Float32Array.from({ length: words.length * 2 }, (_, i) => i / 4);
    for (const format of VECTOR_FORMATS) {
      const file = join(dir, `unicode-space.${format}`);
      await writeVectors(file, { words, dim: 2, vectors }, { format });
      const back = readVectors(file);
      assert.deepEqual(back.words, words, format);
      assert.deepEqual(Array.from(back.vectors), Array.from(vectors), format);
    }
  });

  test("KeyedVectors.load reports unknown formats", async () => {
    await assert.rejects(
      KeyedVectors.load(join(dir, "x"), { format: "nope" as never }),
      /format: unknown format 'nope'/,
    );
  });
});
