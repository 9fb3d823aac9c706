// Small generated vector sets for the vectors and eval tests (seeded, so every run sees the same data).
import { Rng } from "../../src/util/rng.js";
import type { VectorData } from "../../src/vectors/index.js";

/** n words (a few non-ASCII) with normal(0, 1) values; `scale` varies the row norms. */
export function randomVectors(n: number, dim: number, seed = 1): VectorData {
  const rng = new Rng(seed);
  const special = ["café", "naïve", "日本", "Ünïcødé", "x-y_z", "UPPER", "upper"];
  const words = Array.from({ length: n }, (_, i) => (i < special.length ? special[i] : `w${i}`));
  const vectors = new Float32Array(n * dim);
  for (let r = 0; r < n; r++) {
    const scale = 0.5 + 2 * rng.next();
    for (let j = 0; j < dim; j++) vectors[r * dim + j] = rng.normal() * scale;
  }
  return { words, dim, vectors };
}
