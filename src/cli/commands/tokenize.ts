import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type Corpus, openCorpus } from "../../text/corpus.js";
import { splitSentences } from "../../text/sentences.js";
import { stopwordSet } from "../../text/stopwords.js";
import { Tokenizer, type TokenizerOptions, UNICODE_ONLY_OPTIONS } from "../../text/tokenizer.js";
import { withAtomicStream, writeChunk } from "../../util/atomic.js";
import { EmbedlmError } from "../../util/errors.js";
import { action, type CommandContext, intOption } from "../common.js";
import type { Register } from "./index.js";

/** The tokenizer's switches as command-line options (shared by `tokenize` and `vocab`). */
export function addTokenizerOptions(cmd: Command): Command {
  return cmd
    .option(
      "--mode <mode>",
      "unicode (words by Unicode classes, CJK segmented) or whitespace (split on spaces only)",
      "unicode",
    )
    .option("--lowercase", "lowercase words")
    .option("--strip-accents", "remove accents (é -> e)")
    .option("--no-normalize", "skip NFKC Unicode normalisation")
    .option("--punctuation <what>", "keep or drop punctuation and symbols", "drop")
    .option("--numbers <how>", "keep, token (<num>) or spell (1984 -> one nine eight four)", "keep")
    .option("--min-length <n>", "drop words shorter than n characters", intOption("--min-length", 0))
    .option("--max-length <n>", "drop words longer than n characters", intOption("--max-length", 0))
    .option("--no-urls", "do not keep URLs as one token")
    .option("--no-emails", "do not keep e-mail addresses as one token")
    .option("--stopwords <langs>", "drop stopwords of these stopwords-iso languages (en, or en,fr)")
    .option("--stopwords-file <file>", "drop the words listed in this file (one per line)");
}

interface TokenizerFlags {
  mode: string;
  lowercase?: boolean;
  stripAccents?: boolean;
  normalize: boolean;
  punctuation: string;
  numbers: string;
  minLength?: number;
  maxLength?: number;
  urls: boolean;
  emails: boolean;
  stopwords?: string;
  stopwordsFile?: string;
}

/** Command-line spelling of the options the whitespace mode does not apply (commander attribute names). */
const UNICODE_ONLY_FLAGS: Record<(typeof UNICODE_ONLY_OPTIONS)[number], string> = {
  normalize: "--no-normalize",
  stripAccents: "--strip-accents",
  punctuation: "--punctuation",
  numbers: "--numbers",
  minLength: "--min-length",
  maxLength: "--max-length",
  urls: "--no-urls",
  emails: "--no-emails",
};

/**
 * The tokenizer the flags ask for. `cmd` tells which flags were given on the command line: with
 * --mode whitespace, one that only the unicode mode applies is an error rather than ignored.
 */
