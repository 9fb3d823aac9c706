import { createRequire } from "node:module";
import { EmbedlmError } from "../util/errors.js";

let lists: Record<string, string[]> | undefined;

/** The stopword lists of the `stopwords-iso` package, by ISO 639-1 code (loaded on first use). */
export function stopwordLanguages(): Record<string, string[]> {
  if (lists === undefined)
    lists = createRequire(import.meta.url)("stopwords-iso") as Record<string, string[]>;
  return lists;
}

/**
 * A set of lowercased stopwords: a string names stopwords-iso languages ("en", or "en,de"), an array
 * is the user's own list of words.
 */
export function stopwordSet(spec: string | readonly string[]): Set<string> {
  if (typeof spec !== "string") return new Set(spec.map((w) => w.toLowerCase()));
  const all = stopwordLanguages();
  const out = new Set<string>();
  for (const lang of spec.split(",").map((s) => s.trim().toLowerCase())) {
    const words = all[lang];
    if (words === undefined) {
      throw new EmbedlmError(
        `unknown stopword language '${lang}'; stopwords-iso has: ${Object.keys(all).sort().join(", ")}`,
        { field: "stopwords" },
      );
    }
    for (const w of words) out.add(w.toLowerCase());
  }
  return out;
}
