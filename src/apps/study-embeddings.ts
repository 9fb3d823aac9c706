// The embedding study (issue 7): what the first layer of a language model gains from word vectors.
// On PTB with a small and the full share of the training data, the same LSTM language model is trained
// with a random embedding, with one initialised from word2vec vectors trained by embedlm on a general
// corpus (frozen or fine-tuned), and with input/output weight tying; the table and a plot of the
// validation perplexity per epoch go to Markdown + SVG.
import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { matchVectors } from "../lm/neural/embedding-init.js";
import { createNnRuntime } from "../nn/runtime.js";
import { textCorpus } from "../text/corpus.js";
import { type EpochRecord, readLines, trainNeuralLm, withFullVocabulary } from "../train/lm/index.js";
import { trainWord2Vec } from "../train/word2vec/index.js";
import { writeFileAtomic } from "../util/atomic.js";
import { checkInt, checkNumber, EmbedlmError } from "../util/errors.js";
import type { KeyedVectors } from "../vectors/keyed-vectors.js";
import { lineChartSvg } from "./plot.js";

/** How a variant treats the embedding. */
export interface StudyVariant {
  /** Row label in the table and legend entry of the plot. */
  label: string;
  /** Initialise covered rows from the word2vec vectors (uncovered rows stay random). */
  vectors: boolean;
  /** Keep the embedding fixed. */
  freeze: boolean;
  /** Share the embedding with the output layer. */
  tie: boolean;
}

/** The variants the study knows, by name (the `variants` option). */
export const STUDY_VARIANTS = {
  random: { label: "random init", vectors: false, freeze: false, tie: false },
  frozen: { label: "word2vec, frozen", vectors: true, freeze: true, tie: false },
  finetuned: { label: "word2vec, fine-tuned", vectors: true, freeze: false, tie: false },
  tied: { label: "random init, tied", vectors: false, freeze: false, tie: true },
  "finetuned-tied": { label: "word2vec, fine-tuned, tied", vectors: true, freeze: false, tie: true },
} as const satisfies Record<string, StudyVariant>;
export type StudyVariantName = keyof typeof STUDY_VARIANTS;
export const DEFAULT_VARIANTS: readonly StudyVariantName[] = ["random", "frozen", "finetuned", "tied"];

export interface EmbeddingStudyOptions {
  /** Directory holding ptb.train.txt, ptb.valid.txt, ptb.test.txt (or train.txt, valid.txt, test.txt). */
  data: string;
  /**
   * The general corpus the word2vec vectors are trained on (text files; normalised like PTB first:
   * lowercased, numbers as N, WikiText's @,@ joins undone). It must not be the PTB training text.
   */
  corpus: readonly string[];
  /** The Markdown report to write; the plot goes beside it with the extension .svg. */
  output: string;
  /** The data slices and (while they train) the models go here. Default: a temporary directory, removed at the end. */
  workDir?: string;
  /** Shares of the PTB training lines (the first lines), each with its own runs. Default [0.1, 1]. */
  fractions?: readonly number[];
  /** Epochs for each fraction (same length as `fractions`). Default [4, 1]. */
  epochs?: readonly number[];
  /** Variants to run, in table order. Default: random, frozen, finetuned, tied (the four). */
  variants?: readonly StudyVariantName[];
  /** Embedding size = LSTM hidden size = word2vec vector size (tying needs the first two equal). Default 128. */
  dim?: number;
  /** LSTM layers. Default 1. */
  layers?: number;
  /** Dropout on the embedding output and before the output layer. Default 0.25. */
  dropout?: number;
  /** Adam's learning rate. Default 0.002. */
  lr?: number;
  /** Truncated-BPTT length and batch size. Default 35 and 20. */
  bptt?: number;
  batchSize?: number;
  /** word2vec: skip-gram epochs on the general corpus. Default 5. */
  vectorEpochs?: number;
  /** Worker threads for word2vec and the language models. Default 2. */
  threads?: number;
  /** Seed of every run (each variant starts from the same random weights). Default 1. */
  seed?: number;
  /** The command that reproduces the study, quoted in the report. */
  command?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface StudyRun {
  fraction: number;
  variant: StudyVariantName;
  label: string;
  epochs: EpochRecord[];
  bestValidPerplexity: number;
  testPerplexity: number;
  /** Training seconds (validation excluded) and wall seconds of the whole run. */
  trainSeconds: number;
  wallSeconds: number;
  tokensPerSecond: number;
  trainTokens: number;
}

export interface StudyVectors {
  corpusFiles: string[];
  corpusTokens: number;
  words: number;
  dim: number;
  seconds: number;
  /** Share of the PTB vocabulary with a vector, and of the PTB training tokens. */
  typeCoverage: number;
  tokenCoverage: number;
  uncoveredExamples: string[];
}

export interface EmbeddingStudyResult {
  runs: StudyRun[];
  vectors: StudyVectors;
  seconds: number;
  markdown: string;
  svg: string;
  files: { markdown: string; svg: string };
}

const NUMBER = /^[-+]?[\d.,:/]*\d[\d.,:/]*$/;

/**
 * One line of a general corpus the way Mikolov's PTB is written: lowercase, numbers replaced by N,
 * WikiText's split separators (`1 @,@ 000`, `well @-@ known`) joined back first.
 */
export function ptbStyle(line: string): string {
  return line
    .replace(/ @([,.-])@ /g, "$1")
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== "")
    .map((w) => (NUMBER.test(w) ? "N" : w))
    .join(" ");
}

