// `embedlm train`: word2vec (skip-gram / CBOW) from text files to a vectors file.
import { constants } from "node:fs";
import { access, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type Command, Option } from "commander";
import { openCorpus } from "../../text/corpus.js";
import { Tokenizer } from "../../text/tokenizer.js";
import { DEFAULT_TOKENIZER } from "../../train/word2vec/checkpoint.js";
import { readCheckpointHeader, trainWord2Vec } from "../../train/word2vec/index.js";
import { EmbedlmError } from "../../util/errors.js";
import type { VectorFormat } from "../../vectors/formats/detect.js";
import { checkFormat } from "../../vectors/io.js";
import { action, floatOption, intOption, threadsOption } from "../common.js";
import { withStdinSpooled } from "../stdin.js";
import type { Register } from "./index.js";

/** word2vec.c's single-dash option names, accepted after `train` and rewritten to `--name`. */
const WORD2VEC_FLAGS = new Set([
  "train",
  "output",
  "size",
  "window",
  "sample",
  "hs",
  "negative",
  "threads",
  "iter",
  "min-count",
  "alpha",
  "cbow",
  "binary",
]);

/** Rewrites `embedlm train -size 100 -iter 5 ...` (word2vec.c style) to double-dash options. */
export function normalizeArgs(argv: readonly string[]): string[] {
  const at = argv.indexOf("train");
  if (at < 0) return [...argv];
  return argv.map((a, i) =>
    i > at && /^-[a-z][a-z-]+$/.test(a) && WORD2VEC_FLAGS.has(a.slice(1)) ? `-${a}` : a,
  );
}

interface TrainFlags {
  output?: string;
  train?: string[];
  model?: string;
  cbow?: number;
  sg?: number;
  dim?: number;
  size?: number;
  vectorSize?: number;
  window: number;
  negative: number;
  hs?: number | boolean;
  nsExponent: number;
  cbowMean: number;
  minCount: number;
  sample: number;
  alpha?: number;
  minAlpha: number;
  epochs?: number;
  iter?: number;
  threads?: number;
  workers?: number;
  seed: number;
  maxVocab?: number;
  maxFinalVocab?: number;
  format?: string;
  binary?: number;
  checkpoint?: string;
  resume?: boolean;
  tokenizer: string;
  lowercase?: boolean;
}

const pick = <T>(...xs: (T | undefined)[]): T | undefined => xs.find((x) => x !== undefined);

function zeroOne(name: string): (v: string) => number {
  return (v) => {
    if (v !== "0" && v !== "1") throw new EmbedlmError(`expected 0 or 1, got '${v}'`, { field: name });
    return Number(v);
  };
}

/** The library's option names as this command spells them, for error messages. */
const CLI_NAMES: Record<string, string> = {
  vectorSize: "--dim",
  window: "--window",
  negative: "--negative",
  nsExponent: "--ns-exponent",
  sample: "--sample",
  alpha: "--alpha",
  minAlpha: "--min-alpha",
  epochs: "--epochs",
  minCount: "--min-count",
  maxVocab: "--max-vocab",
  maxFinalVocab: "--max-final-vocab",
  threads: "--threads",
  seed: "--seed",
  model: "--model",
};

function withCliNames(e: unknown): never {
  if (e instanceof EmbedlmError && e.location.field !== undefined && e.location.field in CLI_NAMES) {
    const field = e.location.field;
    throw new EmbedlmError(
      e.message.replace(`${field}: `, ""),
      { ...e.location, field: CLI_NAMES[field] },
      e.exitCode,
    );
  }
  throw e;
}

/** Fails before training when the output cannot be written (so no time is lost and no file is left). */
async function checkWritable(path: string): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (st?.isDirectory()) throw new EmbedlmError("is a directory, expected a file name", { file: path });
  // missing directories are created when writing: the nearest existing one must be writable
  let target = st === undefined ? dirname(resolve(path)) : path;
  while (st === undefined && !(await stat(target).catch(() => undefined)) && dirname(target) !== target)
    target = dirname(target);
  try {
    await access(target, constants.W_OK);
  } catch (e) {
    throw new EmbedlmError(`cannot write here: ${(e as NodeJS.ErrnoException).code ?? e}`, { file: path });
  }
}

