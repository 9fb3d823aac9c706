import { Phrases } from "../../text/phrases.js";
import { sentences } from "../../text/sentences.js";
import { EmbedlmError } from "../../util/errors.js";
import { countTokens } from "../../vocab/count.js";
import { Vocab } from "../../vocab/vocab.js";
import { action, floatOption, intOption } from "../common.js";
import { withStdinSpooled } from "../stdin.js";
import type { Register } from "./index.js";
import { addTokenizerOptions, openCorpusFor, tokenizerFrom } from "./tokenize.js";

interface VocabFlags {
  output?: string;
  minCount: number;
  maxSize?: number;
  maxFinalVocab?: number;
  specials?: string;
  phrases?: boolean;
  phraseMinCount: number;
  phraseThreshold: number;
  top: number;
}

export const register: Register = (program) => {
  const cmd = program
    .command("vocab")
    .description(
      "Count the words of a corpus and save the vocabulary as 'word count' lines after '</s> LINES' (word2vec -save-vocab format)",
    )
    .argument(
      "<corpus...>",
      "text files, directories, .gz files, or '-' for stdin (with --phrases copied to a temporary file)",
    )
    .option("-o, --output <file>", "vocabulary file to write")
    .option(
      "--min-count <n>",
      "drop words seen fewer times (gensim min_count)",
      intOption("--min-count", 0),
      5,
    )
    .option(
      "--max-size <n>",
      "keep at most n entries, the most frequent (a plain cut: of words tied at the cut the first seen stay)",
      intOption("--max-size", 1),
    )
    .option(
      "--max-final-vocab <n>",
      "gensim max_final_vocab: raise --min-count until at most n words remain (words tied at the cut all go)",
      intOption("--max-final-vocab", 1),
    )
    .option("--specials <list>", "special tokens to put first, comma-separated (e.g. '<unk>,<pad>')")
    .option("--phrases", "join frequent word pairs first (gensim Phrases: new_york)")
    .option("--phrase-min-count <n>", "phrases: min_count", intOption("--phrase-min-count", 1), 5)
    .option(
      "--phrase-threshold <x>",
      "phrases: score threshold",
      floatOption("--phrase-threshold", { min: -1 }),
      10,
    )
    .option("--top <n>", "how many of the most frequent words to show", intOption("--top", 0), 10);
  addTokenizerOptions(cmd)
    .addHelpText(
      "after",
      `
Examples:
  embedlm vocab corpus.txt -o vocab.txt                         # min-count 5, like word2vec
  embedlm vocab text8 --mode whitespace --min-count 5 -o vocab.txt --json
  embedlm vocab books/ --lowercase --stopwords en --max-size 20000 -o vocab.txt
  embedlm vocab news.txt.gz --phrases --lowercase -o vocab.txt  # new_york, united_states, ...`,
    )
    .action(
      action(async (ctx, paths: string[], flags: VocabFlags & Parameters<typeof tokenizerFrom>[0]) => {
        const tokenizer = await tokenizerFrom(flags, cmd);
        const specials = flags.specials ? flags.specials.split(",").filter(Boolean) : [];
        const start = performance.now();
        let counts: Map<string, number> = new Map();
        let tokens = 0;
        let lines = 0;
        let phraseCount: number | undefined;
        // Named as given ("stdin", not the temporary copy's path).
        const corpusName = paths.map((p) => (p === "-" ? "stdin" : p)).join(", ");
        const count = async (files: readonly string[]) => {
          const corpus = await openCorpusFor(ctx, files);
          const total = corpus.totalBytes;
          if (flags.phrases) {
            const phrases = new Phrases({ minCount: flags.phraseMinCount, threshold: flags.phraseThreshold });
            let bar = total ? ctx.progress("phrases (1/2)", total, "bytes") : undefined;
            await phrases.learn(sentences(corpus, tokenizer, { onBytes: (n) => bar?.update(n) }));
            bar?.stop();
            phraseCount = phrases.phrases().length;
            bar = total ? ctx.progress("counting (2/2)", total, "bytes") : undefined;
            // word2vec.c's </s> count: the lines read (sentences() skips the empty ones).
            async function* counted(onBytes?: (n: number) => void) {
              for await (const line of corpus.lines(onBytes)) {
                lines++;
                yield line;
              }
            }
            for await (const s of phrases.apply(
              sentences({ ...corpus, lines: counted }, tokenizer, { onBytes: (n) => bar?.update(n) }),
            )) {
              tokens += s.length;
              for (const w of s) counts.set(w, (counts.get(w) ?? 0) + 1);
            }
            bar?.stop();
          } else {
            const bar = total ? ctx.progress("counting", total, "bytes") : undefined;
            try {
              ({ counts, tokens, lines } = await countTokens(corpus, tokenizer, (n) => bar?.update(n)));
            } finally {
              bar?.stop();
            }
          }
        };
        // --phrases reads the corpus twice: stdin is copied to a temporary file first.
        if (flags.phrases) await withStdinSpooled(paths, count);
        else await count(paths);
        if (tokens === 0) throw new EmbedlmError("the corpus holds no words", { file: corpusName });
        const vocab = Vocab.fromCounts(counts, {
          minCount: flags.minCount,
          maxSize: flags.maxSize,
          maxFinalVocab: flags.maxFinalVocab,
          specials,
        });
        const seconds = (performance.now() - start) / 1000;
        if (vocab.size === 0) {
          throw new EmbedlmError(
            `no word occurs --min-count ${flags.minCount} times (${counts.size} distinct words); lower --min-count`,
            { file: corpusName },
          );
        }
        if (flags.output !== undefined) await vocab.save(flags.output, { sentenceBreaks: lines });
        const kept = vocab.totalCount;
        ctx.log(
          `${tokens} tokens, ${counts.size} distinct; kept ${vocab.size} words (${((100 * kept) / tokens).toFixed(1)}% of tokens) in ${seconds.toFixed(2)} s`,
        );
        const top = vocab.words.slice(specials.length, specials.length + flags.top);
        ctx.log(`most frequent: ${top.map((w) => `${w} (${vocab.counts[vocab.id(w)]})`).join(", ")}`);
        if (flags.output !== undefined) ctx.log(`vocabulary -> ${flags.output}`);
        return {
          tokens,
          distinct: counts.size,
          size: vocab.size,
          keptTokens: kept,
          minCount: flags.minCount,
          phrases: phraseCount ?? null,
          seconds,
          wordsPerSec: tokens / seconds,
          output: flags.output ?? null,
        };
      }),
    );
};
