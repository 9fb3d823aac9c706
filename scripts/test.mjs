// Runs every compiled test file under dist/test with node's test runner.
// Extra arguments narrow the run: `npm test -- vocab` runs files whose path contains "vocab".
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, "dist", "test");
const files = [];
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith(".test.js")) files.push(p);
  }
};
walk(dir);
const filters = process.argv.slice(2);
const selected = files.filter(
  (f) => filters.length === 0 || filters.some((x) => relative(dir, f).includes(x)),
);
if (selected.length === 0) {
  console.error(`no test files matched ${filters.join(" ")}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ["--test", "--test-reporter=spec", ...selected.sort()], {
  cwd: root,
  stdio: "inherit",
});
process.exit(r.status ?? 1);
