// Child process of the bounded-memory test: writes a generated corpus of N MB (half one long line,
// half lines of 20 words), counts its words through openCorpus + sentences + Vocab.build and prints
// {words, expected, rssMb} with the peak resident memory.
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCorpus } from "../../src/text/corpus.js";
import { sentences } from "../../src/text/sentences.js";
import { Tokenizer } from "../../src/text/tokenizer.js";
import { Vocab } from "../../src/vocab/vocab.js";

const mb = Number(process.argv[2] ?? 64);
const dir = await mkdtemp(join(tmpdir(), "embedlm-mem-"));
const path = join(dir, "big.txt");
const out = createWriteStream(path);
let expected = 0;
let bytes = 0;
const block: string[] = [];
for (let i = 0; i < 5000; i++) block.push(`w${(i * 7919) % 3001}`);
const longBlock = `${block.join(" ")} `;
// Short lines of 20 words, like a sentence-per-line corpus.
const shortBlock = block.map((w, i) => (i % 20 === 19 ? `${w}\n` : `${w} `)).join("");
while (bytes < mb << 20) {
  const piece = bytes < mb << 19 ? longBlock : shortBlock;
  if (!out.write(piece)) await new Promise<void>((r) => out.once("drain", () => r()));
  bytes += piece.length;
  expected += block.length;
}
await new Promise<void>((r) => out.end(() => r()));
const corpus = await openCorpus([path]);
const vocab = await Vocab.build(sentences(corpus, new Tokenizer({ mode: "whitespace" })));
await rm(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({ words: vocab.totalCount, expected, rssMb: process.resourceUsage().maxRSS / 1024 }),
);
