import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import type { NnRuntime } from "../nn/runtime.js";
import { EmbedlmError } from "../util/errors.js";
import type { LanguageModel } from "./model.js";
import { CONFIG_FILE, isNeuralConfig, loadNeuralLm } from "./neural/io.js";
import { readArpa } from "./ngram/arpa.js";

/** A kind of model file: how to recognise it from its first bytes and how to load it. */
export interface ModelFormat {
  /** The model kind it yields ("ngram", ...). */
  kind: string;
  /** Whether the file's first bytes (up to 64 KiB, as latin1 text) are this format. */
  sniff(head: string): boolean;
  load(path: string, opts: LoadOptions): Promise<LanguageModel>;
}

export interface LoadOptions {
  /** Where a neural model runs (default: the TypeScript references); n-gram models ignore it. */
  runtime?: NnRuntime;
}

/** Known model files; later model kinds add an entry here. */
export const modelFormats: ModelFormat[] = [
  { kind: "ngram", sniff: (head) => /(^|\n)\s*\\data\\\s*\n/.test(head), load: readArpa },
  { kind: "neural", sniff: isNeuralConfig, load: loadNeuralLm },
];

/**
 * Loads any language model embedlm knows, by what the file holds (not its name): an ARPA file, or a
 * neural model directory (its config.json is sniffed).
 */
export async function loadLanguageModel(path: string, opts: LoadOptions = {}): Promise<LanguageModel> {
  let head: string;
  try {
    const isDir = (await stat(path)).isDirectory();
    const fh = await open(isDir ? join(path, CONFIG_FILE) : path, "r");
    try {
      const buf = Buffer.alloc(1 << 16);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead).toString("latin1");
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new EmbedlmError(`cannot read the model: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, {
      file: path,
    });
  }
  const format = modelFormats.find((f) => f.sniff(head));
  if (!format) {
    throw new EmbedlmError(
      `not a language model embedlm knows (expected ${modelFormats.map((f) => f.kind).join(", ")}: an ARPA file starts with \\data\\, a neural model is a directory with ${CONFIG_FILE})`,
      { file: path, line: 1 },
    );
  }
  return format.load(path, opts);
}
