import type { Command } from "commander";
import { EmbedlmError } from "../../util/errors.js";
import { KeyedVectors, type Neighbours, VECTOR_FORMATS, type VectorFormat } from "../../vectors/index.js";
import { action, type CommandContext, intOption } from "../common.js";
import type { Register } from "./index.js";

/** The loading switches every vectors command shares. */
export function addLoadOptions(cmd: Command): Command {
  return cmd
    .option("--format <format>", `input format (${VECTOR_FORMATS.join(", ")}); detected when omitted`)
    .option("--limit <n>", "read only the first n vectors (gensim limit)", intOption("--limit", 0))
    .option(
      "--duplicates <policy>",
      "a repeated word is an 'error' or keeps its 'first' row (gensim)",
      "error",
    );
}

export interface LoadFlags {
  format?: string;
  limit?: number;
  duplicates: string;
}

export async function loadForCli(file: string, flags: LoadFlags): Promise<KeyedVectors> {
  if (flags.duplicates !== "error" && flags.duplicates !== "first") {
    throw new EmbedlmError(`expected 'error' or 'first', got '${flags.duplicates}'`, {
      field: "--duplicates",
    });
  }
  return KeyedVectors.load(file, {
    format: flags.format as VectorFormat | undefined,
    limit: flags.limit,
    duplicates: flags.duplicates,
  });
}

/** Prints neighbours as aligned "word  similarity" lines and returns them for --json. */
export function printNeighbours(
  ctx: CommandContext,
  list: Neighbours,
): Array<{ word: string; similarity: number }> {
  const width = Math.max(0, ...list.map(([w]) => [...w].length));
  for (const [w, s] of list) ctx.log(`${w.padEnd(width)}  ${s.toFixed(4)}`);
  return list.map(([word, similarity]) => ({ word, similarity }));
}

interface SimilarFlags extends LoadFlags {
  negative: string[];
  topn: number;
  restrict?: number;
  cosmul?: boolean;
}

export const register: Register = (program) => {
  const cmd = program
    .command("similar")
    .description("Nearest words by cosine similarity (gensim most_similar; several words: their mean)")
    .argument("<vectors>", "vector file (word2vec text/binary, GloVe, fastText .vec, embedlm native)")
    .argument("<words...>", "words pulling towards the result")
    .option("--negative <word...>", "words pushing away from the result", [])
    .option("--topn <n>", "number of neighbours", intOption("--topn", 1), 10)
    .option(
      "--restrict <n>",
      "search only the first n words (gensim restrict_vocab)",
      intOption("--restrict", 1),
    )
    .option("--cosmul", "3CosMul (most_similar_cosmul) instead of the mean of unit vectors (3CosAdd)");
  addLoadOptions(cmd)
    .addHelpText(
      "after",
      `
Examples:
  embedlm similar vectors.bin king                      # the 10 nearest words
  embedlm similar vectors.txt king woman --negative man  # king - man + woman
  embedlm similar glove.6B.100d.txt frog --topn 5 --json`,
    )
    .action(
      action(async (ctx, file: string, words: string[], flags: SimilarFlags) => {
        const kv = await loadForCli(file, flags);
        const opts = {
          positive: words,
          negative: flags.negative,
          topn: flags.topn,
          restrictVocab: flags.restrict,
        };
        const list = flags.cosmul ? kv.mostSimilarCosmul(opts) : kv.mostSimilar(opts);
        return { neighbours: printNeighbours(ctx, list) };
      }),
    );
};
