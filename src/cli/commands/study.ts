import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEFAULT_VARIANTS,
  duration,
  type EmbeddingStudyOptions,
  runEmbeddingStudy,
  STUDY_VARIANTS,
  type StudyVariantName,
} from "../../apps/study-embeddings.js";
import { EmbedlmError } from "../../util/errors.js";
import { action, floatOption, intOption, threadsOption } from "../common.js";
import type { Register } from "./index.js";

/**
 * The benchmark data beside the checkout: $EMBEDLM_SHARED/data, else shared/data next to the
 * package's directory (this file is dist/src/cli/commands/study.js), wherever the command runs from.
 */
const sharedData = (rel: string) =>
  join(
    process.env.EMBEDLM_SHARED ?? fileURLToPath(new URL("../../../../../shared", import.meta.url)),
    "data",
    rel,
  );

function listOf<T>(name: string, one: (v: string) => T): (value: string) => T[] {
  return (value) => {
    const items = value.split(/[,\s]+/).filter((s) => s !== "");
    if (items.length === 0)
      throw new EmbedlmError(`expected a comma-separated list, got '${value}'`, { field: name });
    return items.map(one);
  };
}

/** The command's flags: the study's options under their flag names (--ptb is `data`), and --quick. */
type StudyFlags = Omit<EmbeddingStudyOptions, "data" | "command" | "log"> & { ptb: string; quick?: boolean };

/**
 * --quick: a tiny budget (seconds on small data) to check the whole pipeline; given options win.
 * Epochs: 2 for a share of the data, 1 for all of it, one count per fraction.
 */
const QUICK: Partial<EmbeddingStudyOptions> = {
  dim: 16,
  vectorEpochs: 1,
  bptt: 10,
  batchSize: 4,
  lr: 0.01,
};

export const register: Register = (program) => {
  const study = program
    .command("study")
    .description("Studies that reproduce the docs' figures")
    .addHelpText(
      "after",
      "\nExamples:\n  embedlm study embeddings                # docs/study-embeddings.md\n  embedlm study embeddings --quick -o /tmp/quick.md\n\n'embedlm study embeddings --help' shows its options.",
    );
  study
    .command("embeddings")
    .description(
      "Random vs word2vec-initialised (frozen, fine-tuned) vs tied embeddings in an LSTM language model on PTB: a Markdown table and an SVG plot",
    )
    .option("--ptb <dir>", "PTB directory (ptb.train.txt, ptb.valid.txt, ptb.test.txt)", sharedData("ptb"))
    .option("--corpus <files...>", "general corpus for the word2vec vectors", [
      sharedData("wikitext-2/wiki.train.tokens"),
      sharedData("bench-corpus/sotu_kjv.txt"),
    ])
    .option(
      "-o, --output <file>",
      "the Markdown report (the plot goes beside it as .svg)",
      "docs/study-embeddings.md",
    )
    .option("--work-dir <dir>", "where the data slices and models go (default: a temporary directory)")
    .option(
      "--fractions <list>",
      "shares of the PTB training data (default 0.1,1)",
      listOf("--fractions", floatOption("--fractions", { above: 0, max: 1 })),
    )
    .option(
      "--epochs <list>",
      "epochs for each share (default 4,1)",
      listOf("--epochs", intOption("--epochs", 1)),
    )
    .option(
      "--variants <list>",
      `which embeddings, of ${Object.keys(STUDY_VARIANTS).join(", ")} (default ${DEFAULT_VARIANTS.join(",")})`,
      listOf("--variants", (v) => v as StudyVariantName),
    )
    .option("--dim <n>", "embedding = hidden = vector size (default 128)", intOption("--dim", 1))
    .option("--layers <n>", "LSTM layers (default 1)", intOption("--layers", 1))
    .option("--dropout <p>", "dropout (default 0.25)", floatOption("--dropout", { min: 0, max: 0.99 }))
    .option("--lr <x>", "Adam learning rate (default 0.002)", floatOption("--lr", { min: 0 }))
    .option("--bptt <n>", "truncated-BPTT length (default 35)", intOption("--bptt", 1))
    .option("--batch-size <n>", "batch size (default 20)", intOption("--batch-size", 1))
    .option("--vector-epochs <n>", "word2vec epochs (default 5)", intOption("--vector-epochs", 1))
    .option("--threads <n>", "worker threads (default 2)", threadsOption)
    .option("--seed <n>", "seed of every run (default 1)", intOption("--seed", 0))
    .option(
      "--quick",
      "a tiny budget to check the pipeline (dim 16, epochs 2,1, lr 0.01, one word2vec epoch)",
    )
    .addHelpText(
      "after",
      `
Examples:
  embedlm study embeddings                       # docs/study-embeddings.md: 8 runs, ~17 min on 2 idle cores
  embedlm study embeddings --variants random,frozen,finetuned,tied,finetuned-tied
  embedlm study embeddings --fractions 0.1 --epochs 6 --variants random,finetuned
  embedlm study embeddings --dim 300 --layers 2 --epochs 13,6 -o /tmp/study.md   # scaled up
  embedlm study embeddings --ptb data/ --corpus wiki.txt --quick -o /tmp/quick.md`,
    )
    .action(
      action(async (ctx, flags: StudyFlags) => {
        const { ptb, quick, ...rest } = flags;
        const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
        const command = `embedlm study embeddings ${process.argv.slice(process.argv.indexOf("embeddings") + 1).join(" ")}`;
        const r = await runEmbeddingStudy({
          ...(quick ? { ...QUICK, epochs: (rest.fractions ?? [0.1, 1]).map((f) => (f < 1 ? 2 : 1)) } : {}),
          ...given,
          data: ptb,
          corpus: flags.corpus,
          output: flags.output,
          command: command.trim(),
          log: ctx.log,
        });
        ctx.log(`wrote ${r.files.markdown} and ${r.files.svg} (${duration(r.seconds)})`);
        return {
          files: r.files,
          seconds: r.seconds,
          vectors: r.vectors,
          runs: r.runs.map(({ epochs, ...run }) => ({
            ...run,
            validPerplexities: epochs.map((e) => e.validPerplexity),
          })),
        };
      }),
    );
};
