// Generated vectors with planted analogies, and analogy / word-pair files over them.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../src/util/rng.js";
import type { VectorData } from "../../src/vectors/index.js";

/**
 * `pairsPerRelation` (x, y) word pairs per relation with y = x + offset + noise, so analogies within a
 * relation mostly hold; filler words and case variants ("Paris" after "paris") around them.
 */
export function analogyWorld(seed = 5, dim = 32, pairsPerRelation = 12, noise = 0.35) {
  const rng = new Rng(seed);
  const relations = ["capital-world", "gram-plural", "gram-tense"];
  const words: string[] = [];
  const rows: number[][] = [];
  const rand = () => Array.from({ length: dim }, () => rng.normal());
  const sectionPairs: Array<Array<[string, string]>> = [];
  for (const [r, name] of relations.entries()) {
    const offset = rand().map((v) => v * 1.5);
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < pairsPerRelation; i++) {
      const x = rand();
      const y = x.map((v, j) => v + offset[j] + noise * rng.normal());
      const xw = `${name.slice(0, 3)}x${r}_${i}`;
      const yw = `${name.slice(0, 3)}y${r}_${i}`;
      words.push(xw, yw);
      rows.push(x, y);
      pairs.push([xw, yw]);
    }
    sectionPairs.push(pairs);
  }
  for (let i = 0; i < 120; i++) {
    words.push(`filler${i}`);
    rows.push(rand());
  }
  // Case variants: the upper-case form comes later, so case-insensitive lookups must take the first.
  for (let i = 0; i < 6; i++) {
    words.push(words[i].toUpperCase());
    rows.push(rand());
  }
  const data: VectorData = { words, dim, vectors: Float32Array.from(rows.flat()) };
  return { data, relations, sectionPairs, rng };
}

/** A questions-words file: every ordered pair of pairs per section, some in upper case, plus OOV and malformed lines. */
export function writeAnalogyFile(dir: string, world: ReturnType<typeof analogyWorld>): string {
  const lines: string[] = [];
  for (const [s, pairs] of world.sectionPairs.entries()) {
    lines.push(`: ${world.relations[s]}`);
    for (const [i, p] of pairs.entries()) {
      for (const [j, q] of pairs.entries()) {
        if (i === j) continue;
        const line = `${p[0]} ${p[1]} ${q[0]} ${q[1]}`;
        lines.push((i + j) % 5 === 0 ? line.toUpperCase() : line);
      }
    }
    lines.push(`${pairs[0][0]} ${pairs[0][1]} unknownword ${pairs[1][1]}`);
    lines.push(`${pairs[0][0]} ${pairs[0][1]} ${pairs[1][0]}`);
    lines.push("");
  }
  const file = join(dir, "questions.txt");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** A tab-separated pairs file with a header, comments, OOV pairs and tied integer scores. */
export function writePairsFile(dir: string, world: ReturnType<typeof analogyWorld>): string {
  const { data, rng } = world;
  const lines = ["# generated", "Word 1\tWord 2\tHuman (mean)"];
  for (let i = 0; i < 80; i++) {
    const a = data.words[rng.int(data.words.length)];
    const b = data.words[rng.int(data.words.length)];
    lines.push(`${i % 7 === 0 ? a.toUpperCase() : a}\t${b}\t${rng.int(11)}`);
  }
  lines.push("nosuchword\tfiller1\t3.5", "filler2\tnosuchword\t7");
  const file = join(dir, "pairs.tsv");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}
