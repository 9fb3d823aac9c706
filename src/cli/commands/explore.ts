import { createInterface } from "node:readline";
import { EmbedlmError } from "../../util/errors.js";
import type { KeyedVectors } from "../../vectors/index.js";
import { action, intOption } from "../common.js";
import type { Register } from "./index.js";
import { addLoadOptions, type LoadFlags, loadForCli } from "./similar.js";

interface ExploreFlags extends LoadFlags {
  topn: number;
}

const HELP = `Type a word for its neighbours, or an expression such as 'king - man + woman'.
  :topn N   show N neighbours      :doesnt-match w1 w2 ...   the odd one out
  :help     this text              :quit (or Ctrl-D)         leave`;

/** Parses "a - b + c d" into positive [a, c, d] and negative [b]. */
export function parseExpression(line: string): { positive: string[]; negative: string[] } {
  const positive: string[] = [];
  const negative: string[] = [];
  let sign = 1;
  for (const tok of line.trim().split(/\s+/)) {
    if (tok === "+" || tok === "-") sign = tok === "-" ? -1 : 1;
    else {
      (sign > 0 ? positive : negative).push(tok);
      sign = 1;
    }
  }
  return { positive, negative };
}

/** Answers one line of the prompt; returns false to leave. */
function respond(
  kv: KeyedVectors,
  line: string,
  state: { topn: number },
  print: (s: string) => void,
): boolean {
  const t = line.trim();
  if (t === "") return true;
  if (t === ":quit" || t === ":q" || t === ":exit") return false;
  if (t === ":help") {
    print(HELP);
    return true;
  }
  const [cmd, ...args] = t.split(/\s+/);
  if (cmd === ":topn") {
    const n = Number(args[0]);
    if (Number.isInteger(n) && n > 0) state.topn = n;
    else print("usage: :topn N (N >= 1)");
    return true;
  }
  if (cmd === ":doesnt-match") {
    const { ranked, ignored } = kv.rankByCentrality(args);
    if (ignored.length) print(`(not in the vocabulary: ${ignored.join(" ")})`);
    print(ranked.at(-1)![1]);
    return true;
  }
  const { positive, negative } = parseExpression(t);
  const missing = [...positive, ...negative].filter((w) => !kv.has(w));
  if (missing.length > 0) {
    print(`not in the vocabulary: ${missing.join(" ")}`);
    return true;
  }
  if (positive.length === 0) {
    print("give at least one word with a + sign");
    return true;
  }
  const list = kv.mostSimilar({ positive, negative, topn: state.topn });
  const width = Math.max(0, ...list.map(([w]) => [...w].length));
  for (const [w, s] of list) print(`  ${w.padEnd(width)}  ${s.toFixed(4)}`);
  return true;
}

export const register: Register = (program) => {
  const cmd = program
    .command("explore")
    .description("Interactive prompt: type a word (or 'king - man + woman') and see its nearest neighbours")
    .argument("<vectors>", "vector file (any supported format)")
    .option("--topn <n>", "neighbours per answer", intOption("--topn", 1), 10);
  addLoadOptions(cmd)
    .addHelpText(
      "after",
      `
Examples:
  embedlm explore vectors.bin
  echo "paris - france + italy" | embedlm explore vectors.bin --topn 3`,
    )
    .action(
      action(async (ctx, file: string, flags: ExploreFlags) => {
        const kv = await loadForCli(file, flags);
        const tty = process.stdin.isTTY === true;
        const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty });
        // The answers are human-readable output too: --quiet (with --json) leaves only the result line.
        const print = ctx.log;
        if (tty) {
          print(HELP);
          rl.setPrompt("> ");
          rl.prompt();
        }
        const state = { topn: flags.topn };
        let queries = 0;
        for await (const line of rl) {
          let go: boolean;
          try {
            go = respond(kv, line, state, print);
          } catch (e) {
            if (!(e instanceof EmbedlmError)) throw e;
            print(e.message);
            go = true;
          }
          if (!go) break;
          queries++;
          if (tty) rl.prompt();
        }
        rl.close();
        return { queries };
      }),
    );
};
