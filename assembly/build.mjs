// Compiles assembly/index.ts into the two WebAssembly kernel builds the loader chooses between:
// dist/wasm/kernels.wasm (SIMD + threads) and dist/wasm/kernels-relaxed.wasm (adds relaxed SIMD,
// i.e. fused multiply-add). Both import one shared memory `env.memory` and use raw pointers
// (runtime "stub"), so every worker can instantiate them on the same WebAssembly.Memory.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "wasm");
mkdirSync(out, { recursive: true });

// 65536 pages = 4 GiB, the memory32 limit: a shared memory must declare a maximum, and the module
// accepts any memory whose maximum is not above its own.
const common = [
  join(root, "assembly", "index.ts"),
  "-O3",
  "--noAssert",
  "--runtime",
  "stub",
  "--importMemory",
  "--sharedMemory",
  "--initialMemory",
  "1",
  "--maximumMemory",
  "65536",
  "--enable",
  "simd",
  "--enable",
  "threads",
];
const variants = [
  ["kernels.wasm", []],
  ["kernels-relaxed.wasm", ["--enable", "relaxed-simd"]],
];
for (const [file, extra] of variants) {
  const { error, stderr } = await asc.main([...common, ...extra, "--outFile", join(out, file)], {});
  if (error) {
    process.stderr.write(stderr.toString());
    throw new Error(`AssemblyScript build of ${file} failed: ${error.message}`);
  }
}
