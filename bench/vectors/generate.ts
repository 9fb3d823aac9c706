// Generates the benchmark's word2vec text file: `rows` words ("w0", "w1", ...) with `dim` values
// printed with six decimals, as word2vec.c writes them (%lf): each row is a random one of `clusters`
// normal(0, 1) centres plus normal(0, noise) noise (seeded).
import { createWriteStream } from "node:fs";
import { Rng } from "../../src/util/rng.js";

export async function generateWord2vecText(
  file: string,
  rows: number,
  dim: number,
  mix: { clusters: number; noise: number },
  seed = 1,
): Promise<void> {
  const rng = new Rng(seed);
  const centres = Float32Array.from({ length: mix.clusters * dim }, () => rng.normal());
  const out = createWriteStream(file);
  const write = (s: string) =>
    new Promise<void>((resolve) => {
      if (out.write(s)) resolve();
      else out.once("drain", () => resolve());
    });
  await write(`${rows} ${dim}\n`);
  const parts = new Array<string>(dim + 1);
  let chunk: string[] = [];
  for (let r = 0; r < rows; r++) {
    parts[0] = `w${r}`;
    const c = rng.int(mix.clusters) * dim;
    for (let j = 0; j < dim; j++) parts[j + 1] = (centres[c + j] + mix.noise * rng.normal()).toFixed(6);
    chunk.push(parts.join(" "));
    if (chunk.length === 1000 || r === rows - 1) {
      await write(`${chunk.join("\n")}\n`);
      chunk = [];
    }
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
}
