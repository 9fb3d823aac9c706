// Reading and writing vectors in any supported format, by name or detected from the file.
import { EmbedlmError } from "../util/errors.js";
import { firstUnstorable, type ReadOptions, type VectorData } from "./formats/data.js";
import { detectFormat, VECTOR_FORMATS, type VectorFormat } from "./formats/detect.js";
import { readGlove, writeGlove } from "./formats/glove.js";
import { type NativeDtype, readNative, readNativeParallel, writeNative } from "./formats/native.js";
import { readWord2vecBinary, writeWord2vecBinary } from "./formats/word2vec-binary.js";
import { readWord2vecText, writeWord2vecText } from "./formats/word2vec-text.js";

export interface LoadOptions extends ReadOptions {
  /** The file's format; detected from its first bytes when omitted. */
  format?: VectorFormat;
}

export interface SaveOptions {
  /** Output format. Default "word2vec-text". */
  format?: VectorFormat;
  /** Value type of the native format (float32, float16, or int8 with a per-row scale). Default float32. */
  dtype?: NativeDtype;
}

export function checkFormat(format: string, field = "format"): VectorFormat {
  if (!(VECTOR_FORMATS as readonly string[]).includes(format)) {
    throw new EmbedlmError(`unknown format '${format}'; expected one of ${VECTOR_FORMATS.join(", ")}`, {
      field,
    });
  }
  return format as VectorFormat;
}

/** The format to read `file` as, after checking the options. */
function readFormat(file: string, opts: LoadOptions): VectorFormat {
  const format = opts.format === undefined ? detectFormat(file) : checkFormat(opts.format);
  if (opts.dtype !== undefined && opts.dtype !== "float32" && opts.dtype !== "float16") {
    throw new EmbedlmError(`expected float32 or float16, got '${String(opts.dtype)}'`, { field: "dtype" });
  }
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0)) {
    throw new EmbedlmError(`expected an integer >= 0, got ${opts.limit}`, { field: "limit" });
  }
  return format;
}

export function readVectors(file: string, opts: LoadOptions = {}): VectorData & { format: VectorFormat } {
  const format = readFormat(file, opts);
  let data: VectorData;
  switch (format) {
    case "word2vec-text":
    case "fasttext":
      data = readWord2vecText(file, opts);
      break;
    case "word2vec-binary":
      data = readWord2vecBinary(file, opts);
      break;
    case "glove":
      data = readGlove(file, opts);
      break;
    case "native":
      data = readNative(file, opts);
      break;
  }
  return { ...data, format };
}

/**
 * readVectors, except that a native file's float32 matrix is read in parallel parts while the
 * vocabulary is indexed (readNativeParallel); other formats are read as readVectors reads them.
 */
export async function loadVectors(
  file: string,
  opts: LoadOptions = {},
): Promise<VectorData & { format: VectorFormat }> {
  const format = readFormat(file, opts);
  if (format !== "native") return readVectors(file, { ...opts, format });
  return { ...(await readNativeParallel(file, opts)), format };
}

/**
 * Words a format cannot hold. Text rows end a word at an ASCII space or tab and the row at \n (a
 * \r before it is dropped), and a GloVe file's first row with a control byte reads as binary; the
 * binary format ends a word at a space and skips \n and \r before one. So ASCII whitespace is
 * refused; other Unicode spaces (NBSP, U+3000, ...) are ordinary word characters to every reader,
 * as to gensim's, which splits rows on " ".
 */
function checkWords(words: string[], format: VectorFormat): void {
  if (format === "native") {
    const bad = words.findIndex((w) => w.includes("\n") || w.length === 0);
    if (bad !== -1) throw new EmbedlmError(`word ${bad + 1} is empty or holds a newline`, { field: "words" });
    return;
  }
  const bad = words.findIndex((w) => w.length === 0 || /[ \t\n\v\f\r]/.test(w));
  if (bad !== -1) {
    throw new EmbedlmError(
      `word ${bad + 1} (${JSON.stringify(words[bad])}) is empty or holds ASCII whitespace (space, tab, line break): ${format} cannot store it`,
      {
        field: "words",
      },
    );
  }
}

export async function writeVectors(file: string, data: VectorData, opts: SaveOptions = {}): Promise<void> {
  const format = checkFormat(opts.format ?? "word2vec-text");
  if (opts.dtype !== undefined && format !== "native") {
    throw new EmbedlmError(`dtype applies to the native format only (got format ${format})`, {
      field: "dtype",
    });
  }
  checkWords(data.words, format);
  // A value the file cannot hold would be written and then refused by the reader (or read back as
  // another number): refuse it here, naming the word.
  const float16 = format === "native" && opts.dtype === "float16";
  const bad = firstUnstorable(
    data.vectors.subarray(0, data.words.length * data.dim),
    float16 ? "float16" : "float32",
  );
  if (bad !== undefined) {
    const row = Math.floor(bad.index / data.dim);
    throw new EmbedlmError(
      `value ${data.vectors[bad.index]} of '${data.words[row]}' (row ${row + 1}) ${bad.problem}: nothing written`,
      { file, field: `value ${(bad.index % data.dim) + 1}` },
    );
  }
  switch (format) {
    case "word2vec-text":
    case "fasttext":
      return writeWord2vecText(file, data);
    case "word2vec-binary":
      return writeWord2vecBinary(file, data);
    case "glove":
      return writeGlove(file, data);
    case "native":
      return writeNative(file, data, opts.dtype ?? "float32");
  }
}
