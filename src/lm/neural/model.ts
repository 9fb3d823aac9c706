import type { Model } from "../../nn/sequential.js";
import type { Buf, IdTensor } from "../../nn/tensor.js";
import { Tokenizer } from "../../text/tokenizer.js";
import { EmbedlmError } from "../../util/errors.js";
import type { LanguageModel, LmVocab } from "../model.js";
import { architecture, type NeuralArchitecture } from "./build.js";
import type { NeuralLmConfig } from "./config.js";

/** The sentence boundary of PTB-style data: one token ends each line and starts the next context. */
export const EOS = "<eos>";
export const UNK = "<unk>";
/** The target of a row the loss skips. */
const IGNORE = -100;

/**
 * A neural model's vocabulary: the words by id (training-file order). `<eos>` is both boundaries, so
 * `<s>` and `</s>` are names for it, as the LanguageModel interface expects them.
 */
export class NeuralVocab implements LmVocab {
  readonly words: readonly string[];
  readonly eos: number;
  readonly unk: number;
  private readonly ids = new Map<string, number>();

  constructor(words: readonly string[], file?: string) {
    this.words = words;
    words.forEach((w, i) => {
      if (this.ids.has(w))
        throw new EmbedlmError(`word '${w}' appears twice in the vocabulary`, { file, line: i + 1 });
      this.ids.set(w, i);
    });
    const need = (w: string) => {
      const id = this.ids.get(w);
      if (id === undefined) throw new EmbedlmError(`the vocabulary has no ${w}`, { file });
      return id;
    };
    this.eos = need(EOS);
    this.unk = need(UNK);
  }

  get size(): number {
    return this.words.length;
  }

  id(word: string): number {
    const id = this.ids.get(word);
    if (id !== undefined) return id;
    return word === "<s>" || word === "</s>" ? this.eos : -1;
  }
}

/** The tokenizer a config names, or undefined for whitespace-separated tokens. */
export function configTokenizer(config: NeuralLmConfig): Tokenizer | undefined {
  return config.tokenizer === "unicode" ? new Tokenizer() : undefined;
}

/** Total natural-log probability of a token stream and how many tokens it predicted. */
export interface StreamScore {
  logProb: number;
  tokens: number;
}

/**
 * A neural language model behind the LanguageModel interface. It runs on whatever the network was
 * built on (an NnRuntime's WebAssembly kernels or the TypeScript references). A recurrent model keeps
 * its state between calls: `distribution` after a context that extends the previous one only reads
 * the new words (generation costs one step per word).
 */
export class NeuralLanguageModel implements LanguageModel {
  readonly kind: string;
  readonly vocab: NeuralVocab;
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  readonly contextSize: number;
  readonly config: NeuralLmConfig;
  readonly net: Model;
  private readonly arch: NeuralArchitecture;
  /** Tokens per forward call of a recurrent model (the BPTT length, as lm_torch.py evaluates). */
  private readonly chunk: number;
  /** The context the recurrent state has read, and the log-probabilities after it. */
  private seen: Int32Array | undefined;
  private readonly next: Float64Array;

  constructor(config: NeuralLmConfig, vocab: NeuralVocab, net: Model) {
    this.config = config;
    this.vocab = vocab;
    this.net = net;
    this.arch = architecture(config.kind);
    this.kind = config.kind;
    this.eos = vocab.eos;
    this.bos = vocab.eos;
    this.unk = vocab.unk;
    this.contextSize = this.arch.contextSize(config);
    this.chunk = config.context;
    this.next = new Float64Array(vocab.size);
  }

  /** Splits text (a prompt, a line) into tokens the way the model's training text was. */
  tokenize(text: string): string[] {
    const t = configTokenizer(this.config);
    return t ? t.tokenize(text) : text.split(/\s+/).filter((w) => w !== "");
  }

  /** Forgets the carried state (the next call starts from zero state). */
  reset(): void {
    this.net.resetStates();
    this.seen = undefined;
  }

  logProb(word: number, context: ArrayLike<number>): number {
    return this.logDistribution(context)[word];
  }

  distribution(context: ArrayLike<number>, out?: Float64Array): Float64Array {
    const lp = this.logDistribution(context);
    const p = out ?? new Float64Array(lp.length);
    for (let i = 0; i < lp.length; i++) p[i] = Math.exp(lp[i]);
    return p;
  }

