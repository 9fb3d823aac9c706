import { EmbedlmError } from "../../util/errors.js";
import { action } from "../common.js";
import type { Register } from "./index.js";
import { addLoadOptions, type LoadFlags, loadForCli } from "./similar.js";

export const register: Register = (program) => {
  const cmd = program
    .command("doesnt-match")
    .description("The word that fits least with the others (furthest from their mean; gensim doesnt_match)")
    .argument("<vectors>", "vector file (any supported format)")
    .argument("<words...>", "two or more words");
  addLoadOptions(cmd)
    .addHelpText(
      "after",
      `
Examples:
  embedlm doesnt-match vectors.bin breakfast cereal dinner lunch   # -> cereal`,
    )
    .action(
      action(async (ctx, file: string, words: string[], flags: LoadFlags) => {
        if (words.length < 2) throw new EmbedlmError("give at least two words", { field: "words" });
        const kv = await loadForCli(file, flags);
        const { ranked, ignored } = kv.rankByCentrality(words);
        if (ignored.length > 0) ctx.warn(`not in the vocabulary, ignored: ${ignored.join(" ")}`);
        const odd = ranked.at(-1)![1];
        ctx.log(odd);
        return { word: odd, ignored, ranked: ranked.map(([similarity, word]) => ({ word, similarity })) };
      }),
    );
};
