// `npm run bench -- NAME [args]` runs bench/NAME (compiled to dist/bench/NAME.js or dist/bench/NAME/index.js).
// Every benchmark prints, as its last line, one JSON object with a `targets` list.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const [name, ...args] = process.argv.slice(2);
// Chosen by its source, so that a stale dist/bench/NAME.js left by an earlier layout
// (bench/NAME.ts since moved to bench/NAME/index.ts) is not run.
const candidates = name
  ? [
      [join(root, "bench", name, "index.ts"), join(root, "dist", "bench", name, "index.js")],
      [join(root, "bench", `${name}.ts`), join(root, "dist", "bench", `${name}.js`)],
    ]
  : [];
const entry = candidates.find(([src, js]) => existsSync(src) && existsSync(js))?.[1];
if (!entry) {
  const dir = join(root, "dist", "bench");
  const names = existsSync(dir)
    ? readdirSync(dir)
        .map((n) => n.replace(/\.js$/, ""))
        .filter((n) => !n.includes("."))
    : [];
  console.error(
    `usage: npm run bench -- NAME   (available: ${names.join(", ") || "none; run npm run build"})`,
  );
  process.exit(2);
}
const r = spawnSync(process.execPath, [entry, ...args], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
