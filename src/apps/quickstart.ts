// The main job (`npm start` = `embedlm quickstart`): a tour of embedlm on the bundled corpus, as a list
// of steps. Each later stage (word2vec training, language models, ...) adds one step to `steps`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "../lm/generate.js";
import { loadLanguageModel } from "../lm/load.js";
import { encodePrompt } from "../lm/model.js";
import { type Coverage, describeCoverage, matchVectors } from "../lm/neural/embedding-init.js";
import { type Prediction, topK } from "../lm/predict.js";
import { createNnRuntime } from "../nn/runtime.js";
import { bundledCorpusFiles } from "../text/bundled.js";
import { type Corpus, openCorpus, textCorpus } from "../text/corpus.js";
import { Phrases } from "../text/phrases.js";
import { sentences, splitSentences } from "../text/sentences.js";
import { Tokenizer } from "../text/tokenizer.js";
import { trainNeuralLm } from "../train/lm/index.js";
import { trainWord2Vec } from "../train/word2vec/index.js";
import { EmbedlmError } from "../util/errors.js";
import type { KeyedVectors } from "../vectors/keyed-vectors.js";
import { buildHuffman } from "../vocab/huffman.js";
import { keepProbabilities } from "../vocab/subsample.js";
import { countInto, Vocab } from "../vocab/vocab.js";

/** What the quickstart needs from its caller (the CLI's command context fits). */
export interface QuickstartIO {
  log(line: string): void;
  warn(line: string): void;
  progress(
    label: string,
    total: number,
    unit?: string,
  ): { update(done: number, info?: string): void; stop(): void };
}

/** Shared state passed from step to step: later steps read what earlier ones left (e.g. `vocab`). */
export interface QuickstartState {
  io: QuickstartIO;
  /** The bundled corpus (State of the Union addresses + Moby-Dick). */
  corpus: Corpus;
  /** The tokenizer the tour uses (Unicode words, lowercased). */
  tokenizer: Tokenizer;
  /** Set by the vocabulary step (min_count 5). */
  vocab?: Vocab;
  /** Set by the word2vec step: the vectors the language model step starts from. */
  wv?: KeyedVectors;
  /** Anything a step wants to hand to later steps. */
  [key: string]: unknown;
}

export interface QuickstartStep {
  /** Key of this step's results in the --json output. */
  name: string;
  /** Heading printed before the step runs. */
  title: string;
  run(state: QuickstartState): Promise<Record<string, unknown>>;
}

/** Reads one pass of the corpus with a progress bar. */
export async function* withProgress(state: QuickstartState, label: string): AsyncIterable<string[]> {
  const bar = state.io.progress(label, state.corpus.totalBytes ?? 0, "bytes");
  try {
    yield* sentences(state.corpus, state.tokenizer, { onBytes: (n) => bar.update(n) });
  } finally {
    bar.stop();
  }
}

const EXAMPLES = [
  "Call me Ishmael. Some years ago—never mind how long precisely—having little or no money...",
  "嵌入技术在语言模型中的作用",
  "東京は日本の首都です。",
  "Café naïve façade: Ünïcödé survives, or ΑΘΗΝΑ and Москва lowercase.",
  "In 1984 we paid $3.50 for 2 tickets; mail info@example.org or see https://example.org/faq!",
  "Word embeddings 🚀 are fun 👍🏽 العربية أيضا",
];

export const tokenizationStep: QuickstartStep = {
  name: "tokenization",
  title: "Tokenization (Unicode-aware; Chinese and Japanese segmented into words)",
  async run(state) {
    const shown: { text: string; tokens: string[] }[] = [];
    for (const text of EXAMPLES) {
      const tokens = state.tokenizer.tokenize(text);
      shown.push({ text, tokens });
      state.io.log(`  ${text}`);
      state.io.log(`    -> ${tokens.join(" | ")}`);
    }
    const spelled = new Tokenizer({ numbers: "spell", stripAccents: true, lowercase: true, stopwords: "en" });
    const t = "In 1984 the Café paid 42 dollars";
    state.io.log(`  with numbers spelled, accents stripped, English stopwords removed:`);
    state.io.log(`    ${t} -> ${spelled.tokenize(t).join(" | ")}`);
    const para = "The whale! It breached. Then, silence fell over the Pequod.";
    state.io.log(
      `  sentences: ${splitSentences(para)
        .map((s) => `«${s}»`)
        .join(" ")}`,
    );
    return { examples: shown };
  },
};

