import { basename } from "node:path";
import { evaluateWordAnalogies, evaluateWordPairs, sectionAccuracy } from "../../eval/index.js";
import { EmbedlmError } from "../../util/errors.js";
import { action, type CommandContext, intOption } from "../common.js";
import type { Register } from "./index.js";
import { addLoadOptions, type LoadFlags, loadForCli } from "./similar.js";

interface EvalFlags extends LoadFlags {
  analogies?: string[];
  pairs?: string[];
  restrict: number;
  caseSensitive?: boolean;
  dummy4unknown?: boolean;
  cosmul?: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** gensim skips malformed lines in its log; here they are named on stderr (and listed with --json). */
function warnMalformed(ctx: CommandContext, file: string, lines: number[], what: string): void {
  if (lines.length === 0) return;
  const shown = lines.slice(0, 10).join(", ") + (lines.length > 10 ? ", ..." : "");
  ctx.warn(`${file}: ${lines.length} lines skipped (${what}): line ${shown}`);
}

export const register: Register = (program) => {
  const cmd = program
    .command("eval")
    .description(
      "Evaluate vectors on word analogies (questions-words.txt) and word-pair similarity sets, as gensim does",
    )
    .argument("<vectors>", "vector file (any supported format)")
    .option("--analogies <file...>", "analogy files with ': section' headers (questions-words.txt format)")
    .option("--pairs <file...>", "word-pair files: SimLex-999, WordSim-353, MEN, RW or 'w1<TAB>w2<TAB>score'")
    .option(
      "--restrict <n>",
      "only the first n words count (gensim restrict_vocab; word2vec's compute-accuracy uses 30000)",
      intOption("--restrict", 1),
      300000,
    )
    .option("--case-sensitive", "compare words as they are (default: upper-cased, as gensim)")
    .option(
      "--dummy4unknown",
      "count questions/pairs with unknown words as wrong / similarity 0 instead of skipping",
    )
    .option("--cosmul", "answer analogies with 3CosMul instead of 3CosAdd");
  addLoadOptions(cmd)
    .addHelpText(
      "after",
      `
Examples:
  embedlm eval vectors.bin --analogies questions-words.txt --restrict 30000
  embedlm eval vectors.txt --pairs SimLex-999.txt wordsim353.tsv --json
  embedlm eval glove.txt --analogies questions-words.txt --pairs SimLex-999.txt --cosmul`,
    )
    .action(
      action(async (ctx, file: string, flags: EvalFlags) => {
        if (!flags.analogies?.length && !flags.pairs?.length) {
          throw new EmbedlmError("nothing to evaluate: give --analogies and/or --pairs", {
            field: "options",
          });
        }
        const kv = await loadForCli(file, flags);
        const common = {
          restrictVocab: flags.restrict,
          caseInsensitive: !flags.caseSensitive,
          dummy4unknown: flags.dummy4unknown === true,
        };
        const analogies = [];
        for (const f of flags.analogies ?? []) {
          const start = performance.now();
          const r = evaluateWordAnalogies(kv, f, { ...common, method: flags.cosmul ? "3CosMul" : "3CosAdd" });
          warnMalformed(ctx, f, r.malformedLines, "neither ': section' nor four words");
          const sections = r.sections.map((s) => ({
            section: s.section,
            accuracy: sectionAccuracy(s),
            correct: s.correct.length,
            answered: s.correct.length + s.incorrect.length,
          }));
          ctx.log(
            `${basename(f)}: ${pct(r.score)} (${sections.at(-1)!.correct}/${sections.at(-1)!.answered}), ${r.oovRatio.toFixed(1)}% of ${r.questions} questions out of vocabulary`,
          );
          for (const s of sections.slice(0, -1))
            ctx.log(`  ${s.section}: ${pct(s.accuracy)} (${s.correct}/${s.answered})`);
          analogies.push({
            file: f,
            accuracy: r.score,
            questions: r.questions,
            oov: r.oov,
            oovRatio: r.oovRatio,
            malformedLines: r.malformedLines,
            sections,
            seconds: (performance.now() - start) / 1000,
          });
        }
        const pairs = [];
        for (const f of flags.pairs ?? []) {
          const r = evaluateWordPairs(kv, f, common);
          warnMalformed(ctx, f, r.malformedLines, "no pair with a numeric score");
          ctx.log(
            `${basename(f)}: Spearman ${r.spearman.toFixed(4)}, Pearson ${r.pearson.toFixed(4)}, ${r.pairs} pairs, ${r.oovRatio.toFixed(1)}% out of vocabulary`,
          );
          pairs.push({ file: f, ...r });
        }
        return {
          vectors: file,
          vocab: kv.size,
          dim: kv.dim,
          restrictVocab: flags.restrict,
          analogies,
          pairs,
        };
      }),
    );
};
