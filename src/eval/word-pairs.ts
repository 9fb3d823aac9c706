// Word-pair similarity evaluation (gensim's evaluate_word_pairs): correlation between human
// judgements and the vectors' cosine similarities.
import { checkInt, EmbedlmError } from "../util/errors.js";
import type { KeyedVectors } from "../vectors/index.js";
import { readEvalFile } from "./read.js";
import { pearson, spearman } from "./stats.js";
import { evaluationVocab } from "./vocab.js";

export interface WordPairsOptions {
  /**
   * Field separator. Default: detected from the first data line (tab, else comma, else runs of
   * spaces), so SimLex-999 (tab), WordSim-353 (csv or tab), MEN and RW (space or tab) read as they are.
   */
  delimiter?: string;
  /**
   * 0-based columns of word 1, word 2 and the score. Default [0, 1, 2], except SimLex-999 (a header
   * naming "SimLex999"), whose score column is found from the header.
   */
  columns?: [number, number, number];
  /** Only the first N words of the model count as known (gensim's restrict_vocab). Default 300000. */
  restrictVocab?: number;
  /** Compare words upper-cased; a word's first (most frequent) case variant is used. Default true. */
  caseInsensitive?: boolean;
  /** Score pairs with unknown words as similarity 0 instead of skipping them. Default false. */
  dummy4unknown?: boolean;
  /** Strip MEN's part-of-speech suffixes ("sun-n" -> "sun"). Default: when every word of the file has one. */
  stripPos?: boolean;
}

export interface WordPairsResult {
  /** Pearson's r between the gold scores and the model's cosine similarities. */
  pearson: number;
  /** Spearman's rho (average ranks for ties). */
  spearman: number;
  /** Percentage of pairs with a word outside the (restricted) vocabulary, as gensim computes it. */
  oovRatio: number;
  /** Pairs scored (with dummy4unknown, including the OOV pairs scored 0). */
  pairs: number;
  /** Pairs with an unknown word. */
  oov: number;
  /** Lines neither pairs nor comments (a header, malformed lines). */
  skipped: number;
  /** The skipped lines (1-based) that are not a header: a missing column or a score that is no number. */
  malformedLines: number[];
}

interface Pair {
  a: string;
  b: string;
  score: number;
}

/**
 * Reads a word-pair file: comments (#) and lines without a numeric score are skipped, as gensim does;
 * those after the first line that is not a comment (which may be a header) are `malformedLines`.
 */
export function readWordPairs(
  file: string,
  opts: Pick<WordPairsOptions, "delimiter" | "columns" | "stripPos"> = {},
): { pairs: Pair[]; skipped: number; malformedLines: number[] } {
  const lines = readEvalFile(file).split(/\r?\n/);
  const firstLine = lines.findIndex((l) => l.trim() !== "" && !l.startsWith("#"));
  const first = lines[firstLine] ?? "";
  const delimiter = opts.delimiter ?? (first.includes("\t") ? "\t" : first.includes(",") ? "," : " ");
  const split = (l: string) => (delimiter === " " ? l.trim().split(/\s+/) : l.split(delimiter));
  let columns = opts.columns;
  if (columns === undefined) {
    const header = split(first).map((f) => f.trim());
    const simlex = header.indexOf("SimLex999");
    columns = simlex >= 0 ? [0, 1, simlex] : [0, 1, 2];
  }
  const pairs: Pair[] = [];
  let skipped = 0;
  const malformedLines: number[] = [];
  const [c1, c2, c3] = columns;
  lines.forEach((line, n) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const f = split(line);
    const raw = f[c3]?.trim() ?? "";
    const score = raw === "" ? Number.NaN : Number(raw);
    if (f.length <= Math.max(c1, c2, c3) || !Number.isFinite(score)) {
      skipped++;
      if (n !== firstLine) malformedLines.push(n + 1);
      return;
    }
    pairs.push({ a: f[c1].trim(), b: f[c2].trim(), score });
  });
  const pos = /-[nvaj]$/;
  const strip = opts.stripPos ?? (pairs.length > 0 && pairs.every((p) => pos.test(p.a) && pos.test(p.b)));
  if (strip) for (const p of pairs) [p.a, p.b] = [p.a.replace(pos, ""), p.b.replace(pos, "")];
  return { pairs, skipped, malformedLines };
}

/** Correlates the model's cosine similarities with the human scores of a word-pair file. */
export function evaluateWordPairs(
  kv: KeyedVectors,
  file: string,
  opts: WordPairsOptions = {},
): WordPairsResult {
  const caseInsensitive = opts.caseInsensitive ?? true;
  const ok = evaluationVocab(kv, checkInt("restrictVocab", opts.restrictVocab ?? 300000, 1), caseInsensitive);
  const { pairs, skipped, malformedLines } = readWordPairs(file, opts);
  const gold: number[] = [];
  const model: number[] = [];
  let oov = 0;
  for (const p of pairs) {
    const a = ok.get(caseInsensitive ? p.a.toUpperCase() : p.a);
    const b = ok.get(caseInsensitive ? p.b.toUpperCase() : p.b);
    if (a === undefined || b === undefined) {
      oov++;
      if (opts.dummy4unknown) {
        gold.push(p.score);
        model.push(0);
      }
      continue;
    }
    gold.push(p.score);
    model.push(kv.similarity(kv.words[a], kv.words[b]));
  }
  if (gold.length < 2) {
    throw new EmbedlmError(
      `${gold.length} usable pairs, a correlation needs 2 or more: ${pairs.length} pairs read, ${oov} with unknown words, ${skipped} lines skipped`,
      { file },
    );
  }
  const oovRatio = opts.dummy4unknown ? (oov / gold.length) * 100 : (oov / (gold.length + oov)) * 100;
  return {
    pearson: pearson(gold, model),
    spearman: spearman(gold, model),
    oovRatio,
    pairs: gold.length,
    oov,
    skipped,
    malformedLines,
  };
}