export const vocabularyStep: QuickstartStep = {
  name: "vocabulary",
  title: "Vocabulary statistics (min_count 5, as word2vec and gensim)",
  async run(state) {
    const start = performance.now();
    let tokens = 0;
    let lines = 0;
    // One pass feeds the phrase detector, whose unigram counts are the word counts.
    const phrases = new Phrases({ minCount: 20, threshold: 10 });
    await phrases.learn(
      (async function* () {
        for await (const s of withProgress(state, "counting words and pairs")) {
          lines++;
          tokens += s.length;
          yield s;
        }
      })(),
    );
    const counts = phrases.unigramCounts();
    const seconds = (performance.now() - start) / 1000;
    const vocab = Vocab.fromCounts(counts, { minCount: 5 });
    state.vocab = vocab;
    let hapax = 0;
    for (const c of counts.values()) if (c === 1) hapax++;
    const coverage = (k: number) => {
      let s = 0;
      for (let i = 0; i < Math.min(k, vocab.size); i++) s += vocab.counts[i];
      return s / tokens;
    };
    // Zipf's law: slope of log(count) against log(rank) over ranks 10..1000.
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    let n = 0;
    for (let r = 10; r <= Math.min(1000, vocab.size); r++) {
      const x = Math.log(r);
      const y = Math.log(vocab.counts[r - 1]);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
      n++;
    }
    const zipf = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    const huff = buildHuffman(vocab.counts);
    let avgCode = 0;
    for (let i = 0; i < vocab.size; i++) avgCode += vocab.counts[i] * huff.lengths[i];
    avgCode /= vocab.totalCount;
    const keep = keepProbabilities(vocab.counts, 1e-3);
    let kept = 0;
    for (let i = 0; i < vocab.size; i++) kept += vocab.counts[i] * Math.min(1, keep[i]);
    const log = state.io.log;
    log(
      `  corpus: ${state.corpus.describe().split(", ").length} files, ${lines} lines, ${tokens} tokens (${(tokens / seconds / 1e6).toFixed(2)}M tokens/s, counting words and word pairs)`,
    );
    log(`  distinct words: ${counts.size}; seen once: ${hapax}; kept with min_count 5: ${vocab.size}`);
    log(`  most frequent: ${vocab.words.slice(0, 12).join(", ")}`);
    log(
      `  top 100 words cover ${(100 * coverage(100)).toFixed(1)}% of tokens, top 10,000 cover ${(100 * coverage(10000)).toFixed(1)}%`,
    );
    log(`  Zipf slope (ranks 10-1000): ${zipf.toFixed(2)} (Zipf's law: about -1)`);
    log(`  Huffman tree for hierarchical softmax: average code length ${avgCode.toFixed(2)} bits`);
    log(
      `  subsampling (sample 1e-3) keeps ${((100 * kept) / vocab.totalCount).toFixed(1)}% of tokens; 'the' kept with p = ${keep[vocab.id("the")]?.toFixed(3)}`,
    );

    const top = phrases.phrases().slice(0, 12);
    log(`  phrases (gensim Phrases scoring): ${top.map((p) => p.phrase).join(", ")}`);
    return {
      lines,
      tokens,
      distinct: counts.size,
      hapax,
      vocabSize: vocab.size,
      mostFrequent: vocab.words.slice(0, 12),
      coverageTop100: coverage(100),
      coverageTop10000: coverage(10000),
      zipfSlope: zipf,
      huffmanAverageBits: avgCode,
      subsampleKeptFraction: kept / vocab.totalCount,
      phrases: top.map((p) => p.phrase),
      tokensPerSec: tokens / seconds,
    };
  },
};

const NEIGHBOUR_WORDS = ["whale", "war", "liberty", "ship", "congress", "economy"];
const ANALOGIES: [string, string, string][] = [
  ["he", "his", "she"],
  ["war", "peace", "enemy"],
  ["ships", "ship", "whales"],
];

