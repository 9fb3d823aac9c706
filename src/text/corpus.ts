import { isUtf8 } from "node:buffer";
import { createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { EmbedlmError } from "../util/errors.js";

/** A source of text lines that can be read several times (one pass per epoch). */
export interface Corpus {
  /**
   * Lines of text (without newline). Restartable: each call is a new pass. A one-pass source (stdin)
   * throws EmbedlmError on a second pass. onBytes reports bytes read so far (for progress).
   */
  lines(onBytes?: (bytesDone: number) => void): AsyncIterable<string>;
  /** Total bytes when known (files; compressed size for .gz), for progress bars. */
  readonly totalBytes?: number;
  /** Human-readable description (paths) for messages. */
  describe(): string;
  /**
   * The raw UTF-8 bytes of one pass, for byte-level fast paths (whitespace token counting): chunks end
   * on character boundaries, sources are separated by a newline, invalid sequences are left in place
   * (and reported as by `lines`). A chunk may be overwritten once the next is requested: copy what you
   * keep. Same one-pass rule as `lines`.
   */
  bytes?(onBytes?: (bytesDone: number) => void): AsyncIterable<Uint8Array>;
}

/** Options of `openCorpus`. */
export interface CorpusOptions {
  /**
   * Called once per file and pass that held invalid UTF-8 (the bytes are replaced by U+FFFD and counted);
   * the message names the file, the first line affected and how many sequences were replaced.
   */
  onWarning?: (message: string) => void;
  /**
   * Lines longer than this many characters are cut at the last whitespace before the limit, so a
   * one-line corpus (text8) streams in bounded memory. Default 1 MiB.
   */
  maxLineLength?: number;
  /** Read stdin from this stream instead of process.stdin for "-" (tests). */
  stdin?: NodeJS.ReadableStream;
}

/** How many bytes decide whether a file is text: a NUL byte among them means binary (as git and grep do). */
const SNIFF_BYTES = 8192;
const DEFAULT_MAX_LINE = 1 << 20;

interface Source {
  path: string;
  gzip: boolean;
  size: number;
}

/**
 * Opens files, directories (recursively: the text and .gz files inside, in name order, hidden ones
 * skipped), .gz files and "-" (stdin, one pass only) as one corpus, read in the order given.
 */
export async function openCorpus(paths: readonly string[], opts: CorpusOptions = {}): Promise<Corpus> {
  if (paths.length === 0) throw new EmbedlmError("no corpus given (expected files, directories or '-')");
  const maxLine = opts.maxLineLength ?? DEFAULT_MAX_LINE;
  const items: (Source | "stdin")[] = [];
  for (const p of paths) {
    if (p === "-") {
      items.push("stdin");
      continue;
    }
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new EmbedlmError(code === "ENOENT" ? "no such file or directory" : `cannot read: ${code}`, {
        file: p,
      });
    }
    if (st.isDirectory()) {
      const found: Source[] = [];
      await walk(p, found);
      if (found.length === 0) throw new EmbedlmError("the directory holds no text files", { file: p });
      items.push(...found);
    } else {
      const src = { path: p, gzip: p.endsWith(".gz"), size: st.size };
      if (!src.gzip && (await looksBinary(p))) {
        throw new EmbedlmError("this is a binary file, not text (it contains NUL bytes)", { file: p });
      }
      items.push(src);
    }
  }
  let stdinUsed = false;
  const hasStdin = items.includes("stdin");
  const checkStdin = () => {
    if (!hasStdin) return;
    if (stdinUsed) {
      throw new EmbedlmError(
        "stdin can be read only once, but a second pass was asked for (several epochs or passes need a file)",
      );
    }
    stdinUsed = true;
  };
  const totalBytes = hasStdin ? undefined : items.reduce((s, it) => s + (it as Source).size, 0);
  return {
    totalBytes,
    describe: () => paths.map((p) => (p === "-" ? "stdin" : p)).join(", "),
    lines(onBytes) {
      checkStdin();
      return readAll(items, opts, onBytes, (chunks) => splitLines(chunks, maxLine));
    },
    bytes(onBytes) {
      checkStdin();
      return readAll(items, opts, onBytes, withSeparator);
    },
  };
}

