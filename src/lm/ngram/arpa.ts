import { createReadStream } from "node:fs";
import { withAtomicStream, writeChunk } from "../../util/atomic.js";
import { EmbedlmError } from "../../util/errors.js";
import { Vocab } from "../../vocab/vocab.js";
import { ARPA_ZERO, NgramModel } from "./model.js";
import { NgramTrie, permute, sortEntries } from "./trie.js";
import { WordList } from "./words.js";

/**
 * A float32 log value as the shortest decimal of 7 to 9 significant digits that reads back as the same
 * float32, so a model written and read again scores identically. Integer arithmetic instead of
 * toPrecision, which dominated the time to write a model.
 */
export function formatLog(x: number): string {
  if (x === 0) return "0";
  const a = Math.abs(x);
  const e = Math.floor(Math.log10(a));
  for (let digits = 7; ; digits++) {
    const places = digits - 1 - e;
    const scale = 10 ** places;
    const m = Math.round(a * scale);
    if (digits === 9 || Math.fround(m / scale) === a) return (x < 0 ? "-" : "") + decimal(m, places);
  }
}

/** The integer m divided by 10^places, in plain notation without trailing zeros. */
function decimal(m: number, places: number): string {
  let s = String(m);
  if (places <= 0) return s + "0".repeat(-places);
  if (s.length <= places) s = "0".repeat(places - s.length + 1) + s;
  let end = s.length;
  while (end > s.length - places && s.charCodeAt(end - 1) === 48) end--;
  const point = s.length - places;
  return end === point ? s.slice(0, point) : `${s.slice(0, point)}.${s.slice(point, end)}`;
}

/**
 * Writes `model` as an ARPA file (KenLM/SRILM conventions: `\data\` counts, one section per order,
 * `log10 P <tab> words [<tab> log10 backoff]`, backoffs on n-grams that are contexts, `\end\`).
 */
export async function writeArpa(model: NgramModel, path: string): Promise<void> {
  const { trie, vocab } = model;
  const order = trie.order;
  // parents[k][i]: the order-(k-1) node whose child order-k node i is.
  const parents: Int32Array[] = [new Int32Array(0), new Int32Array(0)];
  for (let k = 2; k <= order; k++) {
    const starts = trie.childStart[k - 1];
    const p = new Int32Array(trie.size(k));
    for (let c = 0; c + 1 < starts.length; c++) p.fill(c, starts[c], starts[c + 1]);
    parents.push(p);
  }
  await withAtomicStream(path, async (out) => {
    let buf = "\\data\\\n";
    for (let k = 1; k <= order; k++) buf += `ngram ${k}=${trie.size(k)}\n`;
    const words = vocab.words;
    const path = new Int32Array(order + 1);
    for (let k = 1; k <= order; k++) {
      buf += `\n\\${k}-grams:\n`;
      const lp = model.logp[k];
      const bo = k < order ? model.backoff[k] : undefined;
      const starts = k < order ? trie.childStart[k] : undefined;
      const n = trie.size(k);
      for (let i = 0; i < n; i++) {
        let node = i;
        for (let j = k; j >= 1; j--) {
          path[j] = trie.words[j][node];
          if (j > 1) node = parents[j][node];
        }
        let line = `${formatLog(lp[i])}\t${words[path[1]]}`;
        for (let j = 2; j <= k; j++) line += ` ${words[path[j]]}`;
        if (bo && starts && (starts[i + 1] > starts[i] || bo[i] !== 0)) line += `\t${formatLog(bo[i])}`;
        buf += `${line}\n`;
        if (buf.length > 1 << 16) {
          await writeChunk(out, buf);
          buf = "";
        }
      }
    }
    buf += "\n\\end\\\n";
    await writeChunk(out, buf);
  });
}

/** Growable typed arrays for one order's entries while reading. */
class OrderEntries {
  ctx: Int32Array;
  word: Int32Array;
  logp: Float32Array;
  bo: Float32Array;
  line: Int32Array;
  n = 0;