export const word2vecStep: QuickstartStep = {
  name: "word2vec",
  title: "Word vectors: word2vec CBOW, 5 epochs, on WebAssembly SIMD worker threads",
  async run(state) {
    // Tokenize once (Unicode words, lowercased) and train from the tokenized lines in memory.
    const lines: string[] = [];
    for await (const s of withProgress(state, "tokenizing")) lines.push(s.join(" "));
    const bar = state.io.progress("training", 100, "%");
    const r = await trainWord2Vec(textCorpus([lines.join("\n")]), {
      model: "cbow",
      vectorSize: 100,
      window: 5,
      negative: 5,
      minCount: 5,
      epochs: 5,
      seed: 1,
      onProgress: (p) =>
        bar.update(Math.round((100 * p.wordsDone) / p.wordsTotal), `epoch ${p.epoch}/${p.epochs}`),
    });
    bar.stop();
    const log = state.io.log;
    const last = r.epochs[r.epochs.length - 1];
    log(
      `  ${r.wv.size} words x ${r.wv.dim} dims in ${r.trainSeconds.toFixed(1)} s (${Math.round(r.wordsPerSecond / 1000)}k words/s` +
        `${r.relaxedSimd ? ", relaxed SIMD" : ""}); loss per prediction ${r.epochs[0].meanLoss.toFixed(3)} -> ${last.meanLoss.toFixed(3)}`,
    );
    const neighbours: Record<string, [string, number][]> = {};
    for (const w of NEIGHBOUR_WORDS.filter((w) => r.wv.has(w))) {
      neighbours[w] = r.wv.mostSimilar({ positive: [w], topn: 6 });
      log(`  nearest to ${w}: ${neighbours[w].map(([x, s]) => `${x} ${s.toFixed(2)}`).join(", ")}`);
    }
    const analogies: { question: string; answers: [string, number][] }[] = [];
    for (const [a, b, c] of ANALOGIES.filter((q) => q.every((w) => r.wv.has(w)))) {
      const answers = r.wv.mostSimilar({ positive: [b, c], negative: [a], topn: 3 });
      const question = `${a} : ${b} :: ${c} : ?`;
      analogies.push({ question, answers });
      log(`  analogy ${question}  ${answers.map(([x, s]) => `${x} ${s.toFixed(2)}`).join(", ")}`);
    }
    state.wv = r.wv;
    return {
      vocabSize: r.wv.size,
      trainSeconds: r.trainSeconds,
      wordsPerSecond: r.wordsPerSecond,
      meanLoss: r.epochs.map((e) => e.meanLoss),
      neighbours,
      analogies,
    };
  },
};

/** The size of the language model step (the tour's values are sized for about a minute on 2 cores). */
export interface LanguageModelStepOptions {
  /** The most recent State of the Union addresses to read; the last `validSpeeches` are held out. */
  speeches: number;
  validSpeeches: number;
  /** The most frequent training words kept (seen twice at least); the rest become <unk>. */
  vocab: number;
  epochs: number;
  /** Worker threads of the WebAssembly kernels. */
  threads: number;
  /** Keep the trained model in this directory (default: a temporary one, removed after the step). */
  modelDir?: string;
}

const LM_PROMPTS = ["the united states", "i ask the congress to", "we will never", "the state of the"];
const LM_GENERATE_PROMPT = "my fellow americans";

/**
 * Writes tokenized sentences one per line, words outside `keep` as <unk> (a PTB-style token file).
 * Returns the number of tokens with one <eos> per line.
 */
async function writeTokenFile(path: string, lines: readonly string[][], keep: Vocab): Promise<number> {
  let tokens = 0;
  const text = lines.map((l) => {
    tokens += l.length + 1;
    return l.map((w) => (keep.has(w) ? w : "<unk>")).join(" ");
  });
  await writeFile(path, `${text.join("\n")}\n`);
  return tokens;
}

/**
 * The step that trains an LSTM language model on recent State of the Union addresses, its embedding
 * initialised from the word2vec step's vectors, then predicts next words and generates a sentence.
 */
