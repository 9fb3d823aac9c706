// Builds the WebAssembly kernels (when assembly/ exists) and then the TypeScript.
// One script so `npm install` (prepare) and `npm test` build the same way.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

if (existsSync(join(root, "assembly", "build.mjs")))
  run(process.execPath, [join(root, "assembly", "build.mjs")]);
else if (existsSync(join(root, "assembly")) && readdirSync(join(root, "assembly")).length > 0) {
  throw new Error("assembly/ exists but has no build.mjs");
}
run(bin("tsc"), ["-p", "tsconfig.json"]);

// tsc never deletes: the output of a removed or renamed source would ship in the package and, for a
// test, keep running. Remove what has no source any more (not the whole of dist/, which a running
// process may still be loading modules from).
for (const top of ["src", "test", "bench"]) {
  const out = join(root, "dist", top);
  if (!existsSync(out)) continue;
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    const m = /^(.*)\.(js|js\.map|d\.ts|d\.ts\.map)$/.exec(entry.name);
    if (!entry.isFile() || !m) continue;
    const dir = entry.parentPath ?? entry.path;
    const source = join(root, top, dir.slice(out.length), `${m[1]}.ts`);
    if (!existsSync(source)) rmSync(join(dir, entry.name));
  }
}
