import { createReadStream } from "node:fs";
import { fnv1a } from "../../text/word-scanner.js";
import { withAtomicStream, writeChunk } from "../../util/atomic.js";
import { cannotRead, EmbedlmError } from "../../util/errors.js";
import { ByteTable } from "../../vocab/byte-table.js";
import { Vocab } from "../../vocab/vocab.js";
import { ARPA_ZERO, backoffScore, NgramModel } from "./model.js";
import { NgramTrie, permute, sortEntries } from "./trie.js";

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
 * The line before `\data\` that marks stupid-backoff scores, which are not probabilities: embedlm
 * normalises them per context when it reads the file back; other readers skip text before `\data\`.
 */
const UNNORMALIZED_MARK = "# embedlm: unnormalized scores (stupid backoff), normalised per context when read";

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
    let buf = model.info.unnormalized ? `${UNNORMALIZED_MARK}\n\\data\\\n` : "\\data\\\n";
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

/**
 * Calls `onLine(bytes, start, end)` for each line of a file (without its newline), streamed in 1 MB
 * chunks: no string and no promise per line.
 */
async function forEachLineBytes(
  path: string,
  onLine: (bytes: Uint8Array, start: number, end: number) => void,
): Promise<void> {
  let carry: Buffer | undefined;
  try {
    for await (const chunk0 of createReadStream(path, { highWaterMark: 1 << 20 })) {
      const chunk: Buffer = carry ? Buffer.concat([carry, chunk0 as Buffer]) : (chunk0 as Buffer);
      let start = 0;
      for (;;) {
        const end = chunk.indexOf(10, start);
        if (end < 0) break;
        onLine(chunk, start, end);
        start = end + 1;
      }
      carry = start < chunk.length ? Buffer.from(chunk.subarray(start)) : undefined;
    }
  } catch (e) {
    if (e instanceof EmbedlmError) throw e;
    throw cannotRead(e, path);
  }
  if (carry) onLine(carry, 0, carry.length);
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
  const vocab = new ByteTable();
  const wordId = (word: string): number => vocab.findWord(word);
  const addWord = (word: string): number => vocab.addWord(word);
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
  let unnormalized = false;

  const finishOrder = (): void => {
    if (entries.n !== declared[k]) {
      fail(
        lineNo,
        `\\data\\ declares ${declared[k]} ${k}-grams but section \\${k}-grams: (line ${sectionLine}) has ${entries.n}`,
      );
    }
    const n = entries.n;
    if (blanks.length > 0) insertBlanks();
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
    lastContextBytes = -1;
  };

  // Contexts a pruning step removed while keeping their extensions (SRILM can): each missing
  // (k-1)-gram gets a blank entry, as in KenLM, with the backed-off probability and backoff 0. Until
  // the section ends they have ids n(k-1), n(k-1) + 1, ...
  let blanks: { prefix: number; word: number; logp: number }[] = [];
  const blankIds = new Map<string, number>();
  const blankContext = (context: string): number => {
    const known = blankIds.get(context);
    if (known !== undefined) return known;
    const m = k - 1;
    const prefix = (trie as NgramTrie).find(ids, 0, m - 1);
    if (prefix < 0)
      fail(lineNo, `context '${context}' of this ${k}-gram is not in the model, nor its prefix`);
    const id = words[m].length + blanks.length;
    const lp = backoffScore(trie as NgramTrie, logp, backoff, ids[m - 1], ids, 0, m - 1);
    blanks.push({ prefix, word: ids[m - 1], logp: lp });
    blankIds.set(context, id);
    return id;
  };
  /** Inserts the blank (k-1)-grams into their order and renumbers the k-grams' contexts. */
  const insertBlanks = (): void => {
    const m = k - 1;
    const old = words[m].length;
    const n = old + blanks.length;
    const ctxAll = new Int32Array(n);
    const wordAll = new Int32Array(n);
    const lp = new Float32Array(n);
    const bo = new Float32Array(n);
    const starts = childStart[m - 1];
    for (let c = 0; c + 1 < starts.length; c++) ctxAll.fill(c, starts[c], starts[c + 1]);
    wordAll.set(words[m]);
    lp.set(logp[m]);
    bo.set(backoff[m]);
    blanks.forEach((b, i) => {
      ctxAll[old + i] = b.prefix;
      wordAll[old + i] = b.word;
      lp[old + i] = b.logp;
    });
    const sorted = sortEntries(ctxAll, wordAll, n, words[m - 1].length, vocab.size);
    words[m] = permute(wordAll, sorted.position, n);
    logp[m] = permute(lp, sorted.position, n);
    backoff[m] = permute(bo, sorted.position, n);
    childStart[m - 1] = sorted.childStart;
    for (let e = 0; e < entries.n; e++) entries.ctx[e] = sorted.position[entries.ctx[e]];
    blanks = [];
    blankIds.clear();
  };

  const ids = new Int32Array(64);
  // Lines of an order come sorted by context in files from every toolkit: reuse the last context node.
  // The string path keeps the context as text, the byte path as bytes (length -1: none).
  let lastContext = "";
  let lastContextNode = -1;
  let contextBytes = new Uint8Array(256);
  let lastContextBytes = -1;
  const onLine = (raw: string): void => {
    lineNo++;
    const end = raw.length - 1;
    const line = end >= 0 && (raw.charCodeAt(0) <= 32 || raw.charCodeAt(end) <= 32) ? raw.trim() : raw;
    if (state === "preamble") {
      if (line === "\\data\\") state = "data";
      else if (line === UNNORMALIZED_MARK) unnormalized = true;
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
      if (wordId(lastWord) >= 0) fail(lineNo, `duplicate unigram '${lastWord}'`);
      entries.push(0, addWord(lastWord), p, bo, lineNo);
      return;
    }
    let ctx = lastContextNode;
    const contextLength = lastSpace - t1 - 1;
    if (contextLength !== lastContext.length || !text.startsWith(lastContext, t1 + 1)) {
      const context = text.slice(t1 + 1, lastSpace);
      const cw = context.split(" ");
      for (let j = 0; j < k - 1; j++) {
        const id = wordId(cw[j]);
        if (id < 0) fail(lineNo, `word '${cw[j]}' is not among the unigrams`);
        ids[j] = id;
      }
      ctx = (trie as NgramTrie).find(ids, 0, k - 1);
      if (ctx < 0) ctx = blankContext(context);
      lastContext = context;
      lastContextNode = ctx;
      lastContextBytes = -1;
    }
    const last = wordId(lastWord);
    if (last < 0) fail(lineNo, `word '${lastWord}' is not among the unigrams`);
    entries.push(ctx, last, p, bo, lineNo);
  };
  /**
   * The fast path for the n-gram lines of embedlm, KenLM and SRILM files ("prob<TAB>w1 .. wk
   * [<TAB>backoff]", single spaces): parsed from bytes with no string per line. Anything unusual
   * (including every error) goes to `onLine`, which handles all forms and words the messages.
   */
  const onLineBytes = (b: Uint8Array, start: number, end: number): void => {
    if (end > start && b[end - 1] === 13) end--;
    if (state !== "ngrams" || end <= start || b[start] <= 32 || b[start] === 92 || b[end - 1] <= 32) {
      onLine(decoder.decode(b.subarray(start, end)));
      return;
    }
    const t1 = b.indexOf(9, start);
    if (t1 <= start || t1 >= end) {
      onLine(decoder.decode(b.subarray(start, end)));
      return;
    }
    let t2 = b.indexOf(9, t1 + 1);
    if (t2 >= end) t2 = -1;
    const gramEnd = t2 < 0 ? end : t2;
    let lastSpace = t1;
    let spaces = 0;
    let clean = gramEnd > t1 + 1 && b[t1 + 1] !== 32 && b[gramEnd - 1] !== 32;
    for (let i = t1 + 1; i < gramEnd && clean; i++) {
      const c = b[i];
      if (c === 32) {
        if (b[i - 1] === 32) clean = false;
        spaces++;
        lastSpace = i;
      } else if (c <= 13 && c >= 9) clean = false;
    }
    const p = parseDecimalBytes(b, start, t1);
    const bo = t2 < 0 ? 0 : parseDecimalBytes(b, t2 + 1, end);
    const t3 = t2 < 0 ? -1 : b.indexOf(9, t2 + 1);
    const misplacedBackoff = t2 >= 0 && (k === declared.length - 1 || (t3 >= 0 && t3 < end));
    if (!clean || spaces !== k - 1 || !(p <= 0) || Number.isNaN(bo) || misplacedBackoff) {
      onLine(decoder.decode(b.subarray(start, end)));
      return;
    }
    if (k === 1) {
      const h = fnv1a(b, t1 + 1, gramEnd);
      if (vocab.find(b, t1 + 1, gramEnd, h) >= 0) {
        onLine(decoder.decode(b.subarray(start, end)));
        return;
      }
      lineNo++;
      entries.push(0, vocab.add(b, t1 + 1, gramEnd, h), p, bo, lineNo);
      return;
    }
    let ctx = lastContextNode;
    const contextLength = lastSpace - t1 - 1;
    let same = contextLength === lastContextBytes;
    for (let i = 0; i < contextLength && same; i++) same = contextBytes[i] === b[t1 + 1 + i];
    if (!same) {
      let from = t1 + 1;
      for (let j = 0; j < k - 1; j++) {
        let to = from;
        while (b[to] !== 32) to++;
        ids[j] = vocab.find(b, from, to, fnv1a(b, from, to));
        if (ids[j] < 0) {
          onLine(decoder.decode(b.subarray(start, end)));
          return;
        }
        from = to + 1;
      }
      ctx = (trie as NgramTrie).find(ids, 0, k - 1);
      if (ctx < 0) {
        onLine(decoder.decode(b.subarray(start, end)));
        return;
      }
      if (contextLength > contextBytes.length) contextBytes = new Uint8Array(contextLength * 2);
      contextBytes.set(b.subarray(t1 + 1, lastSpace));
      lastContextBytes = contextLength;
      lastContextNode = ctx;
      lastContext = "";
    }
    const last = vocab.find(b, lastSpace + 1, gramEnd, fnv1a(b, lastSpace + 1, gramEnd));
    if (last < 0) {
      onLine(decoder.decode(b.subarray(start, end)));
      return;
    }
    lineNo++;
    entries.push(ctx, last, p, bo, lineNo);
  };
  await forEachLineBytes(path, onLineBytes);
  // Narrowing does not see the closure's assignments.
  const final = state as State;
  if (final === "preamble") fail(lineNo, "no \\data\\ header: not an ARPA file");
  if (final !== "end") {
    if (final === "ngrams") finishOrder();
    fail(lineNo, `missing \\end\\ (the file ends after ${k} of ${declared.length - 1} sections)`);
  }
  if (declared.length < 2) fail(lineNo, "no n-gram sections");
  for (const special of ["<s>", "</s>"]) {
    if (wordId(special) < 0) throw new EmbedlmError(`the unigrams lack ${special}`, { file: path });
  }
  if (wordId("<unk>") < 0) {
    addWord("<unk>");
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
  return new NgramModel(
    new Vocab(vocab.words),
    full,
    logp,
    backoff.slice(0, order),
    unnormalized ? { smoothing: "stupid", unnormalized } : {},
  );
}

const decoder = new TextDecoder();

/**
 * parseDecimal over bytes: plain decimals from their bytes, anything else through Number on the
 * decoded text (exact either way). NaN when not a number.
 */
function parseDecimalBytes(b: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (i < end && b[i] === 45) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let places = -1;
  for (; i < end; i++) {
    const c = b[i];
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (places >= 0) places++;
    } else if (c === 46 && places < 0) places = 0;
    else return parseDecimal(decoder.decode(b.subarray(start, end)));
  }
  if (digits === 0 || digits > 15) return parseDecimal(decoder.decode(b.subarray(start, end)));
  const value = places > 0 ? mantissa / 10 ** places : mantissa;
  return negative ? -value : value;
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