export async function tokenizerFrom(flags: TokenizerFlags, cmd: Command): Promise<Tokenizer> {
  if (flags.mode === "whitespace") {
    for (const k of UNICODE_ONLY_OPTIONS) {
      if (cmd.getOptionValueSource(k) === "cli")
        throw new EmbedlmError(
          "does not apply to --mode whitespace, which splits on whitespace only (--lowercase, --stopwords and --stopwords-file apply); leave it out or use --mode unicode",
          { field: UNICODE_ONLY_FLAGS[k] },
        );
    }
  }
  let stopwords: string | string[] | undefined = flags.stopwords;
  if (flags.stopwordsFile !== undefined) {
    let text: string;
    try {
      text = await readFile(flags.stopwordsFile, "utf8");
    } catch (e) {
      throw new EmbedlmError(`cannot read: ${(e as NodeJS.ErrnoException).code}`, {
        file: flags.stopwordsFile,
      });
    }
    const own = text.split(/\s+/).filter(Boolean);
    const lang = flags.stopwords === undefined ? [] : [...stopwordSet(flags.stopwords)];
    stopwords = [...lang, ...own];
  }
  const opts: TokenizerOptions =
    flags.mode === "whitespace"
      ? { mode: "whitespace", lowercase: flags.lowercase === true, stopwords }
      : {
          mode: flags.mode as TokenizerOptions["mode"],
          lowercase: flags.lowercase === true,
          stripAccents: flags.stripAccents === true,
          normalize: flags.normalize ? "NFKC" : "none",
          punctuation: flags.punctuation as TokenizerOptions["punctuation"],
          numbers: flags.numbers as TokenizerOptions["numbers"],
          minLength: flags.minLength,
          maxLength: flags.maxLength,
          urls: flags.urls,
          emails: flags.emails,
          stopwords,
        };
  try {
    return new Tokenizer(opts);
  } catch (e) {
    // Name the command-line option rather than the library field.
    if (e instanceof EmbedlmError && e.location.field !== undefined) {
      const flag = `--${e.location.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new EmbedlmError(e.message.slice(e.message.indexOf(": ") + 2), { field: flag });
    }
    throw e;
  }
}

/** Opens the corpus with warnings going to the command's stderr. */
export async function openCorpusFor(ctx: CommandContext, paths: readonly string[]): Promise<Corpus> {
  return openCorpus(paths.length === 0 ? ["-"] : paths, { onWarning: (w) => ctx.warn(w) });
}

export const register: Register = (program) => {
  const cmd = program
    .command("tokenize")
    .description("Split text into words, one output line per input line (or per sentence with --sentences)")
    .argument("[files...]", "text files, directories, .gz files; '-' or nothing reads stdin")
    .option("-o, --output <file>", "write to this file instead of stdout")
    .option("--sentences", "split each line into sentences first (one sentence per output line)")
    .option("--locale <tag>", "locale of the sentence splitter", "en");
  addTokenizerOptions(cmd)
    .addHelpText(
      "after",
      `
Examples:
  echo "嵌入技术在语言模型中的作用" | embedlm tokenize
  embedlm tokenize --lowercase --stopwords en book.txt -o book.tok
  embedlm tokenize --numbers spell --strip-accents corpus/ > corpus.tok
  zcat news.gz | embedlm tokenize --sentences --json`,
    )
    .action(
      action(
        async (
          ctx,
          files: string[],
          flags: TokenizerFlags & { output?: string; sentences?: boolean; locale: string },
        ) => {
          try {
            Intl.getCanonicalLocales(flags.locale);
          } catch {
            throw new EmbedlmError(
              `expected a BCP 47 language tag such as en or zh-Hans, got '${flags.locale}'`,
              {
                field: "--locale",
              },
            );
          }
          const tokenizer = await tokenizerFrom(flags, cmd);
          const corpus = await openCorpusFor(ctx, files);
          let lines = 0;
          let tokens = 0;
          const bar =
            flags.output !== undefined && corpus.totalBytes
              ? ctx.progress("tokenize", corpus.totalBytes, "bytes")
              : undefined;
          const produce = async (write: (s: string) => Promise<void>) => {
            let buf = "";
            const emit = async (text: string) => {
              const toks = tokenizer.tokenize(text);
              tokens += toks.length;
              lines++;
              buf += `${toks.join(" ")}\n`;
              if (buf.length > 1 << 16) {
                await write(buf);
                buf = "";
              }
            };
            for await (const line of corpus.lines((n) => bar?.update(n))) {
              if (flags.sentences) for (const s of splitSentences(line, flags.locale)) await emit(s);
              else await emit(line);
            }
            if (buf.length > 0) await write(buf);
          };
          try {
            if (flags.output !== undefined)
              await withAtomicStream(flags.output, (out) => produce((s) => writeChunk(out, s)));
            else await produce(writeStdout);
          } finally {
            bar?.stop();
          }
          if (flags.output !== undefined) ctx.log(`${lines} lines, ${tokens} tokens -> ${flags.output}`);
          return { lines, tokens, output: flags.output ?? null };
        },
      ),
    );
};

let pipeWatched = false;

/** Writes to stdout, waiting when its buffer is full; a closed pipe (| head) ends the process quietly. */
export function writeStdout(s: string): Promise<void> {
  if (!pipeWatched) {
    pipeWatched = true;
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(0);
      throw e;
    });
  }
  return new Promise((resolve) => {
    if (process.stdout.write(s)) resolve();
    else process.stdout.once("drain", () => resolve());
  });
}
