import { readFileSync } from "node:fs";
import { EmbedlmError } from "../util/errors.js";

/** An evaluation file's text, without the byte order mark some editors put before the first line. */
export function readEvalFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new EmbedlmError(`cannot read: ${(e as Error).message}`, { file });
  }
  return text.replace(/^\uFEFF/, "");
}