/**
 * With --resume the checkpoint's options and tokenizer are used; a training flag given on the
 * command line that differs from them is refused rather than dropped. The corpus, output, format,
 * checkpoint and threads may differ.
 */
async function checkResumeFlags(
  cmd: Command,
  flags: TrainFlags,
  model: string | undefined,
  checkpoint: string,
): Promise<void> {
  const state = await readCheckpointHeader(checkpoint);
  const o = state.options;
  // Checkpoints from before the tokenizer was saved: read as the default (see CheckpointState).
  const tok = new Tokenizer(state.tokenizer ?? DEFAULT_TOKENIZER).options;
  const checks: [string[], unknown, unknown][] = [
    [["model", "cbow", "sg"], o.model, model],
    [["dim", "size", "vectorSize"], o.vectorSize, pick(flags.dim, flags.size, flags.vectorSize)],
    [["window"], o.window, flags.window],
    [["negative"], o.negative, flags.negative],
    [["hs"], o.hs, flags.hs === true || flags.hs === 1],
    [["nsExponent"], o.nsExponent, flags.nsExponent],
    [["cbowMean"], o.cbowMean, flags.cbowMean === 1],
    [["minCount"], o.minCount, flags.minCount],
    [["maxVocab"], o.maxVocab, flags.maxVocab],
    [["maxFinalVocab"], o.maxFinalVocab ?? null, flags.maxFinalVocab],
    [["sample"], o.sample, flags.sample],
    [["alpha"], o.alpha, flags.alpha],
    [["minAlpha"], o.minAlpha, flags.minAlpha],
    [["epochs", "iter"], o.epochs, pick(flags.epochs, flags.iter)],
    [["seed"], o.seed, flags.seed],
    [["tokenizer"], tok.mode, flags.tokenizer],
    [["lowercase"], tok.lowercase, flags.lowercase === true],
  ];
  for (const [names, saved, given] of checks) {
    const name = names.find((n) => cmd.getOptionValueSource(n) === "cli");
    if (name === undefined || given === saved) continue;
    const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new EmbedlmError(
      `${String(given)} was given, but the checkpoint's run used ${String(saved)}: ` +
        `resume without ${flag} or with the same value (only the corpus, -o, --format, --checkpoint and --threads may differ)`,
      { file: checkpoint, field: flag },
    );
  }
}

