import { readFileSync } from "node:fs";
import { cannotRead } from "../util/errors.js";

/** An evaluation file's text, without the byte order mark some editors put before the first line. */
export function readEvalFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw cannotRead(e, file);
  }
  return text.replace(/^\uFEFF/, "");
}