/** An in-memory corpus: each string is split into lines. */
export function textCorpus(texts: readonly string[]): Corpus {
  const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t), 0);
  return {
    totalBytes: bytes,
    describe: () => `${texts.length} in-memory text(s)`,
    async *lines(onBytes) {
      let done = 0;
      for (const t of texts) {
        // As in files: a final "\n" ends the last line, it does not start an empty one.
        const lines = t.split("\n");
        if (lines[lines.length - 1] === "") lines.pop();
        for (const line of lines) yield line.endsWith("\r") ? line.slice(0, -1) : line;
        done += Buffer.byteLength(t);
        onBytes?.(done);
      }
    },
    async *bytes(onBytes) {
      let done = 0;
      for (const t of texts) {
        const b = Buffer.from(t === "" || t.endsWith("\n") ? t : `${t}\n`);
        yield b;
        done += Buffer.byteLength(t);
        onBytes?.(done);
      }
    },
  };
}

async function walk(dir: string, out: Source[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) {
      const gzip = p.endsWith(".gz");
      if (gzip || !(await looksBinary(p))) out.push({ path: p, gzip, size: (await stat(p)).size });
    }
  }
}

async function looksBinary(path: string): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(path, "r");
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead).includes(0);
  } catch (e) {
    throw new EmbedlmError(`cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      file: path,
    });
  } finally {
    await fh?.close();
  }
}

/**
 * Reads every source in turn through `perSource` (lines or raw chunks), reporting bytes read over all
 * of them; read errors become EmbedlmErrors naming the file.
 */
async function* readAll<T>(
  items: (Source | "stdin")[],
  opts: CorpusOptions,
  onBytes: ((n: number) => void) | undefined,
  perSource: (chunks: AsyncIterable<Buffer>) => AsyncIterable<T>,
): AsyncGenerator<T> {
  let before = 0;
  for (const it of items) {
    if (it === "stdin") {
      const stream = (opts.stdin ?? process.stdin) as AsyncIterable<Buffer>;
      let n = 0;
      yield* perSource(
        checkedChunks(stream, "stdin", opts, (b) => {
          n = b;
          onBytes?.(before + n);
        }),
      );
      before += n;
      continue;
    }
    // Plain files are read into one reused buffer (no fresh 1 MB allocation per chunk); gzip streams.
    const raw = it.gzip ? createReadStream(it.path, { highWaterMark: 1 << 20 }) : undefined;
    const plain = raw === undefined ? { bytesRead: 0 } : undefined;
    const stream = raw !== undefined ? raw.pipe(createGunzip()) : reuseRead(it.path, plain!);
    raw?.on("error", (e) => (stream as NodeJS.ReadableStream & { destroy(e: Error): void }).destroy(e));
    try {
      yield* perSource(
        checkedChunks(stream as AsyncIterable<Buffer>, it.path, opts, () =>
          onBytes?.(before + (raw ?? plain!).bytesRead),
        ),
      );
    } catch (e) {
      if (e instanceof EmbedlmError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      const what = it.gzip && code?.startsWith("Z_") ? "not a valid gzip file" : `cannot read: ${code ?? e}`;
      throw new EmbedlmError(what, { file: it.path });
    } finally {
      raw?.destroy();
    }
    before += it.size;
  }
}

/**
 * The bytes of a file in chunks of up to 1 MB, all views of one buffer: a chunk is valid until the
 * next is asked for (checkedChunks copies what it keeps; consumers of Corpus.bytes are told so).
 */
async function* reuseRead(path: string, progress: { bytesRead: number }): AsyncGenerator<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      progress.bytesRead += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Re-chunks a byte stream so every chunk but the last ends on a UTF-8 character boundary, and counts
 * invalid sequences (the decoder replaces each by U+FFFD); one warning per source names the first line
 * affected. The fast isUtf8 check keeps valid input (nearly all of it) on the fast path.
 */
async function* checkedChunks(
  stream: AsyncIterable<Buffer>,
  name: string,
  opts: CorpusOptions,
  progress: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  let lineNo = 0;
  let bytes = 0;
  let carry: Buffer | undefined;
  let invalid = 0;
  let firstInvalidLine = 0;
  for await (const chunk0 of stream) {
    bytes += chunk0.length;
    let chunk = carry ? Buffer.concat([carry, chunk0]) : chunk0;
    carry = undefined;
    const cut = completeLength(chunk);
    if (cut < chunk.length) {
      carry = Buffer.from(chunk.subarray(cut));
      chunk = chunk.subarray(0, cut);
    }
    if (!isUtf8(chunk)) {
      const bad = countInvalid(chunk);
      if (invalid === 0) firstInvalidLine = lineNo + 1 + countNewlines(chunk, bad.first);
      invalid += bad.count;
    }
    lineNo += countNewlines(chunk, chunk.length);
    yield chunk;
    progress(bytes);
  }
  if (carry) {
    // A sequence cut short by the end of the input (at most 3 bytes, so no valid U+FFFD in it).
    if (invalid === 0) firstInvalidLine = lineNo + 1;
    for (const ch of new TextDecoder().decode(carry)) if (ch === "\uFFFD") invalid++;
    yield carry;
  }
  progress(bytes);
  if (invalid > 0) {
    opts.onWarning?.(
      `${name}: line ${firstInvalidLine}: ${invalid} invalid UTF-8 sequence(s) replaced with U+FFFD`,
    );
  }
}

function countNewlines(b: Buffer, end: number): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0 && i < end; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** Where an overlong line is cut: at its last space within `maxLine` characters, else at `maxLine`. */
function cutAt(line: string, maxLine: number): number {
  const at = line.lastIndexOf(" ", maxLine);
  return at > 0 ? at : maxLine;
}

/** A complete line without its "\r", in pieces of at most `maxLine` characters. */
function* cutLine(line: string, maxLine: number): Generator<string> {
  if (line.endsWith("\r")) line = line.slice(0, -1);
  while (line.length > maxLine) {
    const at = cutAt(line, maxLine);
    yield line.slice(0, at);
    line = line.slice(at);
  }
  yield line;
}

/**
 * Splits checked chunks into lines: "\r\n" or "\n" line ends, overlong lines cut at whitespace.
 * Work is linear in the input: a line spread over many chunks is gathered in a list and joined once.
 */
async function* splitLines(chunks: AsyncIterable<Buffer>, maxLine: number): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  let pending: string[] = [];
  let pendingLen = 0;
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      let line = text.slice(start, nl);
      start = nl + 1;
      if (pendingLen > 0) {
        pending.push(line);
        line = pending.join("");
        pending = [];
        pendingLen = 0;
      }
      // Short lines (nearly all) skip the generator.
      if (line.length <= maxLine) yield line.endsWith("\r") ? line.slice(0, -1) : line;
      else yield* cutLine(line, maxLine);
    }
    if (start < text.length) {
      pending.push(text.slice(start));
      pendingLen += text.length - start;
      // A line still open at the chunk end is cut now, so it never holds more than maxLine characters.
      while (pendingLen > maxLine) {
        const joined = pending.join("");
        const at = cutAt(joined, maxLine);
        yield joined.slice(0, at);
        const rest = joined.slice(at);
        pending = rest.length > 0 ? [rest] : [];
        pendingLen = rest.length;
      }
    }
  }
  const tail = decoder.decode();
  if (pendingLen > 0 || tail.length > 0) {
    pending.push(tail);
    yield* cutLine(pending.join(""), maxLine);
  }
}

/** The chunks of one source, then a newline so the last word of a file never runs into the next. */
/**
 * A source's bytes, ended by a line break when its last line lacks one (so its last word never runs
 * into the next source's first): every line, the last included, ends in exactly one "\n".
 */
async function* withSeparator(chunks: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
  let last = 10;
  for await (const chunk of chunks) {
    if (chunk.length > 0) last = chunk[chunk.length - 1];
    yield chunk;
  }
  if (last !== 10) yield NEWLINE;
}
const NEWLINE = Buffer.from("\n");

/** Length of the prefix of `b` that ends on a UTF-8 character boundary (a split sequence waits). */
function completeLength(b: Buffer): number {
  const n = b.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const c = b[n - k];
    if ((c & 0xc0) !== 0x80) {
      const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 1;
      return need > k ? n - k : n;
    }
  }
  return n;
}

/**
 * Number of invalid sequences in `b` as the WHATWG decoder replaces them (one U+FFFD per maximal
 * invalid subpart), and the offset of the first. Only runs on chunks that failed the fast isUtf8 check.
 */
function countInvalid(b: Uint8Array): { count: number; first: number } {
  let count = 0;
  let first = -1;
  let i = 0;
  const bad = (at: number) => {
    count++;
    if (first < 0) first = at;
  };
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else {
      bad(i);
      i++;
      continue;
    }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      const d = b[j];
      if (j >= b.length || d < lo || d > hi) {
        ok = false;
        break;
      }
      lo = 0x80;
      hi = 0xbf;
    }
    if (!ok) bad(i);
    i = j;
  }
  return { count, first: Math.max(0, first) };
}
