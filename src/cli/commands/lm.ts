import { statSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type Command, Option } from "commander";
import { type PerplexityResult, perplexity } from "../../lm/evaluate.js";
import { generate } from "../../lm/generate.js";
import { BoundaryError, encodePrompt, type LanguageModel } from "../../lm/model.js";
import { configTokenizer, NeuralLanguageModel } from "../../lm/neural/model.js";
import { writeArpa } from "../../lm/ngram/arpa.js";
import { trainNgramOnCorpus, WHOLE_LINES } from "../../lm/ngram/train.js";
import { topK } from "../../lm/predict.js";
import { openCorpus } from "../../text/corpus.js";
import { sentences } from "../../text/sentences.js";
import { Tokenizer } from "../../text/tokenizer.js";
import { EmbedlmError } from "../../util/errors.js";
import { Vocab } from "../../vocab/vocab.js";
import { action, type CommandContext, floatOption, intOption, threadsOption } from "../common.js";
import type { Register } from "./index.js";
import {
  type NeuralTrainFlags,
  neuralOptionKinds,
  neuralTrainOptions,
  openModel,
  streamPerplexity,
  trainNeural,
} from "./lm-neural.js";

const WHITESPACE = new Tokenizer({ mode: "whitespace" });

/**
 * Runs `fn` over the sentences of `paths` (one a non-empty line, split by `tokenizer`). A `<s>` or
 * `</s>` in them (BoundaryError, which counts the sentences, not the lines) is reported at its file and
 * line, found by reading the files again (regular files only; otherwise the count is all there is).
 */
async function withBoundaryLine<T>(
  paths: readonly string[],
  tokenizer: Tokenizer,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (!(e instanceof BoundaryError)) throw e;
    let seen = 0;
    for (const path of paths) {
      if (path === "-" || !statSync(path).isFile()) break;
      let line = 0;
      for await (const text of (await openCorpus([path])).lines()) {
        line++;
        if (tokenizer.tokenize(text).length > 0 && ++seen === e.sentence)
          throw new EmbedlmError(`contains ${e.word}; boundaries are added by embedlm`, { file: path, line });
      }
    }
    throw e;
  }
}

/** Perplexity on text files, one sentence per line however long (as n-gram training reads them). */
async function filePerplexity(
  model: LanguageModel,
  paths: readonly string[],
  tokenizer = WHITESPACE,
  opts: { perSentence?: boolean } = {},
): Promise<PerplexityResult> {
  return withBoundaryLine(paths, tokenizer, async () =>
    perplexity(model, sentences(await openCorpus(paths), tokenizer, WHOLE_LINES), opts),
  );
}

/**
 * Makes `globalThis.gc` available so model building can free each step's large typed arrays at once
 * (src/lm/ngram/memory.ts); without it V8 collects them late and the peak memory of a PTB 5-gram
 * build is about 25% higher.
 */
function exposeGarbageCollector(): void {
  if (typeof (globalThis as { gc?: unknown }).gc === "function") return;
  setFlagsFromString("--expose-gc");
  (globalThis as { gc?: unknown }).gc = runInNewContext("gc");
}

/** A prompt's words: split as a neural model's training text was, else on whitespace. */
function words(text: string | undefined, model?: LanguageModel): string[] {
  if (model instanceof NeuralLanguageModel) return model.tokenize(text ?? "");
  return (text ?? "").split(/\s+/).filter((w) => w !== "");
}

function listOption(name: string): (value: string) => number[] {
  const one = intOption(name);
  return (value) => value.split(/[,\s]+/).map(one);
}

interface TrainOptions extends NeuralTrainFlags {
  type: string;
  order: number;
  smoothing: string;
  k?: number;
  prune?: number[];
  vocab?: string;
  minCount?: number;
  maxSize?: number;
  output?: string;
  eval?: string[];
}

/** `lm train` options for n-gram models only; the neural ones say whom they apply to in lm-neural.ts. */
const NGRAM_OPTIONS = new Set(["order", "smoothing", "k", "prune", "vocab", "minCount", "maxSize", "eval"]);
const BOTH = new Set(["type", "output"]);

/**
 * Refuses every option given on the command line (not a default) that the model type ignores, so
 * that e.g. `--valid` or `--epochs` with the default `--type ngram` is not silently dropped.
 */
function checkOptionsApply(cmd: Command, type: string): void {
  for (const opt of cmd.options) {
    const key = opt.attributeName();
    if (BOTH.has(key) || cmd.getOptionValueSource(key) !== "cli") continue;
    const types: readonly string[] = NGRAM_OPTIONS.has(key) ? ["ngram"] : neuralOptionKinds(key);
    if (!types.includes(type)) {
      // "--tie" and "--no-tie" set one attribute: name both.
      const flags = cmd.options.filter((x) => x.attributeName() === key).map((x) => x.long);
      throw new EmbedlmError(`does not apply to --type ${type} (only to --type ${types.join(", ")})`, {
        field: flags.join(" / "),
      });
    }
  }
}

