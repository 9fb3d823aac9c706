import { createReadStream } from "node:fs";
import { withAtomicStream, writeChunk } from "../../util/atomic.js";
import { EmbedlmError } from "../../util/errors.js";
import { ARPA_ZERO, NgramModel } from "./model.js";
import { NgramTrie, permute, sortEntries } from "./trie.js";
import { WordList } from "./words.js";

/**
 * The shortest decimal (up to 9 significant digits) that reads back as the same float32, so a model
 * written and read again scores identically.
 */
function formatLog(x: number): string {
  if (x === 0) return "0";
  for (let digits = 7; digits < 9; digits++) {
    const s = x.toPrecision(digits);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(Number(x.toPrecision(9)));
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
  ctx = new Int32Array(1024);
  word = new Int32Array(1024);
  logp = new Float32Array(1024);
  bo = new Float32Array(1024);
  line = new Int32Array(1024);
  n = 0;

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

/** Lines of a text file, streamed, with 1-based numbers. */
async function* readLines(path: string): AsyncGenerator<string> {
  let rest = "";
  let stream: AsyncIterable<string>;
  try {
    stream = createReadStream(path, { encoding: "utf8", highWaterMark: 1 << 20 });
  } catch (e) {
    throw new EmbedlmError(`cannot read: ${(e as Error).message}`, { file: path });
  }
  try {
    for await (const chunk of stream) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop() ?? "";
      yield* parts;
    }
  } catch (e) {
    if (e instanceof EmbedlmError) throw e;
    throw new EmbedlmError(`cannot read: ${(e as Error).message}`, { file: path });
  }
  if (rest !== "") yield rest;
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
  let state: "preamble" | "data" | "ngrams" | "between" | "end" = "preamble";
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
    entries = new OrderEntries();
  };

  const ids = new Int32Array(64);
  for await (const raw of readLines(path)) {
    lineNo++;
    const line = raw.trim();
    if (state === "preamble") {
      if (line === "\\data\\") state = "data";
      continue;
    }
    if (state === "data") {
      if (line === "") continue;
      const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(line);
      if (m) {
        const order = Number(m[1]);
        if (order !== declared.length)
          fail(lineNo, `expected 'ngram ${declared.length}=COUNT', got '${line}'`);
        declared.push(Number(m[2]));
        continue;
      }
      if (declared.length === 1) fail(lineNo, `expected 'ngram 1=COUNT' after \\data\\, got '${line}'`);
      state = "between";
    }
    if (state === "end") {
      if (line !== "") fail(lineNo, `text after \\end\\: '${line.slice(0, 40)}'`);
      continue;
    }
    if (line === "") continue;
    if (line.startsWith("\\")) {
      if (state === "ngrams") finishOrder();
      if (line === "\\end\\") {
        if (k !== declared.length - 1) fail(lineNo, `\\end\\ after ${k} of ${declared.length - 1} sections`);
        state = "end";
        continue;
      }
      const m = /^\\(\d+)-grams:$/.exec(line);
      if (!m) fail(lineNo, `expected '\\${k + 1}-grams:' or '\\end\\', got '${line.slice(0, 40)}'`);
      const next = Number(m?.[1]);
      if (next !== k + 1) fail(lineNo, `expected section \\${k + 1}-grams:, got '${line}'`);
      if (next >= declared.length) fail(lineNo, `section \\${next}-grams: is not declared in \\data\\`);
      k = next;
      sectionLine = lineNo;
      state = "ngrams";
      continue;
    }
    if (state !== "ngrams")
      fail(lineNo, `expected a section header such as '\\1-grams:', got '${line.slice(0, 40)}'`);
    const fields = line.split(/\s+/);
    const order = declared.length - 1;
    if (fields.length !== k + 1 && !(fields.length === k + 2 && k < order)) {
      fail(
        lineNo,
        `expected log10 probability, ${k} word(s)${k < order ? " and an optional backoff" : ""}; got ${fields.length} fields`,
      );
    }
    const p = Number(fields[0]);
    if (fields[0] === "" || !Number.isFinite(p))
      fail(lineNo, `log10 probability is not a number: '${fields[0]}'`);
    if (p > 0) fail(lineNo, `log10 probability ${p} > 0`);
    let bo = 0;
    if (fields.length === k + 2) {
      bo = Number(fields[k + 1]);
      if (!Number.isFinite(bo)) fail(lineNo, `backoff is not a number: '${fields[k + 1]}'`);
    }
    if (k === 1) {
      if (vocab.id(fields[1]) >= 0) fail(lineNo, `duplicate unigram '${fields[1]}'`);
      entries.push(0, vocab.add(fields[1]), p, bo, lineNo);
      continue;
    }
    for (let j = 0; j < k; j++) {
      const id = vocab.id(fields[j + 1]);
      if (id < 0) fail(lineNo, `word '${fields[j + 1]}' is not among the unigrams`);
      ids[j] = id;
    }
    const ctx = (trie as NgramTrie).find(ids, 0, k - 1);
    if (ctx < 0)
      fail(lineNo, `context '${fields.slice(1, k).join(" ")}' of this ${k}-gram is not in the model`);
    entries.push(ctx, ids[k - 1], p, bo, lineNo);
  }
  if (state === "preamble") fail(lineNo, "no \\data\\ header: not an ARPA file");
  if (state !== "end") {
    if (state === "ngrams") finishOrder();
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
  return new NgramModel(vocab, full, logp, backoff.slice(0, order));
}