  sentenceLogProbs(words: Int32Array): Float64Array {
    const out = new Float64Array(words.length);
    if (words.length === 0) return out;
    const input = new Int32Array(words.length);
    input[0] = this.bos;
    input.set(words.subarray(0, words.length - 1), 1);
    this.reset();
    const V = this.vocab.size;
    this.forEachRow(input, (logits, off, p) => {
      out[p] = logits[off + words[p]] - logSumExp(logits, off, V);
    });
    this.seen = undefined;
    return out;
  }

  /**
   * Scores many sentences (ids ending with `eos`, each after an implicit `<s>`) like sentenceLogProbs,
   * `batchSize` at a time side by side: a recurrent model reads the batch in chunks with its state
   * carried, the shorter sentences padded at the end (their padding is never scored).
   */
  sentencesLogProbs(sentences: readonly Int32Array[], batchSize = 32): Float64Array[] {
    if (!this.arch.recurrent) return sentences.map((s) => this.sentenceLogProbs(s));
    const out = sentences.map((s) => new Float64Array(s.length));
    const V = this.vocab.size;
    for (let s0 = 0; s0 < sentences.length; s0 += batchSize) {
      const group = sentences.slice(s0, s0 + batchSize);
      const B = group.length;
      const T = Math.max(...group.map((s) => s.length));
      this.reset();
      for (let t0 = 0; t0 < T; t0 += this.chunk) {
        const L = Math.min(this.chunk, T - t0);
        const x: IdTensor = { shape: [B, L], data: new Int32Array(B * L).fill(this.eos) };
        group.forEach((s, b) => {
          for (let t = 0; t < L && t0 + t < s.length; t++)
            x.data[b * L + t] = t0 + t === 0 ? this.bos : s[t0 + t - 1];
        });
        const logits = this.net.forward(x).data;
        group.forEach((s, b) => {
          for (let t = 0; t < L && t0 + t < s.length; t++) {
            const off = (b * L + t) * V;
            out[s0 + b][t0 + t] = logits[off + s[t0 + t]] - logSumExp(logits, off, V);
          }
        });
      }
    }
    this.seen = undefined;
    return out;
  }

  /**
   * Scores a long token stream as lm_torch.py evaluates: `batchSize` contiguous streams (1 by default,
   * one continuous text), read in chunks of the BPTT length with the state carried from zero; every
   * token after the first is predicted. Perplexity = exp(-logProb / tokens).
   */
  scoreStream(ids: Int32Array, batchSize = 1, onProgress?: (done: number) => void): StreamScore {
    this.reset();
    const V = this.vocab.size;
    const B = batchSize;
    const n = Math.floor(ids.length / B);
    let logProb = 0;
    let tokens = 0;
    const ops = this.net.params.ops;
    if (!this.arch.recurrent) {
      for (let b = 0; b < B; b++) {
        logProb += this.scoreWindows(ids.subarray(b * n, (b + 1) * n));
        tokens += n - 1;
        onProgress?.(tokens);
      }
      this.seen = undefined;
      return { logProb, tokens };
    }
    for (let i = 0; i < n - 1; i += this.chunk) {
      const L = Math.min(this.chunk, n - 1 - i);
      const x: IdTensor = { shape: [B, L], data: new Int32Array(B * L) };
      const y = new Int32Array(B * L);
      for (let b = 0; b < B; b++)
        for (let t = 0; t < L; t++) {
          x.data[b * L + t] = ids[b * n + i + t];
          y[b * L + t] = ids[b * n + i + t + 1];
        }
      const logits = this.net.forward(x);
      // The fused kernel's mean NLL (its gradient output overwrites the logits, no longer needed).
      logProb -= ops.softmaxCrossEntropy(logits.data, y, V, logits.data) * B * L;
      tokens += B * L;
      onProgress?.(tokens);
    }
    this.seen = undefined;
    return { logProb, tokens };
  }