async function findFile(dir: string, names: string[]): Promise<string> {
  for (const n of names) {
    try {
      await access(join(dir, n));
      return join(dir, n);
    } catch {}
  }
  throw new EmbedlmError(`expected ${names.join(" or ")} in the data directory`, { file: dir });
}

/**
 * The first `fraction` of the training lines, after one line with every other word of the full
 * training vocabulary, so every run has the same vocabulary (and OOV mapping) and perplexities of
 * different fractions compare.
 */
function slice(lines: readonly string[], fraction: number): string[] {
  return withFullVocabulary(lines.slice(0, Math.max(1, Math.round(lines.length * fraction))), lines);
}

const pct = (f: number) => `${+(100 * f).toFixed(1)}%`;

function resolve(o: EmbeddingStudyOptions) {
  const fractions = o.fractions ?? [0.1, 1];
  const epochs = o.epochs ?? [4, 1];
  if (fractions.length === 0)
    throw new EmbedlmError("expected at least one fraction", { field: "fractions" });
  if (epochs.length !== fractions.length)
    throw new EmbedlmError(`${fractions.length} fractions but ${epochs.length} epoch counts`, {
      field: "epochs",
    });
  for (const f of fractions) checkNumber("fractions", f, 1e-6, 1);
  for (const e of epochs) checkInt("epochs", e, 1);
  if (o.corpus.length === 0)
    throw new EmbedlmError("expected a general corpus for word2vec", { field: "corpus" });
  const variants = o.variants ?? DEFAULT_VARIANTS;
  for (const v of variants)
    if (!(v in STUDY_VARIANTS))
      throw new EmbedlmError(`unknown variant '${v}' (expected ${Object.keys(STUDY_VARIANTS).join(", ")})`, {
        field: "variants",
      });
  return {
    fractions,
    epochs,
    variants,
    dim: checkInt("dim", o.dim ?? 128, 1),
    layers: checkInt("layers", o.layers ?? 1, 1),
    dropout: checkNumber("dropout", o.dropout ?? 0.25, 0, 0.99),
    lr: checkNumber("lr", o.lr ?? 0.002, 0),
    bptt: checkInt("bptt", o.bptt ?? 35, 1),
    batchSize: checkInt("batchSize", o.batchSize ?? 20, 1),
    vectorEpochs: checkInt("vectorEpochs", o.vectorEpochs ?? 5, 1),
    threads: checkInt("threads", o.threads ?? 2, 1),
    seed: checkInt("seed", o.seed ?? 1, 0),
  };
}
type Resolved = ReturnType<typeof resolve>;

async function trainVectors(
  o: EmbeddingStudyOptions,
  r: Resolved,
  ptbTrain: readonly string[],
  log: (l: string) => void,
): Promise<{ wv: KeyedVectors; info: StudyVectors }> {
  const lines: string[] = [];
  let corpusTokens = 0;
  for (const file of o.corpus) {
    for (const line of await readLines(file)) {
      const l = ptbStyle(line);
      if (l === "") continue;
      lines.push(l);
      corpusTokens += l.split(" ").length;
    }
  }
  log(
    `word2vec: skip-gram, ${r.dim} dims, ${r.vectorEpochs} epochs on ${corpusTokens} tokens of ${o.corpus.join(", ")}`,
  );
  const w2v = await trainWord2Vec(textCorpus([lines.join("\n")]), {
    model: "skipgram",
    vectorSize: r.dim,
    epochs: r.vectorEpochs,
    minCount: 5,
    threads: r.threads,
    seed: r.seed,
  });
  const counts = new Map<string, number>();
  for (const line of ptbTrain)
    for (const w of line.split(/\s+/)) if (w !== "") counts.set(w, (counts.get(w) ?? 0) + 1);
  let tokens = 0;
  let covered = 0;
  for (const [w, c] of counts) {
    tokens += c;
    if (w2v.wv.has(w)) covered += c;
  }
  const match = matchVectors([...counts.keys()], w2v.wv);
  const info: StudyVectors = {
    corpusFiles: [...o.corpus],
    corpusTokens,
    words: w2v.wv.size,
    dim: r.dim,
    seconds: w2v.trainSeconds,
    typeCoverage: match.coverage.ratio,
    tokenCoverage: covered / tokens,
    uncoveredExamples: match.coverage.uncovered,
  };
  log(
    `word2vec: ${info.words} words in ${info.seconds.toFixed(1)} s; they cover ${pct(info.typeCoverage)} of PTB's vocabulary, ${pct(info.tokenCoverage)} of its training tokens`,
  );
  return { wv: w2v.wv, info };
}

