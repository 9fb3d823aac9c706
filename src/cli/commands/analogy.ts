import { action, intOption } from "../common.js";
import type { Register } from "./index.js";
import { addLoadOptions, type LoadFlags, loadForCli, printNeighbours } from "./similar.js";

interface AnalogyFlags extends LoadFlags {
  topn: number;
  restrict?: number;
  cosmul?: boolean;
}

export const register: Register = (program) => {
  const cmd = program
    .command("analogy")
    .description("a is to b as c is to ?: the nearest words to b - a + c (3CosAdd, or 3CosMul with --cosmul)")
    .argument("<vectors>", "vector file (any supported format)")
    .argument("<a>")
    .argument("<b>")
    .argument("<c>")
    .option("--topn <n>", "number of answers", intOption("--topn", 1), 5)
    .option("--restrict <n>", "search only the first n words", intOption("--restrict", 1))
    .option("--cosmul", "3CosMul (Levy & Goldberg) instead of 3CosAdd");
  addLoadOptions(cmd)
    .addHelpText(
      "after",
      `
Examples:
  embedlm analogy vectors.bin man king woman      # -> queen
  embedlm analogy vectors.bin paris france rome --cosmul --json`,
    )
    .action(
      action(async (ctx, file: string, a: string, b: string, c: string, flags: AnalogyFlags) => {
        const kv = await loadForCli(file, flags);
        const opts = { positive: [b, c], negative: [a], topn: flags.topn, restrictVocab: flags.restrict };
        const list = flags.cosmul ? kv.mostSimilarCosmul(opts) : kv.mostSimilar(opts);
        return { question: [a, b, c], answers: printNeighbours(ctx, list) };
      }),
    );
};
