// Child of bench/nn: TensorFlow.js 4.22 on its WebAssembly backend (XNNPACK) on the GEMM shapes.
// Usage: node dist/bench/nn/tfjs.js [SECONDS_PER_SHAPE]
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { SHAPES } from "./shapes.js";
import { bestGflops } from "./timing.js";

const seconds = Number(process.argv[2] ?? 1);
const require = createRequire(import.meta.url);
setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"))}/`);
await tf.setBackend("wasm");
await tf.ready();
const out: Record<string, number> = {};
for (const [m, k, n] of SHAPES) {
  const a = tf.randomUniform([m, k]);
  const b = tf.randomUniform([k, n]);
  const run = () => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  };
  for (let i = 0; i < 3; i++) run();
  out[`${m}x${k}x${n}`] = bestGflops(run, 2 * m * n * k, seconds);
}
console.log(JSON.stringify({ tool: "tfjs-wasm", backend: tf.getBackend(), gflops: out }));