async function train(
  ctx: CommandContext,
  corpus: string[],
  o: TrainOptions,
  cmd: Command,
): Promise<Record<string, unknown>> {
  checkOptionsApply(cmd, o.type);
  if (o.type !== "ngram") return trainNeural(ctx, corpus, o);
  if (!o.output && !o.eval) {
    throw new EmbedlmError("nothing to do: give -o MODEL to save the model and/or --eval TEXT", {
      field: "-o",
    });
  }
  exposeGarbageCollector();
  const t0 = performance.now();
  const closed = o.vocab ? await Vocab.load(o.vocab) : undefined;
  const model = await withBoundaryLine(corpus, WHITESPACE, async () =>
    trainNgramOnCorpus(await openCorpus(corpus), {
      order: o.order,
      smoothing: o.smoothing,
      k: o.k,
      prune: o.prune,
      vocab: closed,
      minCount: o.minCount,
      maxSize: o.maxSize,
    }),
  );
  const trainSeconds = (performance.now() - t0) / 1000;
  const counts = model.counts().slice(1);
  ctx.log(`${o.order}-gram ${o.smoothing}: ${counts.map((n, i) => `${i + 1}-grams ${n}`).join(", ")}`);
  ctx.log(`vocabulary ${model.vocab.size} words, trained in ${trainSeconds.toFixed(1)} s`);
  let evaluation: Record<string, unknown> | undefined;
  if (o.eval) {
    const t1 = performance.now();
    const r = await filePerplexity(model, o.eval);
    const seconds = (performance.now() - t1) / 1000;
    ctx.log(
      `${o.eval.join(", ")}: perplexity ${r.perplexity.toFixed(2)} on ${r.tokens} tokens (${r.oov} OOV as <unk>)`,
    );
    evaluation = { ...r, seconds, tokensPerSecond: r.tokens / seconds };
  }
  if (o.output) {
    const t1 = performance.now();
    await writeArpa(model, o.output);
    ctx.log(`wrote ${o.output} in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  }
  return {
    type: "ngram",
    order: o.order,
    smoothing: o.smoothing,
    vocab: model.vocab.size,
    ngrams: counts,
    ...model.info.smoothingInfo,
    trainSeconds,
    seconds: (performance.now() - t0) / 1000,
    output: o.output,
    ...(evaluation ? { eval: evaluation } : {}),
  };
}

/** Perplexity sentence by sentence (each `<s> words </s>`), optionally listing every sentence. */
async function evalSentences(
  ctx: CommandContext,
  model: LanguageModel,
  text: string[],
  perSentenceWanted: boolean,
): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const tokenizer = model instanceof NeuralLanguageModel ? configTokenizer(model.config) : undefined;
  const r = await filePerplexity(model, text, tokenizer, { perSentence: perSentenceWanted });
  const seconds = (performance.now() - t0) / 1000;
  if (r.sentences === 0) throw new EmbedlmError("no sentence to score", { file: text.join(", ") });
  r.perSentence?.forEach((s, i) => {
    const ppl = Math.exp(-s.logProb / s.tokens);
    ctx.log(
      `${i + 1}\tlog10 ${(s.logProb / Math.LN10).toFixed(4)}\ttokens ${s.tokens}\tOOV ${s.oov}\tppl ${ppl.toFixed(2)}`,
    );
  });
  ctx.log(
    `${r.sentences} sentences, ${r.tokens} tokens (words + </s>), ${r.oov} OOV (scored as <unk>)\n` +
      `log10 prob ${(r.logProb / Math.LN10).toFixed(2)}\nperplexity ${r.perplexity.toFixed(2)} (OOVs included)\n` +
      `perplexity ${r.perplexityExcludingOov.toFixed(2)} (OOVs excluded)`,
  );
  const { perSentence, ...total } = r;
  return {
    ...total,
    log10Prob: r.logProb / Math.LN10,
    seconds,
    tokensPerSecond: r.tokens / seconds,
    ...(perSentence
      ? { perSentence: perSentence.map((s) => ({ ...s, perplexity: Math.exp(-s.logProb / s.tokens) })) }
      : {}),
  };
}

export const register: Register = (program) => {
  const lm = program
    .command("lm")
    .description("Language models: train, evaluate (perplexity), predict the next word, generate text")
    .addHelpText(
      "after",
      '\nExamples:\n  embedlm lm train --order 5 ptb.train.txt -o ptb5.arpa\n  embedlm lm train --type lstm --preset small ptb.train.txt --valid ptb.valid.txt -o ptb-lstm\n  embedlm lm eval ptb-lstm ptb.test.txt\n  embedlm lm predict ptb5.arpa "the stock market"\n  embedlm lm generate ptb-lstm "the market" --top-p 0.9 --seed 3\n\n\'embedlm lm COMMAND --help\' shows each command\'s options and more examples.',
    );

  const trainCmd = lm
    .command("train")
    .description("Train a language model (n-gram, or neural: LSTM, GRU, NPLM, GPT) on a tokenized corpus")
    .argument("<corpus...>", "text files, whitespace-tokenized, one sentence per line (neural: one file)")
    .option(
      "-o, --output <path>",
      "model to write (an ARPA file for n-gram models, a directory for neural ones)",
    )
    .option("--eval <text...>", "n-gram: also report the perplexity on these files (held-out text)")
    .addOption(
      new Option("--type <type>", "model type")
        .choices(["ngram", "lstm", "gru", "nplm", "gpt"])
        .default("ngram"),
    )
    .option("--order <n>", "n-gram order", intOption("--order", 1, 16), 5)
    .addOption(
      new Option(
        "--smoothing <method>",
        "kn (interpolated modified Kneser-Ney), wb (Witten-Bell), addk, stupid",
      )
        .choices(["kn", "wb", "addk", "stupid"])
        .default("kn"),
    )
    .option(
      "--k <x>",
      "add-k's k (default 1) or stupid backoff's alpha (default 0.4)",
      floatOption("--k", { above: 0 }),
    )
    .option(
      "--prune <thresholds>",
      "KenLM --prune: per-order count thresholds, e.g. 0,0,1 (n-grams seen that often or less are dropped; the last repeats)",
      listOption("--prune"),
    )
    .option(
      "--vocab <file>",
      "closed vocabulary: a 'word count' file (as written by embedlm vocab); other words become <unk>",
    )
    .option("--min-count <n>", "words seen fewer times become <unk>", intOption("--min-count", 0))
    .option("--max-size <n>", "keep at most this many words (the most frequent)", intOption("--max-size", 1));
  neuralTrainOptions(trainCmd)
    .addHelpText(
      "after",
      "\nExamples:\n  embedlm lm train --order 5 ptb.train.txt -o ptb5.arpa\n  embedlm lm train --order 5 ptb.train.txt --eval ptb.test.txt\n  embedlm lm train --order 3 --smoothing wb --prune 0,1 corpus.txt -o wb3.arpa\n  embedlm lm train --type lstm --preset small ptb.train.txt --valid ptb.valid.txt --test ptb.test.txt -o ptb-lstm\n  embedlm lm train --type lstm --resume ptb.train.txt --valid ptb.valid.txt -o ptb-lstm\n  embedlm lm train --type gru --hidden 256 --optimizer adam --lr 0.002 --epochs 5 train.txt --valid valid.txt -o gru\n  embedlm lm train --type lstm --init-vectors vectors.bin --freeze-embeddings ptb.train.txt --valid ptb.valid.txt -o lstm-w2v\n  embedlm lm train --type nplm --bptt 4 --direct-connections ptb.train.txt --valid ptb.valid.txt -o ptb-nplm\n  embedlm lm train --type gpt --preset mini --bptt 128 ptb.train.txt --valid ptb.valid.txt -o ptb-gpt",
    )
    .action(action(async (ctx, corpus: string[], o: TrainOptions) => train(ctx, corpus, o, trainCmd)));

  lm.command("eval")
    .description("Perplexity of a model on a text (the total; --per-sentence lists each sentence)")
    .argument("<model>", "model: an ARPA file or a neural model directory")
    .argument("<text...>", "text files, whitespace-tokenized, one sentence per line")
    .option(
      "--per-sentence",
      "print each sentence's log10 probability, tokens, OOVs and perplexity (a neural model reads each sentence from a fresh state)",
    )
    // Scoring a file is long enough for the threaded products to pay (the first 10k tokens of PTB
    // valid on the 2x650 model: 10.9 s on one thread, 6.2 s on two); predict and generate, a few
    // batch-1 steps, gain nothing from worker threads and keep the default of 1.
    .option("--threads <n>", "neural: compute threads (default: CPU cores, at most 4)", threadsOption)
    .addHelpText(
      "after",
      "\nA neural model is scored as lm_torch.py does: the files as one continuous stream, <eos> after every line, the state carried throughout (the usual PTB perplexity); --per-sentence scores each sentence on its own.\n\nExamples:\n  embedlm lm eval ptb5.arpa ptb.test.txt\n  embedlm --json lm eval ptb5.arpa test.txt\n  embedlm lm eval ptb-lstm/ ptb.test.txt",
    )
    .action(
      action(
        async (ctx, modelPath: string, text: string[], o: { perSentence?: boolean; threads?: number }) => {
          const { model, close } = await openModel(modelPath, o.threads);
          try {
            if (model instanceof NeuralLanguageModel && !o.perSentence) {
              const r = await streamPerplexity(model, text);
              ctx.log(
                `${r.tokens} tokens predicted (one stream, <eos> after each line), ${r.oov} OOV (scored as <unk>)\n` +
                  `perplexity ${(r.perplexity as number).toFixed(2)}`,
              );
              return r;
            }
            return await evalSentences(ctx, model, text, o.perSentence === true);
          } finally {
            await close();
          }
        },
      ),
    );

  lm.command("predict")
    .description("The most probable next words after a context")
    .argument("<model>", "model: an ARPA file or a neural model directory")
    .argument("[context]", "the words so far (the sentence start <s> is added)", "")
    .option("--topk <k>", "how many words", intOption("--topk", 1), 5)
    .option("--threads <n>", "neural: compute threads", threadsOption, 1)
    .addHelpText("after", '\nExamples:\n  embedlm lm predict ptb5.arpa "the stock market" --topk 10')
    .action(
      action(async (ctx, modelPath: string, context: string, o: { topk: number; threads: number }) => {
        const { model, close } = await openModel(modelPath, o.threads);
        try {
          const ids = encodePrompt(model, words(context, model));
          const t0 = performance.now();
          const predictions = topK(model, ids, o.topk);
          const ms = performance.now() - t0;
          for (const p of predictions) ctx.log(`${p.word}\t${p.prob.toFixed(6)}`);
          return { context, predictions, milliseconds: ms, ...oovNote(model, context) };
        } finally {
          await close();
        }
      }),
    );

  lm.command("generate")
    .description("Sample text from a model, optionally continuing a prompt")
    .argument("<model>", "model: an ARPA file or a neural model directory")
    .argument("[prompt]", "words to continue (the sentence start <s> is added)", "")
    .option("--threads <n>", "neural: compute threads", threadsOption, 1)
    .option("--max-tokens <n>", "words to generate at most (stops at </s>)", intOption("--max-tokens", 0), 20)
    .option(
      "--temperature <t>",
      "< 1 sharper, > 1 flatter, 0 greedy",
      floatOption("--temperature", { min: 0 }),
      1,
    )
    .option("--greedy", "always the most probable word (the same as --temperature 0)")
    .option("--top-k <k>", "sample among the k most probable words (0: all)", intOption("--top-k", 0), 0)
    .option(
      "--top-p <p>",
      "nucleus sampling: among the most probable words reaching mass p",
      floatOption("--top-p", { above: 0, max: 1 }),
      1,
    )
    .option("--stop <words...>", "words that end the text (besides </s>)")
    .option("--seed <n>", "random seed (same seed, same text)", intOption("--seed", 0), 1)
    .addHelpText(
      "after",
      '\nExamples:\n  embedlm lm generate ptb5.arpa "the company said" --seed 7\n  embedlm lm generate ptb5.arpa --temperature 0.7 --max-tokens 30\n  embedlm lm generate ptb-lstm "the market" --top-k 40 --top-p 0.9 --stop . --seed 3\n  embedlm lm generate ptb-lstm "the market" --greedy',
    )
    .action(
      action(
        async (
          ctx,
          modelPath: string,
          prompt: string,
          o: {
            maxTokens: number;
            temperature: number;
            greedy?: boolean;
            topK: number;
            topP: number;
            stop?: string[];
            seed: number;
            threads: number;
          },
        ) => {
          const { model, close } = await openModel(modelPath, o.threads);
          try {
            const ids = encodePrompt(model, words(prompt, model));
            const stop = (o.stop ?? []).map((w) => {
              const id = model.vocab.id(w);
              if (id < 0)
                throw new EmbedlmError(`stop word '${w}' is not in the model's vocabulary`, {
                  field: "--stop",
                });
              return id;
            });
            const temperature = o.greedy ? 0 : o.temperature;
            const out = generate(model, ids, { ...o, temperature, stop });
            const text = out.map((id) => model.vocab.words[id]).join(" ");
            ctx.log(prompt ? `${prompt} ${text}` : text);
            return {
              prompt,
              generated: text,
              tokens: out.length,
              seed: o.seed,
              temperature,
              topK: o.topK,
              topP: o.topP,
            };
          } finally {
            await close();
          }
        },
      ),
    );
};

function oovNote(model: LanguageModel, context: string): Record<string, unknown> {
  const oov = words(context, model).filter((w) => model.vocab.id(w) < 0);
  return oov.length > 0 ? { oov } : {};
}
