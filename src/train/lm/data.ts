import { readFile } from "node:fs/promises";
import { EOS, type NeuralVocab, UNK } from "../../lm/neural/model.js";
import type { IdTensor } from "../../nn/tensor.js";
import type { Tokenizer } from "../../text/tokenizer.js";
import { cannotRead, EmbedlmError } from "../../util/errors.js";

/** The lines of a text file (a final newline ends the last line, it does not start an empty one). */
export async function readLines(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw cannotRead(e, path);
  }
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * `part` of the training lines (a prefix, a share) that keeps the full training vocabulary: after one
 * line holding every word of `all` that `part` lacks, so a model trained on it has the full run's
 * softmax (and held-out words map to `<unk>` the same way). That line (thousands of unrelated words)
 * comes first: at the end it was the last segments of the last stream, and one epoch (PTB, SGD,
 * seed 1) ended with a step on it that took the perplexity of the first 1,000 training tokens from
 * 684 to 17 million. The step was exact (PyTorch computes the same update from the same weights and
 * state): ending an epoch on unrelated words is what made the model useless.
 */
export function withFullVocabulary(part: readonly string[], all: readonly string[]): string[] {
  const words = (line: string) => line.split(/\s+/).filter((w) => w !== "");
  const seen = new Set(part.flatMap(words));
  const missing = new Set<string>();
  for (const l of all) for (const w of words(l)) if (!seen.has(w)) missing.add(w);
  return missing.size > 0 ? [[...missing].join(" "), ...part] : [...part];
}

/**
 * The tokens of a text file, `<eos>` after every line (empty lines included), as Zaremba's and
 * PyTorch's word_language_model loaders read PTB. Lines are split on whitespace (PTB files are
 * tokenized already) unless a tokenizer is given for raw text.
 */
export async function readTokens(path: string, tokenizer?: Tokenizer): Promise<string[]> {
  const out: string[] = [];
  for (const line of await readLines(path)) {
    const words = tokenizer ? tokenizer.tokenize(line) : line.split(/\s+/);
    for (const w of words) if (w !== "") out.push(w);
    out.push(EOS);
  }
  return out;
}

/**
 * The vocabulary of a training stream: every type in order of first appearance (PyTorch's
 * word_language_model order; PTB gives 10,000 words), plus `<unk>` at the end when the text has none,
 * so held-out words have somewhere to go.
 */
export function buildVocabulary(tokens: readonly string[]): string[] {
  const seen = new Set<string>(tokens);
  const words = [...seen];
  if (!seen.has(UNK)) words.push(UNK);
  if (!seen.has(EOS)) words.push(EOS);
  return words;
}

/** Token ids; words outside the vocabulary become `<unk>` and are counted. */
export function encodeTokens(
  tokens: readonly string[],
  vocab: NeuralVocab,
): { ids: Int32Array; oov: number } {
  const ids = new Int32Array(tokens.length);
  let oov = 0;
  for (let i = 0; i < tokens.length; i++) {
    const id = vocab.id(tokens[i]);
    if (id < 0) oov++;
    ids[i] = id < 0 ? vocab.unk : id;
  }
  return { ids, oov };
}

/**
 * Truncated-BPTT batches over one token stream, as lm_torch.py's `batchify`: the stream is cut into
 * `batchSize` contiguous streams of n = floor(N / batchSize) tokens (the rest dropped), read side by
 * side in segments of `bptt` steps (the last one shorter), so stream b's state carries from one
 * segment to the next. Segment s predicts tokens [s*bptt + 1, s*bptt + L] from [s*bptt, s*bptt + L).
 */
export class StreamBatches {
  readonly batchSize: number;
  readonly bptt: number;
  /** Tokens per stream. */
  readonly streamLength: number;
  /** Segments per epoch. */
  readonly count: number;
  private readonly ids: Int32Array;

  constructor(ids: Int32Array, batchSize: number, bptt: number, file?: string) {
    this.batchSize = batchSize;
    this.bptt = bptt;
    this.ids = ids;
    this.streamLength = Math.floor(ids.length / batchSize);
    if (this.streamLength < bptt + 1)
      throw new EmbedlmError(
        `the corpus has ${ids.length} tokens, fewer than one batch (batch size ${batchSize} x (bptt ${bptt} + 1) = ${batchSize * (bptt + 1)}): use a longer text or a smaller --batch-size / --bptt`,
        { file },
      );
    this.count = Math.ceil((this.streamLength - 1) / bptt);
  }

  /** Tokens predicted per epoch. */
  get tokensPerEpoch(): number {
    return (this.streamLength - 1) * this.batchSize;
  }

  /** Fills inputs [B, L] and targets [B * L] of segment s (buffers of at least B * bptt); returns L. */
  fill(s: number, x: Int32Array, y: Int32Array): number {
    const B = this.batchSize;
    const n = this.streamLength;
    const i = s * this.bptt;
    const L = Math.min(this.bptt, n - 1 - i);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < L; t++) {
        x[b * L + t] = this.ids[b * n + i + t];
        y[b * L + t] = this.ids[b * n + i + t + 1];
      }
    return L;
  }

  /** Segment s as model input and targets (views on the given buffers). */
  segment(s: number, x: Int32Array, y: Int32Array): { input: IdTensor; targets: Int32Array } {
    const L = this.fill(s, x, y);
    const B = this.batchSize;
    return { input: { shape: [B, L], data: x.subarray(0, B * L) }, targets: y.subarray(0, B * L) };
  }
}