  /** `expected`: the count `\data\` declares (trusted up to 16M entries; beyond, the arrays grow). */
  constructor(expected = 1024) {
    const n = Math.max(16, Math.min(expected + 1, 1 << 24));
    this.ctx = new Int32Array(n);
    this.word = new Int32Array(n);
    this.logp = new Float32Array(n);
    this.bo = new Float32Array(n);
    this.line = new Int32Array(n);
  }

  push(ctx: number, word: number, logp: number, bo: number, line: number): void {
    if (this.n === this.ctx.length) {
      const grow = <T extends Int32Array | Float32Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.ctx = grow(this.ctx);
      this.word = grow(this.word);
      this.logp = grow(this.logp);
      this.bo = grow(this.bo);
      this.line = grow(this.line);
    }
    const i = this.n++;
    this.ctx[i] = ctx;
    this.word[i] = word;
    this.logp[i] = logp;
    this.bo[i] = bo;
    this.line[i] = line;
  }
}

/** Calls `onLine` for each line of a text file, streamed in large chunks (no per-line promise). */
async function forEachLine(path: string, onLine: (line: string) => void): Promise<void> {
  let rest = "";
  try {
    for await (const chunk of createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 16 })) {
      const text = rest + chunk;
      let start = 0;
      for (;;) {
        const end = text.indexOf("\n", start);
        if (end < 0) break;
        onLine(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
    }
  } catch (e) {
    if (e instanceof EmbedlmError) throw e;
    throw new EmbedlmError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path });
  }
  if (rest !== "") onLine(rest);
}

/**
 * Reads an ARPA file written by embedlm, KenLM, SRILM, IRSTLM or others. Words absent from the
 * unigrams, missing contexts, counts that disagree with `\data\`, and fields that are not numbers are
 * errors naming the line. A file without `<unk>` gets one with log10 P = -99 (every unknown word is
 * then nearly impossible, as in SRILM); `<s>` and `</s>` must be there.
 */
