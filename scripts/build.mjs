// Builds the WebAssembly kernels (when assembly/ exists) and then the TypeScript.
// One script so `npm install` (prepare) and `npm test` build the same way.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
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