export const register: Register = (program: Command) => {
  const hidden = (flags: string, desc: string, parse?: (v: string) => unknown) => {
    const o = new Option(flags, desc).hideHelp();
    return parse ? o.argParser(parse) : o;
  };
  const cmd = program.command("train");
  cmd
    .description("Train word vectors (word2vec skip-gram or CBOW) on text files")
    .argument(
      "[corpus...]",
      "text files, directories, .gz files or - for stdin (copied to a temporary file: one pass per epoch)",
    )
    .option("-o, --output <file>", "vectors file to write (.bin: word2vec binary, else word2vec text)")
    .option("--model <name>", "skipgram or cbow (default skipgram; cbow with -train, as word2vec.c)")
    .option("--dim <n>", "vector size (gensim vector_size, word2vec -size)", intOption("--dim", 1, 10000))
    .option("--window <n>", "maximum context distance", intOption("--window", 1, 1000), 5)
    .option(
      "--negative <n>",
      "noise words per example (0: no negative sampling)",
      intOption("--negative", 0, 1000),
      5,
    )
    .option("--hs [0|1]", "hierarchical softmax", zeroOne("hs"))
    .option(
      "--ns-exponent <x>",
      "exponent of the noise distribution",
      floatOption("--ns-exponent", { min: -10, max: 10 }),
      0.75,
    )
    .option("--cbow-mean <0|1>", "CBOW: average (1) or sum (0) the context vectors", zeroOne("cbow-mean"), 1)
    .option("--min-count <n>", "ignore words seen fewer times", intOption("--min-count", 1), 5)
    .option(
      "--max-vocab <n>",
      "keep at most n words, the most frequent (a plain cut: of words tied at the cut the first seen stay)",
      intOption("--max-vocab", 1),
    )
    .option(
      "--max-final-vocab <n>",
      "gensim max_final_vocab: raise --min-count until at most n words remain (words tied at the cut all go)",
      intOption("--max-final-vocab", 1),
    )
    .option(
      "--sample <x>",
      "subsampling threshold for frequent words (0: off)",
      floatOption("--sample", { min: 0 }),
      1e-3,
    )
    .option(
      "--alpha <x>",
      "initial learning rate (default 0.025 skip-gram, 0.05 CBOW)",
      floatOption("--alpha", { min: 0 }),
    )
    .option("--min-alpha <x>", "final learning rate", floatOption("--min-alpha", { min: 0 }), 0.0001)
    .option("--epochs <n>", "passes over the corpus (word2vec -iter)", intOption("--epochs", 1))
    .option("--threads <n>", "worker threads (default: all cores)", threadsOption)
    .option(
      "--seed <n>",
      "random seed; with --threads 1 runs are identical",
      intOption("--seed", 0, 2 ** 32 - 1),
      1,
    )
    .option(
      "--format <fmt>",
      "word2vec-text, word2vec-binary, fasttext, glove or native (default from the extension)",
    )
    .option(
      "--checkpoint <file>",
      "full model written after every epoch (default OUTPUT.ckpt, removed when done)",
    )
    .option(
      "--resume",
      "continue the run saved in the checkpoint, to the same schedule, options and tokenizer (training flags that differ from the checkpoint's are refused)",
    )
    .option("--tokenizer <mode>", "whitespace (word2vec) or unicode", "whitespace")
    .option("--lowercase", "lowercase words")
    .addOption(
      hidden("--train <file>", "word2vec: corpus file", (v: string, prev?: string[]) => [...(prev ?? []), v]),
    )
    .addOption(hidden("--size <n>", "word2vec: --dim", intOption("--size", 1, 10000)))
    .addOption(hidden("--vector-size <n>", "gensim: --dim", intOption("--vector-size", 1, 10000)))
    .addOption(hidden("--iter <n>", "word2vec: --epochs", intOption("--iter", 1)))
    .addOption(hidden("--cbow <0|1>", "word2vec: --model cbow", zeroOne("cbow")))
    .addOption(hidden("--sg <0|1>", "gensim: --model skipgram", zeroOne("sg")))
    .addOption(hidden("--workers <n>", "gensim: --threads", intOption("--workers", 1, 256)))
    .addOption(hidden("--binary <0|1>", "word2vec: --format word2vec-binary", zeroOne("binary")))
    .addHelpText(
      "after",
      `
Examples:
  embedlm train corpus.txt -o vectors.bin
  embedlm train corpus.txt -o vectors.txt --model cbow --dim 200 --epochs 10 --threads 4
  embedlm train data/ -o vectors.bin --hs --negative 0 --min-count 2
  embedlm train corpus.txt -o vectors.bin --resume            # after an interruption
  embedlm train -train corpus.txt -output vec.bin -size 100 -window 5 -sample 1e-3 -negative 5 -iter 5 -cbow 0 -binary 1

word2vec.c and gensim names work too: -train, -output, -size/--vector-size, -iter, -cbow 0|1, --sg 0|1,
-binary 0|1, -min-count, -threads/--workers.
The model defaults to skip-gram (embedlm's choice); with -train it defaults to CBOW, as in word2vec.c
(-cbow 1) and gensim (sg=0), with alpha 0.05 as word2vec.c.`,
    )
    .action(
      action(async (ctx, corpusArgs: string[], flags: TrainFlags) => {
        const paths = [...corpusArgs, ...(flags.train ?? [])];
        if (paths.length === 0) throw new EmbedlmError("no corpus given (expected files, directories or -)");
        if (flags.output === undefined)
          throw new EmbedlmError("missing -o/--output <file>", { field: "output" });
        const output = flags.output;
        let model = flags.model;
        if (model === undefined && flags.cbow !== undefined) model = flags.cbow === 1 ? "cbow" : "skipgram";
        if (model === undefined && flags.sg !== undefined) model = flags.sg === 1 ? "skipgram" : "cbow";
        // Called the word2vec.c way (-train), the defaults are word2vec.c's: -cbow 1 (and -alpha 0.05).
        if (model === undefined && flags.train !== undefined) model = "cbow";
        const ext = output.toLowerCase();
        const format: VectorFormat = checkFormat(
          flags.format ??
            (flags.binary === 1 || (flags.binary === undefined && ext.endsWith(".bin"))
              ? "word2vec-binary"
              : "word2vec-text"),
        );
        if (flags.tokenizer !== "whitespace" && flags.tokenizer !== "unicode")
          throw new EmbedlmError(`expected whitespace or unicode, got '${flags.tokenizer}'`, {
            field: "tokenizer",
          });
        await checkWritable(output);
        const checkpoint = flags.checkpoint ?? `${output}.ckpt`;
        if (flags.checkpoint !== undefined) await checkWritable(checkpoint);
        if (flags.resume === true) await checkResumeFlags(cmd, flags, model, checkpoint);
        // word2vec's own tokenization (whitespace, as is): the trainer reads the corpus at the byte level
        const plain = flags.tokenizer === "whitespace" && flags.lowercase !== true;
        // Several passes (the vocabulary, then each epoch): stdin is copied to a temporary file first.
        const result = await withStdinSpooled(paths, async (files) => {
          // The warning handler in every path, so invalid UTF-8 is reported on the byte-level path too.
          const input = await openCorpus(files, { onWarning: ctx.warn });
          let bar: ReturnType<typeof ctx.progress> | undefined;
          return trainWord2Vec(input, {
            model: model as "skipgram" | "cbow" | undefined,
            vectorSize: pick(flags.dim, flags.size, flags.vectorSize),
            window: flags.window,
            negative: flags.negative,
            hs: flags.hs === true || flags.hs === 1,
            nsExponent: flags.nsExponent,
            cbowMean: flags.cbowMean === 1,
            minCount: flags.minCount,
            maxVocab: flags.maxVocab,
            maxFinalVocab: flags.maxFinalVocab,
            sample: flags.sample,
            alpha: flags.alpha,
            minAlpha: flags.minAlpha,
            epochs: pick(flags.epochs, flags.iter),
            threads: pick(flags.threads, flags.workers),
            seed: flags.seed,
            // On resume the checkpoint's tokenizer is used (checkResumeFlags refused other settings).
            tokenizer:
              plain || flags.resume === true
                ? undefined
                : new Tokenizer({
                    mode: flags.tokenizer as "whitespace" | "unicode",
                    lowercase: flags.lowercase === true,
                  }),
            checkpoint,
            resume: flags.resume === true,
            onProgress: (p) => {
              bar ??= ctx.progress("training", p.wordsTotal, "words");
              bar.update(p.wordsDone, `epoch ${p.epoch}/${p.epochs} alpha ${p.alpha.toFixed(5)}`);
            },
            onEpochEnd: (s) => {
              bar?.stop();
              bar = undefined;
              ctx.log(
                `epoch ${s.epoch}: loss ${s.meanLoss.toFixed(4)} per prediction (sum ${s.loss.toExponential(4)}), ` +
                  `${Math.round(s.wordsPerSecond)} words/s, ${s.seconds.toFixed(1)} s`,
              );
            },
          }).catch(withCliNames);
        });
        await result.wv.save(output, { format });
        if (flags.checkpoint === undefined) {
          await rm(checkpoint, { force: true });
        }
        ctx.log(`wrote ${result.wv.size} vectors of ${result.wv.dim} dimensions to ${output} (${format})`);
        return {
          output,
          format,
          vocabSize: result.wv.size,
          dim: result.wv.dim,
          model: result.options.model,
          alpha: result.options.alpha,
          corpusWords: result.corpusWords,
          trainSeconds: result.trainSeconds,
          wordsPerSecond: result.wordsPerSecond,
          relaxedSimd: result.relaxedSimd,
          epochs: result.epochs,
        };
      }),
    );
};