export async function readArpa(path: string): Promise<NgramModel> {
  const fail = (line: number, message: string): never => {
    throw new EmbedlmError(message, { file: path, line });
  };
  const declared: number[] = [0];
  const vocab = new WordList();
  const words: Int32Array[] = [new Int32Array(0)];
  const childStart: Int32Array[] = [new Int32Array(0)];
  const logp: Float32Array[] = [new Float32Array(0)];
  const backoff: Float32Array[] = [new Float32Array(0)];
  type State = "preamble" | "data" | "ngrams" | "between" | "end";
  let state = "preamble" as State;
  let k = 0;
  let entries = new OrderEntries();
  let sectionLine = 0;
  let lineNo = 0;
  let trie: NgramTrie | undefined;

  const finishOrder = (): void => {
    if (entries.n !== declared[k]) {
      fail(
        lineNo,
        `\\data\\ declares ${declared[k]} ${k}-grams but section \\${k}-grams: (line ${sectionLine}) has ${entries.n}`,
      );
    }
    const n = entries.n;
    if (k === 1) {
      words.push(Int32Array.from({ length: n }, (_, i) => i));
      logp.push(entries.logp.slice(0, n));
      backoff.push(entries.bo.slice(0, n));
    } else {
      const nCtx = words[k - 1].length;
      const { position, childStart: starts } = sortEntries(entries.ctx, entries.word, n, nCtx, vocab.size);
      const w = permute(entries.word, position, n);
      const lines = permute(entries.line, position, n);
      for (let c = 0; c < nCtx; c++) {
        for (let e = starts[c] + 1; e < starts[c + 1]; e++) {
          if (w[e] === w[e - 1]) fail(lines[e], `duplicate ${k}-gram (also on line ${lines[e - 1]})`);
        }
      }
      childStart[k - 1] = starts;
      words.push(w);
      logp.push(permute(entries.logp, position, n));
      backoff.push(permute(entries.bo, position, n));
    }
    childStart[k] = new Int32Array(1);
    trie = new NgramTrie(k, vocab.size, words, childStart);
    entries = new OrderEntries(0);
    lastContext = "";
  };

  const ids = new Int32Array(64);
  // Lines of an order come sorted by context in files from every toolkit: reuse the last context node.
  let lastContext = "";
  let lastContextNode = -1;
  const onLine = (raw: string): void => {
    lineNo++;
    const end = raw.length - 1;
    const line = end >= 0 && (raw.charCodeAt(0) <= 32 || raw.charCodeAt(end) <= 32) ? raw.trim() : raw;
    if (state === "preamble") {
      if (line === "\\data\\") state = "data";
      return;
    }
    if (state === "data") {
      if (line === "") return;
      const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(line);
      if (m) {
        const order = Number(m[1]);
        if (order !== declared.length)
          fail(lineNo, `expected 'ngram ${declared.length}=COUNT', got '${line}'`);
        declared.push(Number(m[2]));
        return;
      }
      if (declared.length === 1) fail(lineNo, `expected 'ngram 1=COUNT' after \\data\\, got '${line}'`);
      state = "between";
    }
    if (state === "end") {
      if (line !== "") fail(lineNo, `text after \\end\\: '${line.slice(0, 40)}'`);
      return;
    }
    if (line === "") return;
    if (line.startsWith("\\")) {
      if (state === "ngrams") finishOrder();
      if (line === "\\end\\") {
        if (k !== declared.length - 1) fail(lineNo, `\\end\\ after ${k} of ${declared.length - 1} sections`);
        state = "end";
        return;
      }
      const m = /^\\(\d+)-grams:$/.exec(line);
      if (!m) fail(lineNo, `expected '\\${k + 1}-grams:' or '\\end\\', got '${line.slice(0, 40)}'`);
      const next = Number(m?.[1]);
      if (next !== k + 1) fail(lineNo, `expected section \\${k + 1}-grams:, got '${line}'`);
      if (next >= declared.length) fail(lineNo, `section \\${next}-grams: is not declared in \\data\\`);
      k = next;
      sectionLine = lineNo;
      state = "ngrams";
      entries = new OrderEntries(declared[k]);
      return;
    }
    if (state !== "ngrams")
      fail(lineNo, `expected a section header such as '\\1-grams:', got '${line.slice(0, 40)}'`);
    // Fast path: "prob<TAB>w1 .. wk[<TAB>backoff]" with single spaces (KenLM, SRILM, embedlm);
    // anything else is rewritten to that form first.
    let text = line;
    let t1 = text.indexOf("\t");
    let t2 = t1 < 0 ? -1 : text.indexOf("\t", t1 + 1);
    let gramEnd = t2 < 0 ? text.length : t2;
    if (t1 <= 0 || (t2 >= 0 && text.indexOf("\t", t2 + 1) >= 0) || spaces(text, t1 + 1, gramEnd) !== k - 1) {
      const f = text.split(/\s+/);
      const order = declared.length - 1;
      if (f.length !== k + 1 && !(f.length === k + 2 && k < order)) {
        fail(
          lineNo,
          `expected log10 probability, ${k} word(s)${k < order ? " and an optional backoff" : ""}; got ${f.length} fields`,
        );
      }
      text = `${f[0]}\t${f.slice(1, k + 1).join(" ")}${f.length === k + 2 ? `\t${f[k + 1]}` : ""}`;
      t1 = text.indexOf("\t");
      t2 = text.indexOf("\t", t1 + 1);
      gramEnd = t2 < 0 ? text.length : t2;
    }
    const probText = text.slice(0, t1);
    const p = parseDecimal(probText);
    if (!Number.isFinite(p)) fail(lineNo, `log10 probability is not a number: '${probText}'`);
    if (p > 0) fail(lineNo, `log10 probability ${p} > 0`);
    let bo = 0;
    if (t2 >= 0) {
      if (k === declared.length - 1) fail(lineNo, `a ${k}-gram of the highest order has no backoff weight`);
      const boText = text.slice(t2 + 1);
      bo = parseDecimal(boText);
      if (boText === "" || !Number.isFinite(bo)) fail(lineNo, `backoff is not a number: '${boText}'`);
    }
    const lastSpace = k === 1 ? t1 : text.lastIndexOf(" ", gramEnd - 1);
    const lastWord = text.slice(lastSpace + 1, gramEnd);
    if (k === 1) {
      if (vocab.id(lastWord) >= 0) fail(lineNo, `duplicate unigram '${lastWord}'`);
      entries.push(0, vocab.add(lastWord), p, bo, lineNo);
      return;
    }
    let ctx = lastContextNode;
    const contextLength = lastSpace - t1 - 1;
    if (contextLength !== lastContext.length || !text.startsWith(lastContext, t1 + 1)) {
      const context = text.slice(t1 + 1, lastSpace);
      const cw = context.split(" ");
      for (let j = 0; j < k - 1; j++) {
        const id = vocab.id(cw[j]);
        if (id < 0) fail(lineNo, `word '${cw[j]}' is not among the unigrams`);
        ids[j] = id;
      }
      ctx = (trie as NgramTrie).find(ids, 0, k - 1);
      if (ctx < 0) fail(lineNo, `context '${context}' of this ${k}-gram is not in the model`);
      lastContext = context;
      lastContextNode = ctx;
    }
    const last = vocab.id(lastWord);
    if (last < 0) fail(lineNo, `word '${lastWord}' is not among the unigrams`);
    entries.push(ctx, last, p, bo, lineNo);
  };
  await forEachLine(path, onLine);
  // Narrowing does not see the closure's assignments.
  const final = state as State;
  if (final === "preamble") fail(lineNo, "no \\data\\ header: not an ARPA file");
  if (final !== "end") {
    if (final === "ngrams") finishOrder();
    fail(lineNo, `missing \\end\\ (the file ends after ${k} of ${declared.length - 1} sections)`);
  }
  if (declared.length < 2) fail(lineNo, "no n-gram sections");
  for (const special of ["<s>", "</s>"]) {
    if (vocab.id(special) < 0) throw new EmbedlmError(`the unigrams lack ${special}`, { file: path });
  }
  if (vocab.id("<unk>") < 0) {
    vocab.add("<unk>");
    const n = vocab.size;
    const grow = (a: Float32Array, value: number): Float32Array => {
      const b = new Float32Array(n).fill(value);
      b.set(a);
      return b;
    };
    words[1] = Int32Array.from({ length: n }, (_, i) => i);
    logp[1] = grow(logp[1], ARPA_ZERO);
    backoff[1] = grow(backoff[1], 0);
    if (childStart.length > 1 && childStart[1].length === n) {
      const s = new Int32Array(n + 1);
      s.set(childStart[1]);
      s[n] = s[n - 1];
      childStart[1] = s;
    }
  }
  const order = declared.length - 1;
  childStart[order] = new Int32Array(0);
  const full = new NgramTrie(order, vocab.size, words, childStart);
  return new NgramModel(new Vocab(vocab.words), full, logp, backoff.slice(0, order));
}

