import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { loadWeights, saveWeights } from "../../nn/checkpoint.js";
import type { ParamStore } from "../../nn/params.js";
import type { NnRuntime } from "../../nn/runtime.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { cannotRead, EmbedlmError } from "../../util/errors.js";
import { buildNeuralModel } from "./build.js";
import { checkConfig, type NeuralLmConfig } from "./config.js";
import { NeuralLanguageModel, NeuralVocab } from "./model.js";

/**
 * A neural model directory:
 *   config.json         {"format": "embedlm-neural-lm", "version": 1, "vocabSize": V, ...NeuralLmConfig}
 *   vocab.txt           the words, one per line, line i+1 = id i
 *   weights.safetensors the parameters (float32, PyTorch names: "0.weight", "1.weight_ih_l0", ...)
 * Training adds checkpoint.safetensors (the latest state, for --resume) and metrics.jsonl.
 */
export const NEURAL_FORMAT = "embedlm-neural-lm";
export const CONFIG_FILE = "config.json";
export const VOCAB_FILE = "vocab.txt";
export const WEIGHTS_FILE = "weights.safetensors";
/** Prefix of the recurrent states a training checkpoint stores beside the weights. */
export const STATE_TENSORS = "state.";

/** Whether a config.json's first bytes are a neural model's. */
export function isNeuralConfig(head: string): boolean {
  return head.includes(`"format"`) && head.includes(`"${NEURAL_FORMAT}"`);
}

export function configJson(config: NeuralLmConfig, vocabSize: number): string {
  return `${JSON.stringify({ format: NEURAL_FORMAT, version: 1, vocabSize, ...config }, null, 2)}\n`;
}

/** Writes config.json and vocab.txt into `dir` (each atomically). */
export async function writeModelHeader(
  dir: string,
  config: NeuralLmConfig,
  words: readonly string[],
): Promise<void> {
  await writeFileAtomic(join(dir, VOCAB_FILE), `${words.join("\n")}\n`);
  await writeFileAtomic(join(dir, CONFIG_FILE), configJson(config, words.length));
}

/**
 * Saves a model directory. A new directory appears whole (written under a temporary name, then
 * renamed); in an existing one each file is replaced atomically, weights last.
 */
export async function saveNeuralLm(dir: string, lm: NeuralLanguageModel): Promise<void> {
  await saveModelFiles(dir, lm.config, lm.vocab.words, lm.net.params);
}

export async function saveModelFiles(
  dir: string,
  config: NeuralLmConfig,
  words: readonly string[],
  params: ParamStore,
): Promise<void> {
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const target = exists ? dir : join(dirname(dir), `.${basename(dir)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await mkdir(target, { recursive: true });
    await writeModelHeader(target, config, words);
    await saveWeights(join(target, WEIGHTS_FILE), params);
    if (!exists) await rename(target, dir);
  } catch (e) {
    if (!exists) await rm(target, { recursive: true, force: true });
    if (e instanceof EmbedlmError) throw e;
    throw new EmbedlmError(`cannot write the model: ${(e as Error).message}`, { file: dir });
  }
}

/** Reads a model directory's config.json and vocab.txt. */
export async function readModelHeader(dir: string): Promise<{ config: NeuralLmConfig; vocab: NeuralVocab }> {
  const cfgPath = join(dir, CONFIG_FILE);
  const read = async (path: string) => {
    try {
      return await readFile(path, "utf8");
    } catch (e) {
      throw cannotRead(e, path);
    }
  };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await read(cfgPath));
  } catch (e) {
    if (e instanceof EmbedlmError) throw e;
    throw new EmbedlmError(`not valid JSON: ${(e as Error).message}`, { file: cfgPath });
  }
  if (raw.format !== NEURAL_FORMAT)
    throw new EmbedlmError(`not an embedlm neural model (expected "format": "${NEURAL_FORMAT}")`, {
      file: cfgPath,
      field: "format",
    });
  if (raw.version !== 1)
    throw new EmbedlmError(`version ${String(raw.version)}: this embedlm reads version 1`, {
      file: cfgPath,
      field: "version",
    });
  const { format: _f, version: _v, vocabSize, ...rest } = raw;
  const config = checkConfig(rest as unknown as NeuralLmConfig, cfgPath);
  const vocabPath = join(dir, VOCAB_FILE);
  const text = await read(vocabPath);
  // Tokens never hold whitespace, so a CR before each newline (a file saved on Windows) is a line end.
  const words = text.split(/\r?\n/);
  if (words[words.length - 1] === "") words.pop();
  const vocab = new NeuralVocab(words, vocabPath);
  if (vocab.size !== vocabSize)
    throw new EmbedlmError(`${vocab.size} words, config.json says vocabSize ${String(vocabSize)}`, {
      file: vocabPath,
    });
  return { config, vocab };
}

export interface LoadNeuralOptions {
  /** Run on this runtime's WebAssembly kernels (default: the TypeScript references). */
  runtime?: NnRuntime;
  /**
   * Weights file inside the directory (default weights.safetensors, the best epoch's;
   * checkpoint.safetensors holds the latest training state).
   */
  weights?: string;
}

/** Loads a model directory (or its config.json). */
export async function loadNeuralLm(path: string, opts: LoadNeuralOptions = {}): Promise<NeuralLanguageModel> {
  const dir = basename(path) === CONFIG_FILE ? dirname(path) : path;
  const { config, vocab } = await readModelHeader(dir);
  const net = buildNeuralModel(config, {
    vocabSize: vocab.size,
    bos: vocab.eos,
    arena: opts.runtime?.arena,
    ops: opts.runtime,
  });
  await loadWeights(join(dir, opts.weights ?? WEIGHTS_FILE), net.params, undefined, [STATE_TENSORS]);
  return new NeuralLanguageModel(config, vocab, net);
}