export function languageModelStepOf(o: LanguageModelStepOptions): QuickstartStep {
  return {
    name: "lm",
    title: "A neural language model (LSTM) whose embedding starts from the word vectors",
    async run(state) {
      const wv = state.wv;
      if (wv === undefined)
        throw new EmbedlmError("the lm step needs the word vectors: run the word2vec step first", {
          field: "--steps",
        });
      // The most recent addresses, one sentence per line: the last ones held out for validation.
      const files = bundledCorpusFiles(["sotu"]).slice(-o.speeches);
      const read = async (paths: string[]) => {
        const out: string[][] = [];
        for await (const s of sentences(await openCorpus(paths), state.tokenizer, { splitSentences: true }))
          out.push(s);
        return out;
      };
      const trainLines = await read(files.slice(0, -o.validSpeeches));
      const validLines = await read(files.slice(-o.validSpeeches));
      const counts = new Map<string, number>();
      for (const l of trainLines) countInto(counts, l);
      const keep = Vocab.fromCounts(counts, { minCount: 2, maxSize: o.vocab });
      const runtime = await createNnRuntime({ threads: o.threads });
      const dir = await mkdtemp(join(tmpdir(), "embedlm-quickstart-"));
      const model = o.modelDir ?? join(dir, "lm");
      try {
        const trainTokens = await writeTokenFile(join(dir, "train.txt"), trainLines, keep);
        await writeTokenFile(join(dir, "valid.txt"), validLines, keep);
        const log = state.io.log;
        const year = (f: string) => /(\d{4})_[^/]*$/.exec(f)?.[1];
        log(
          `  ${files.length - o.validSpeeches} State of the Union addresses (${year(files[0])}-${year(files[files.length - o.validSpeeches - 1])}; ` +
            `the next ${o.validSpeeches} for validation), ${trainTokens} tokens, the ${keep.size} most frequent words (the rest <unk>)`,
        );
        let coverage: Coverage | undefined;
        const bar = state.io.progress("training", 100, "%");
        const r = await trainNeuralLm(join(dir, "train.txt"), join(dir, "valid.txt"), {
          config: {
            kind: "lstm",
            embeddingDim: wv.dim,
            hiddenSize: wv.dim,
            numLayers: 1,
            dropout: 0.2,
            tie: false,
            freezeEmbeddings: false,
            context: 20,
            initRange: 0.1,
          },
          output: model,
          epochs: o.epochs,
          optimizer: "adam",
          lr: 0.005,
          lrDecay: 1,
          decayAfter: 0,
          clip: 5,
          batchSize: 20,
          seed: 1,
          runtime,
          initVectors: (words) => {
            const init = matchVectors(words, wv);
            coverage = init.coverage;
            return init;
          },
          onStep: (s) =>
            bar.update(
              Math.round((100 * (s.epoch - 1 + s.segment / s.segments)) / o.epochs),
              `epoch ${s.epoch}/${o.epochs}`,
            ),
        });
        bar.stop();
        if (coverage) log(`  embedding initialised from the word2vec vectors: ${describeCoverage(coverage)}`);
        for (const e of r.epochs)
          log(
            `  epoch ${e.epoch}: train perplexity ${e.trainPerplexity.toFixed(1)}, validation perplexity ${e.validPerplexity.toFixed(1)} (${Math.round(e.tokensPerSecond)} tokens/s)`,
          );
        const lm = await loadLanguageModel(model, { runtime });
        const predictions: Record<string, Prediction[]> = {};
        log("  next-word predictions:");
        for (const prompt of LM_PROMPTS) {
          // <unk> stands for 'some rarer word': true, but not worth showing.
          predictions[prompt] = topK(lm, encodePrompt(lm, prompt.split(" ")), 6)
            .filter((p) => p.id !== lm.unk)
            .slice(0, 5);
          log(
            `    ${prompt} ... ${predictions[prompt].map((p) => `${p.word} ${p.prob.toFixed(2)}`).join(", ")}`,
          );
        }
        const generated = [
          LM_GENERATE_PROMPT,
          ...generate(lm, encodePrompt(lm, LM_GENERATE_PROMPT.split(" ")), {
            seed: 1,
            temperature: 0.8,
            maxTokens: 30,
          }).map((id) => lm.vocab.words[id]),
        ].join(" ");
        log(`  generated (seed 1, temperature 0.8): ${generated}`);
        return {
          trainTokens,
          vocabSize: r.vocabSize,
          coverage,
          epochs: r.epochs,
          trainSeconds: r.epochs.reduce((sum, e) => sum + e.seconds, 0),
          predictions,
          generated,
        };
      } finally {
        await runtime.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

export const languageModelStep = languageModelStepOf({
  speeches: 22,
  validSpeeches: 2,
  vocab: 4000,
  epochs: 2,
  threads: 2,
});

/** The tour, in order; later stages append their step here. */
export const steps: QuickstartStep[] = [tokenizationStep, vocabularyStep, word2vecStep, languageModelStep];

/** Runs the steps (all, or those named in `only`) on the bundled corpus; returns results by step name. */
export async function runQuickstart(
  io: QuickstartIO,
  only?: readonly string[],
): Promise<Record<string, unknown>> {
  const corpus = await openCorpus(bundledCorpusFiles(), { onWarning: (w) => io.warn(w) });
  const state: QuickstartState = { io, corpus, tokenizer: new Tokenizer({ lowercase: true }) };
  const results: Record<string, unknown> = {};
  const chosen = only && only.length > 0 ? steps.filter((s) => only.includes(s.name)) : steps;
  for (const [i, step] of chosen.entries()) {
    io.log(`\n[${i + 1}/${chosen.length}] ${step.title}`);
    const t = performance.now();
    results[step.name] = await step.run(state);
    io.log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  return results;
}