  /** ln P(w | context) for every w, shared with the cache (do not modify). */
  private logDistribution(contextIn: ArrayLike<number>): Float64Array {
    const context = Int32Array.from(contextIn.length > 0 ? contextIn : [this.bos]);
    const V = this.vocab.size;
    const take = (logits: Buf, off: number) => {
      const z = logSumExp(logits, off, V);
      for (let i = 0; i < V; i++) this.next[i] = logits[off + i] - z;
    };
    if (!this.arch.recurrent) {
      const keep = Math.min(context.length, this.contextSize, this.arch.maxLength(this.config));
      const window = context.subarray(context.length - keep);
      this.forEachRow(window, (logits, off, p) => {
        if (p === window.length - 1) take(logits, off);
      });
      return this.next;
    }
    let from = 0;
    const seen = this.seen;
    if (seen !== undefined && seen.length <= context.length && seen.every((id, i) => id === context[i])) {
      from = seen.length;
      if (from === context.length) return this.next;
    } else this.net.resetStates();
    const fresh = context.subarray(from);
    this.forEachRow(fresh, (logits, off, p) => {
      if (p === fresh.length - 1) take(logits, off);
    });
    this.seen = context;
    return this.next;
  }

  /**
   * Runs `input` forward and calls `visit(logits, offset, p)` with the row predicting the token after
   * input[p], for every p. A recurrent model continues from its current state, in chunks; another
   * reads overlapping windows of its maximum length so each position sees its full context.
   */
  private forEachRow(input: Int32Array, visit: (logits: Buf, offset: number, p: number) => void): void {
    const V = this.vocab.size;
    const N = input.length;
    if (this.arch.recurrent) {
      for (let i = 0; i < N; i += this.chunk) {
        const L = Math.min(this.chunk, N - i);
        const logits = this.net.forward({ shape: [1, L], data: input.slice(i, i + L) }).data;
        for (let t = 0; t < L; t++) visit(logits, t * V, i + t);
      }
      return;
    }
    for (const w of this.windows(N)) {
      const n = w.end - w.start;
      const data = new Int32Array(this.arch.paddedLength?.(n, this.config) ?? n).fill(this.eos);
      data.set(input.subarray(w.start, w.end));
      const logits = this.net.forward({ shape: [1, data.length], data }).data;
      for (let p = w.first; p < w.end; p++) visit(logits, (p - w.start) * V, p);
    }
  }

  /**
   * The overlapping windows a non-recurrent model reads a sequence of N positions in: each is at most
   * its maximum length long, and scores positions [first, end), every one of them with at least
   * `contextSize` (or half a window) of context, so no position is scored twice.
   */
  private windows(N: number): { start: number; end: number; first: number }[] {
    const ctx = this.contextSize;
    const W = Math.min(this.arch.maxLength(this.config), Number.isFinite(ctx) ? Math.max(2 * ctx, 64) : 64);
    const overlap = Math.min(ctx, Math.floor(W / 2));
    const out = [];
    for (let start = 0; ; start += W - overlap) {
      const end = Math.min(start + W, N);
      out.push({ start, end, first: start === 0 ? 0 : start + overlap });
      if (end === N) return out;
    }
  }

  /**
   * Sum of ln P(stream[p + 1] | its window) over the stream, its windows read several at a time side
   * by side and scored by the fused softmax cross-entropy kernel (a window's overlap rows ignored):
   * at batch 1 a 33k-word vocabulary spent most of its time in a JavaScript log-softmax.
   */
  private scoreWindows(stream: Int32Array): number {
    const V = this.vocab.size;
    const ops = this.net.params.ops;
    const all = this.windows(stream.length - 1);
    let logProb = 0;
    for (let i = 0; i < all.length; ) {
      const L = all[i].end - all[i].start;
      // About 64 MB of logits per call, windows of equal length only.
      const most = Math.max(1, Math.floor((16 << 20) / (L * V)));
      let B = 1;
      while (B < most && i + B < all.length && all[i + B].end - all[i + B].start === L) B++;
      const x: IdTensor = { shape: [B, L], data: new Int32Array(B * L) };
      const y = new Int32Array(B * L).fill(IGNORE);
      let counted = 0;
      for (let b = 0; b < B; b++) {
        const w = all[i + b];
        x.data.set(stream.subarray(w.start, w.end), b * L);
        for (let p = w.first; p < w.end; p++) y[b * L + p - w.start] = stream[p + 1];
        counted += w.end - w.first;
      }
      const logits = this.net.forward(x);
      logProb -= ops.softmaxCrossEntropy(logits.data, y, V, logits.data, { ignoreIndex: IGNORE }) * counted;
      i += B;
    }
    return logProb;
  }
}

/** ln sum_j exp(x[off + j]) over n entries, stably. */
export function logSumExp(x: Buf, off: number, n: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) if (x[off + j] > max) max = x[off + j];
  let s = 0;
  for (let j = 0; j < n; j++) s += Math.exp(x[off + j] - max);
  return max + Math.log(s);
}