/** Runs the study and writes the report and plot (rewritten after every run, atomically). */
export async function runEmbeddingStudy(o: EmbeddingStudyOptions): Promise<EmbeddingStudyResult> {
  const r = resolve(o);
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const trainFile = await findFile(o.data, ["ptb.train.txt", "train.txt"]);
  const validFile = await findFile(o.data, ["ptb.valid.txt", "valid.txt"]);
  const testFile = await findFile(o.data, ["ptb.test.txt", "test.txt"]);
  const ptbTrain = await readLines(trainFile);
  const { wv, info: vectors } = await trainVectors(o, r, ptbTrain, log);
  // Made once the inputs are known good (the finally below removes it).
  const work = o.workDir ?? (await mkdtemp(join(tmpdir(), "embedlm-study-")));
  await mkdir(work, { recursive: true });

  const files = { markdown: o.output, svg: o.output.replace(/(\.md)?$/, ".svg") };
  const runs: StudyRun[] = [];
  const total = r.fractions.length * r.variants.length;
  const write = async (done: boolean) => {
    const seconds = (performance.now() - t0) / 1000;
    const partial = { runs, vectors, seconds };
    const svg = await studyPlot(partial, r.fractions);
    const markdown = studyMarkdown(
      partial,
      o,
      r,
      files,
      done ? undefined : `${runs.length} of ${total} runs`,
    );
    await writeFileAtomic(files.svg, svg);
    await writeFileAtomic(files.markdown, markdown);
    return { svg, markdown, seconds };
  };

  const runtime = await createNnRuntime({ threads: r.threads });
  try {
    for (const [i, fraction] of r.fractions.entries()) {
      const sliceFile = join(work, `ptb.train.${pct(fraction).replace("%", "pct")}.txt`);
      const lines = slice(ptbTrain, fraction);
      await writeFile(sliceFile, `${lines.join("\n")}\n`);
      for (const name of r.variants) {
        const v: StudyVariant = STUDY_VARIANTS[name];
        log(`${pct(fraction)} of PTB, ${v.label}: ${r.epochs[i]} epoch${r.epochs[i] === 1 ? "" : "s"}`);
        const tr = performance.now();
        const model = join(work, "model");
        await rm(model, { recursive: true, force: true });
        const res = await trainNeuralLm(
          sliceFile,
          validFile,
          {
            config: {
              kind: "lstm",
              embeddingDim: r.dim,
              hiddenSize: r.dim,
              numLayers: r.layers,
              dropout: r.dropout,
              tie: v.tie,
              freezeEmbeddings: v.freeze,
              context: r.bptt,
              initRange: 0.1,
            },
            output: model,
            epochs: r.epochs[i],
            optimizer: "adam",
            lr: r.lr,
            lrDecay: 1,
            decayAfter: 0,
            clip: 5,
            batchSize: r.batchSize,
            seed: r.seed,
            runtime,
            initVectors: v.vectors ? (words) => matchVectors(words, wv) : undefined,
            onEpoch: (e) =>
              log(
                `  epoch ${e.epoch}: train ppl ${e.trainPerplexity.toFixed(1)}, valid ppl ${e.validPerplexity.toFixed(1)} (${Math.round(e.tokensPerSecond)} tokens/s)`,
              ),
          },
          testFile,
        );
        runs.push({
          fraction,
          variant: name,
          label: v.label,
          epochs: res.epochs,
          bestValidPerplexity: res.bestValidPerplexity,
          testPerplexity: res.testPerplexity ?? Number.NaN,
          trainSeconds: res.epochs.reduce((s, e) => s + e.seconds, 0),
          wallSeconds: (performance.now() - tr) / 1000,
          tokensPerSecond: res.trainTokensPerSecond,
          trainTokens: res.trainTokens,
        });
        log(`  test ppl ${runs[runs.length - 1].testPerplexity.toFixed(1)}`);
        await write(false);
      }
    }
  } finally {
    await runtime.close();
    if (o.workDir === undefined) await rm(work, { recursive: true, force: true });
    else await rm(join(work, "model"), { recursive: true, force: true });
  }
  const { svg, markdown, seconds } = await write(true);
  return { runs, vectors, seconds, markdown, svg, files };
}

