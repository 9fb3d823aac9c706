// Child of bench/nn: embedlm's WebAssembly GEMM in GFLOP/s on the benchmark shapes.
// Usage: node dist/bench/nn/gemm.js THREADS [SECONDS_PER_SHAPE]
import { createNnRuntime } from "../../src/nn/runtime.js";
import { SHAPES } from "./shapes.js";
import { bestGflops } from "./timing.js";

const threads = Number(process.argv[2] ?? 1);
const seconds = Number(process.argv[3] ?? 1);
const rt = await createNnRuntime({ threads });
const out: Record<string, number> = {};
for (const [m, k, n] of SHAPES) {
  const a = rt.arena.alloc(m * k);
  const b = rt.arena.alloc(k * n);
  const c = rt.arena.alloc(m * n);
  for (let i = 0; i < a.length; i++) a[i] = (i % 13) / 13 - 0.5;
  for (let i = 0; i < b.length; i++) b[i] = (i % 7) / 7 - 0.5;
  const run = () => rt.gemm(false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, c, 0, n);
  const warm = performance.now();
  for (let i = 0; i < 3 || performance.now() - warm < 200; i++) run();
  out[`${m}x${k}x${n}`] = bestGflops(run, 2 * m * n * k, seconds);
}
await rt.close();
console.log(JSON.stringify({ tool: "embedlm-gemm", threads, relaxed: rt.kernels.relaxed, gflops: out }));
