// Word-analogy evaluation on questions-words.txt files (gensim's evaluate_word_analogies, word2vec's
// compute-accuracy): "a b c d" asks a is to b as c is to ?, answered by the nearest word to b - a + c.
import { checkInt, EmbedlmError } from "../util/errors.js";
import type { KeyedVectors } from "../vectors/index.js";
import { readEvalFile } from "./read.js";
import { evaluationVocab } from "./vocab.js";

export interface AnalogyOptions {
  /**
   * Only the first N words count: questions with another word are out of vocabulary, and answers are
   * searched among them. Default 300000 (gensim); word2vec's compute-accuracy uses 30000.
   */
  restrictVocab?: number;
  /** Compare words upper-cased; a word's first (most frequent) case variant is used. Default true. */
  caseInsensitive?: boolean;
  /** Count questions with unknown words as wrong instead of skipping them. Default false. */
  dummy4unknown?: boolean;
  /** 3CosAdd (most_similar, gensim's and word2vec's) or 3CosMul (most_similar_cosmul). Default 3CosAdd. */
  method?: "3CosAdd" | "3CosMul";
  /** Questions scored per pass over the matrix. Default 256. */
  batchSize?: number;
}

export type Quadruplet = [string, string, string, string];

export interface AnalogySection {
  /** Section name from its ": name" header, or "Total accuracy" for the last entry. */
  section: string;
  correct: Quadruplet[];
  incorrect: Quadruplet[];
}

export interface AnalogyResult {
  /** Accuracy over the answered questions (correct / (correct + incorrect)), 0 if none. */
  score: number;
  /** Per section, then the total, as gensim returns them. */
  sections: AnalogySection[];
  /** Questions with all four words (valid lines). */
  questions: number;
  /** Questions with a word outside the restricted vocabulary. */
  oov: number;
  /** oov / questions * 100. */
  oovRatio: number;
  /** Lines (1-based) that are neither a ": section" header nor four words: skipped, as gensim does. */
  malformedLines: number[];
}

interface Question {
  section: AnalogySection;
  words: Quadruplet;
  rows: [number, number, number];
}

/** Accuracy of one section (gensim's _log_evaluate_word_analogies): 0 when nothing was answered. */
export function sectionAccuracy(s: AnalogySection): number {
  const n = s.correct.length + s.incorrect.length;
  return n === 0 ? 0 : s.correct.length / n;
}

export function evaluateWordAnalogies(
  kv: KeyedVectors,
  file: string,
  opts: AnalogyOptions = {},
): AnalogyResult {
  const restrictVocab = checkInt("restrictVocab", opts.restrictVocab ?? 300000, 1);
  const batchSize = checkInt("batchSize", opts.batchSize ?? 256, 1);
  const caseInsensitive = opts.caseInsensitive ?? true;
  const ok = evaluationVocab(kv, restrictVocab, caseInsensitive);
  const sections: AnalogySection[] = [];
  const pending: Question[] = [];
  let section: AnalogySection | undefined;
  let questions = 0;
  let oov = 0;
  const malformedLines: number[] = [];
  const lines = readEvalFile(file).split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line.startsWith(": ")) {
      section = { section: line.replace(/^[: ]+/, "").trim(), correct: [], incorrect: [] };
      sections.push(section);
      continue;
    }
    const parts = line
      .trim()
      .split(/\s+/)
      .filter((w) => w !== "");
    if (parts.length === 0) continue;
    if (!section)
      throw new EmbedlmError("missing ': section' header before the first question", { file, line: n + 1 });
    if (parts.length !== 4) {
      malformedLines.push(n + 1);
      continue;
    }
    const words = (caseInsensitive ? parts.map((w) => w.toUpperCase()) : parts) as Quadruplet;
    questions++;
    const rows = words.map((w) => ok.get(w));
    if (rows.some((r) => r === undefined)) {
      oov++;
      if (opts.dummy4unknown) section.incorrect.push(words);
      continue;
    }
    pending.push({ section, words, rows: [rows[0]!, rows[1]!, rows[2]!] });
  }
  if (questions === 0)
    throw new EmbedlmError(
      `no question: expected ': section' headers and lines of four words (${malformedLines.length} other lines)`,
      { file },
    );
  answer(kv, pending, restrictVocab, caseInsensitive, batchSize, opts.method);
  const total: AnalogySection = {
    section: "Total accuracy",
    correct: sections.flatMap((s) => s.correct),
    incorrect: sections.flatMap((s) => s.incorrect),
  };
  sections.push(total);
  return {
    score: sectionAccuracy(total),
    sections,
    questions,
    oov,
    oovRatio: (oov / questions) * 100,
    malformedLines,
  };
}

/**
 * Answers the in-vocabulary questions in batches and files each as correct or incorrect, in file order
 * (the order gensim fills its lists).
 */
function answer(
  kv: KeyedVectors,
  questions: Question[],
  restrictVocab: number,
  caseInsensitive: boolean,
  batch: number,
  method: AnalogyOptions["method"],
): void {
  const norm = (w: string) => (caseInsensitive ? w.toUpperCase() : w);
  const unit = (row: number) => kv.unitVector(kv.words[row]);
  for (let at = 0; at < questions.length; at += batch) {
    const chunk = questions.slice(at, at + batch);
    let results: Array<{ indices: number[] }>;
    if (method === "3CosMul") {
      results = chunk.map((q) =>
        kv.cosmulNearest([unit(q.rows[1]), unit(q.rows[2])], [unit(q.rows[0])], {
          topn: 5,
          restrictVocab,
          exclude: q.rows,
        }),
      );
    } else {
      // gensim's mean of unit vectors with weights (1, 1, -1) over |weights|; nearest() normalises it.
      const queries = chunk.map((q) => {
        const [a, b, c] = q.rows.map(unit);
        return Float32Array.from(a, (_, j) => (b[j] + c[j] - a[j]) / 3);
      });
      results = kv.nearestMany(queries, { topn: 5, restrictVocab, excludes: chunk.map((q) => q.rows) });
    }
    chunk.forEach((q, k) => {
      // gensim takes the first of the top 5 whose (upper-cased) word is not a question word; if all
      // five are, the last one stands as the prediction.
      const ignore = new Set(q.words.slice(0, 3));
      let predicted: string | undefined;
      for (const i of results[k].indices) {
        predicted = norm(kv.words[i]);
        if (!ignore.has(predicted)) break;
      }
      (predicted === q.words[3] ? q.section.correct : q.section.incorrect).push(q.words);
    });
  }
}