/** Validation perplexity per epoch, one panel per fraction, one line per variant. */
export function studyPlot(p: { runs: readonly StudyRun[] }, fractions: readonly number[]): Promise<string> {
  const panel = (f: number) => `${pct(f)} of the PTB training data`;
  return lineChartSvg(
    p.runs.map((run) => ({
      name: run.label,
      panel: panel(run.fraction),
      points: run.epochs.map((e) => [e.epoch, e.validPerplexity] as const),
    })),
    {
      title: "Validation perplexity per epoch (LSTM LM on PTB)",
      xTitle: "epoch",
      yTitle: "validation perplexity",
      logY: true,
      panels: fractions.map(panel),
    },
  );
}

export const duration = (s: number) => (s < 120 ? `${s.toFixed(1)} s` : `${(s / 60).toFixed(1)} min`);
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");

function studyMarkdown(
  p: { runs: readonly StudyRun[]; vectors: StudyVectors; seconds: number },
  o: EmbeddingStudyOptions,
  r: Resolved,
  files: { markdown: string; svg: string },
  inProgress?: string,
): string {
  const v = p.vectors;
  const out: string[] = [];
  out.push("# The embedding study: what word vectors do for a language model", "");
  if (inProgress) out.push(`**In progress: ${inProgress} done.**`, "");
  out.push(
    "The same LSTM language model is trained on Penn Treebank with its first layer, the embedding,",
    "initialised randomly or from word2vec vectors that embedlm trained on a general corpus (frozen or",
    "fine-tuned), and with the embedding tied to the output layer. Written by",
    `\`${o.command ?? "embedlm study embeddings"}\`; total time ${duration(p.seconds)}.`,
    "",
    "## Setup",
    "",
    `- Model: ${r.layers}-layer LSTM, embedding = hidden = ${r.dim}, dropout ${r.dropout}, Adam lr ${r.lr}, clip 5, BPTT ${r.bptt}, batch ${r.batchSize}, seed ${r.seed}; the test perplexity is that of the epoch with the best validation perplexity.`,
    `- Data: PTB (${o.data}); the smaller shares are the first lines of the training set after one line listing the rest of its vocabulary once (first, so no epoch ends on it), so every run has PTB's vocabulary and the perplexities compare.`,
    `- Vectors: word2vec skip-gram (dim ${v.dim}, window 5, negative 5, min_count 5, epochs ${r.vectorEpochs}) on ${v.corpusFiles.join(", ")} (${v.corpusTokens.toLocaleString("en-US")} tokens, lowercased, numbers as N like PTB): ${v.words.toLocaleString("en-US")} words in ${v.seconds.toFixed(0)} s.`,
    `- Coverage: the vectors cover ${pct(v.typeCoverage)} of PTB's training vocabulary and ${pct(v.tokenCoverage)} of its training tokens (uncovered rows start random; e.g. without a vector: ${v.uncoveredExamples.slice(0, 8).join(", ")}).`,
    "",
    "## Results",
    "",
    "| training data | embedding | epochs | best valid ppl | test ppl | train time | tokens/s |",
    "|---|---|---:|---:|---:|---:|---:|",
  );
  for (const run of p.runs) {
    out.push(
      `| ${pct(run.fraction)} (${run.trainTokens.toLocaleString("en-US")} tokens) | ${run.label} | ${run.epochs.length} | ${f1(run.bestValidPerplexity)} | ${f1(run.testPerplexity)} | ${duration(run.trainSeconds)} | ${Math.round(run.tokensPerSecond)} |`,
    );
  }
  const fractions = [...new Set(p.runs.map((run) => run.fraction))];
  const changes = fractions.flatMap((f) => {
    const runs = p.runs.filter((run) => run.fraction === f);
    const base = runs.find((run) => run.variant === "random");
    if (base === undefined || runs.length < 2) return [];
    const change = runs
      .filter((run) => run !== base)
      .map((run) => {
        const d = (100 * (run.testPerplexity - base.testPerplexity)) / base.testPerplexity;
        return `${run.label}: ${d > 0 ? "+" : ""}${d.toFixed(1)}%`;
      });
    return [`- ${pct(f)} of the data: ${change.join("; ")}`];
  });
  if (changes.length > 0)
    out.push("", "Test perplexity against random initialisation (lower is better):", "", ...changes);
  out.push(
    "",
    `![Validation perplexity per epoch](${relative(join(files.markdown, ".."), files.svg)})`,
    "",
    "Validation perplexity after each epoch:",
    "",
    "| training data | embedding | per epoch |",
    "|---|---|---|",
  );
  for (const run of p.runs)
    out.push(
      `| ${pct(run.fraction)} | ${run.label} | ${run.epochs.map((e) => f1(e.validPerplexity)).join(", ")} |`,
    );
  out.push("");
  return out.join("\n");
}
