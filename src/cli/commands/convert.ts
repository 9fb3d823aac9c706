import { extname } from "node:path";
import { EmbedlmError } from "../../util/errors.js";
import type { NativeDtype } from "../../vectors/index.js";
import {
  checkFormat,
  readVectors,
  VECTOR_FORMATS,
  type VectorFormat,
  writeVectors,
} from "../../vectors/index.js";
import { action } from "../common.js";
import type { Register } from "./index.js";
import { addLoadOptions, type LoadFlags } from "./similar.js";

/** Output format from the file name when --to is not given. */
const BY_EXTENSION: Record<string, VectorFormat> = {
  ".bin": "word2vec-binary",
  ".txt": "word2vec-text",
  ".w2v": "word2vec-text",
  ".vec": "fasttext",
  ".glove": "glove",
  ".emb": "native",
};

interface ConvertFlags extends LoadFlags {
  to?: string;
  dtype?: string;
}

export const register: Register = (program) => {
  const cmd = program
    .command("convert")
    .description(
      "Convert vectors between formats (word2vec text/binary, GloVe, fastText .vec, embedlm native)",
    )
    .argument("<input>", "vector file (format detected unless --format)")
    .argument("<output>", "file to write (atomically: no partial file on error)")
    .option(
      "--to <format>",
      `output format (${VECTOR_FORMATS.join(", ")}); default from the extension: ${Object.entries(
        BY_EXTENSION,
      )
        .map(([e, f]) => `${e} ${f}`)
        .join(", ")}`,
    )
    .option("--dtype <type>", "native format values: float32, float16 or int8 (per-row scale)");
  addLoadOptions(cmd)
    .addHelpText(
      "after",
      `
Examples:
  embedlm convert vectors.bin vectors.txt                 # word2vec binary -> text
  embedlm convert glove.6B.100d.txt glove.emb             # -> native (loads at disk speed)
  embedlm convert wiki.en.vec wiki.emb --dtype float16    # half the size
  embedlm convert big.txt top100k.bin --limit 100000`,
    )
    .action(
      action(async (ctx, input: string, output: string, flags: ConvertFlags) => {
        let to: VectorFormat;
        if (flags.to !== undefined) to = checkFormat(flags.to, "--to");
        else {
          const byExt = BY_EXTENSION[extname(output).toLowerCase()];
          if (byExt === undefined) {
            throw new EmbedlmError(`cannot tell the output format from '${extname(output)}': give --to`, {
              field: "--to",
            });
          }
          to = byExt;
        }
        const dtype = flags.dtype as NativeDtype | undefined;
        if (dtype !== undefined && !["float32", "float16", "int8"].includes(dtype)) {
          throw new EmbedlmError(`expected float32, float16 or int8, got '${dtype}'`, { field: "--dtype" });
        }
        if (flags.duplicates !== "error" && flags.duplicates !== "first") {
          throw new EmbedlmError(`expected 'error' or 'first', got '${flags.duplicates}'`, {
            field: "--duplicates",
          });
        }
        const start = performance.now();
        const data = readVectors(input, {
          format: flags.format as VectorFormat | undefined,
          limit: flags.limit,
          duplicates: flags.duplicates,
        });
        const read = performance.now();
        await writeVectors(output, data, { format: to, dtype });
        const seconds = (performance.now() - start) / 1000;
        ctx.log(
          `${input} (${data.format}) -> ${output} (${to}${dtype ? ` ${dtype}` : ""}): ${data.words.length} x ${data.dim} in ${seconds.toFixed(2)} s`,
        );
        return {
          input,
          output,
          from: data.format,
          to,
          dtype,
          count: data.words.length,
          dim: data.dim,
          readSeconds: (read - start) / 1000,
          seconds,
        };
      }),
    );
};