/** Number of single spaces in text[from..to), or -1 when a word is empty (two spaces, edges). */
function spaces(text: string, from: number, to: number): number {
  if (to <= from || text.charCodeAt(from) === 32 || text.charCodeAt(to - 1) === 32) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      if (text.charCodeAt(i - 1) === 32) return -1;
      n++;
    } else if (c === 9 || c === 13 || c === 11 || c === 12) return -1;
  }
  return n;
}

/**
 * Number(text) for the plain decimals ARPA files hold ("-1.2345678"), parsed from char codes (several
 * times faster); anything else (exponents, "inf") goes to Number. NaN when not a number.
 */
function parseDecimal(text: string): number {
  const n = text.length;
  let i = 0;
  let negative = false;
  if (n > 0 && text.charCodeAt(0) === 45) {
    negative = true;
    i = 1;
  }
  let mantissa = 0;
  let digits = 0;
  let places = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (places >= 0) places++;
    } else if (c === 46 && places < 0) places = 0;
    else return text.trim() === "" ? Number.NaN : Number(text);
  }
  // Beyond 15 digits the integer mantissa is no longer exact: let Number round correctly.
  if (digits === 0 || digits > 15) return digits === 0 ? Number.NaN : Number(text);
  const value = places > 0 ? mantissa / 10 ** places : mantissa;
  return negative ? -value : value;
}
