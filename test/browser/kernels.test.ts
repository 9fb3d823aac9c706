// The kernel runtime in a real browser: Debian's Chromium (headless, driven by playwright-core) loads
// the compiled ES modules from dist/ over http, fetches the wasm, starts a pool of 2 module workers
// on one shared WebAssembly.Memory and runs kernels on the main thread and across the pool. Skips,
// saying why, when /usr/bin/chromium or playwright-core is absent.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { saxpyRef, sdotRef } from "../../src/kernels/reference.js";
import { gemm } from "../../src/nn/gemm.js";
import { Rng } from "../../src/util/rng.js";

const CHROMIUM = "/usr/bin/chromium";
// dist/test/browser/kernels.test.js -> dist/
const distDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

type Playwright = typeof import("playwright-core");
let playwright: Playwright | undefined;
try {
  playwright = await import("playwright-core");
} catch {
  playwright = undefined;
}
const skip = !existsSync(CHROMIUM)
  ? `needs Chromium at ${CHROMIUM} (apt-get install chromium; absent on this machine)`
  : playwright === undefined
    ? "needs the playwright-core package (npm install; absent on this machine)"
    : false;

// The page imports the runtime exactly as a browser user would and exposes one entry point.
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>embedlm kernels</title>
<script type="module">
import { wasmGemm } from "/src/kernels/gemm.js";
import { createRuntime } from "/src/kernels/index.js";

// Whether this thread may block in Atomics.wait (a browser's main thread may not).
function canBlock() {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

globalThis.runKernels = async (x, y, a) => {
  const rt = await createRuntime({ threads: 2, maximumPages: 1024 });
  try {
    const n = x.length;
    const h = n >> 1;
    const xs = rt.arena.f32(n);
    const ys = rt.arena.f32(n);
    xs.set(x);
    ys.set(y);
    const dotMain = rt.kernels.sdot(n, xs.byteOffset, ys.byteOffset);
    const halves = (...lead) => [
      [h, ...lead, xs.byteOffset, ys.byteOffset],
      [n - h, ...lead, xs.byteOffset + 4 * h, ys.byteOffset + 4 * h],
    ];
    // A synchronous split GEMM cannot wait for its workers here: it must say so, and leave the pool usable.
    let mainGemm = "ran";
    try {
      const [m, n, k] = [8, 256, 8];
      const A = rt.arena.f32(m * k);
      const B = rt.arena.f32(k * n);
      const C = rt.arena.f32(m * n);
      wasmGemm(rt, { parallelThreshold: 0 })(false, false, m, n, k, 1, A, 0, k, B, 0, n, 0, C, 0, n);
    } catch (e) {
      mainGemm = e.message;
    }
    const dotParts = await rt.pool.run("sdot", halves());
    await rt.pool.run("saxpy", halves(a));
    return {
      crossOriginIsolated: globalThis.crossOriginIsolated,
      relaxed: rt.relaxed,
      workers: rt.pool.size,
      mainCanBlock: canBlock(),
      mainGemm,
      dotMain,
      dotParts,
      y: Array.from(ys),
    };
  } finally {
    await rt.close();
  }
};
// The synchronous paths (pool.start/join: wasmGemm, softmax cross-entropy) block in Atomics.wait,
// so they run in a worker, which may block and start the pool's workers itself.
globalThis.runGemm = (problem) =>
  new Promise((ok, fail) => {
    const w = new Worker("/gemm-worker.js", { type: "module" });
    w.onmessage = (e) => {
      w.terminate();
      if (e.data.error) fail(new Error(e.data.error));
      else ok(e.data.c);
    };
    w.onerror = (e) => fail(new Error(e.message));
    w.postMessage(problem);
  });
globalThis.pageReady = true;
</script>
`;

const GEMM_WORKER = `
import { createRuntime } from "/src/kernels/index.js";
import { wasmGemm } from "/src/kernels/gemm.js";

onmessage = async ({ data: { m, n, k, a, b } }) => {
  const rt = await createRuntime({ threads: 2, maximumPages: 1024 });
  try {
    const A = rt.arena.f32(m * k);
    const B = rt.arena.f32(k * n);
    const C = rt.arena.f32(m * n);
    A.set(a);
    B.set(b);
    // Threshold 0: shared between this thread and both pool workers, which take blocks from one counter.
    const gemm = wasmGemm(rt, { parallelThreshold: 0, chunk: 1 << 12 });
    gemm(false, false, m, n, k, 1, A, 0, k, B, 0, n, 0, C, 0, n);
    postMessage({ c: Array.from(C) });
  } catch (e) {
    postMessage({ error: String(e) });
  } finally {
    await rt.close();
  }
};
`;

const TYPES: Record<string, string> = {
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".html": "text/html",
  ".map": "application/json",
};

/** Serves dist/ (and the page) with the headers that make the page cross-origin isolated. */
function serve(): Promise<Server> {
  const server = createServer(async (req, res) => {
    let path = new URL(req.url ?? "/", "http://localhost").pathname;
    // COOP + COEP make the page crossOriginIsolated: SharedArrayBuffer and shared memories exist.
    // Under /plain/ the same files come without them, as from a server not set up for the runtime.
    if (path.startsWith("/plain/")) path = path.slice("/plain".length);
    else {
      res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
      res.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    }
    if (path === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    if (path === "/gemm-worker.js") {
      res.writeHead(200, { "Content-Type": TYPES[".js"] }).end(GEMM_WORKER);
      return;
    }
    if (path === "/page.html") {
      res.writeHead(200, { "Content-Type": TYPES[".html"] }).end(PAGE);
      return;
    }
    const file = normalize(join(distDir, decodeURIComponent(path)));
    if (!file.startsWith(distDir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

interface PageResult {
  crossOriginIsolated: boolean;
  relaxed: boolean;
  workers: number;
  mainCanBlock: boolean;
  mainGemm: string;
  dotMain: number;
  dotParts: number[];
  y: number[];
}

test("Chromium runs sdot on the main thread, sdot/saxpy across a 2-worker pool, a split GEMM in a worker", {
  skip,
  timeout: 60_000,
}, async (t) => {
  const rng = new Rng(11);
  const n = 1003; // odd: both halves have a SIMD body and a scalar tail
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rng.uniform(-1, 1);
    y[i] = rng.uniform(-1, 1);
  }
  const a = Math.fround(0.37);

  const server = await serve();
  const profile = await mkdtemp(join(tmpdir(), "embedlm-chromium-"));
  const errors: string[] = [];
  // launchPersistentContext: playwright refuses --user-data-dir in args and takes the directory here.
  const context = await playwright!.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("response", (res) => {
      if (res.status() >= 400) errors.push(`${res.status()} ${res.url()}`);
    });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/page.html`);
    await page.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true, null, {
      timeout: 15_000,
    });
    const r = await page.evaluate(
      ([xs, ys, alpha]) =>
        (
          globalThis as unknown as {
            runKernels(x: number[], y: number[], a: number): Promise<PageResult>;
          }
        ).runKernels(xs, ys, alpha),
      [Array.from(x), Array.from(y), a] as [number[], number[], number],
    );
    t.diagnostic(`${(await context.browser()?.version()) ?? "chromium"}: relaxed SIMD build ${r.relaxed}`);
    assert.deepEqual(errors, []);
    assert.equal(r.crossOriginIsolated, true);
    assert.equal(r.workers, 2);
    // The reason pool.start/join (synchronous GEMM, vector scans) cannot run on a browser's main thread.
    assert.equal(r.mainCanBlock, false);
    assert.match(r.mainGemm, /KernelPool\.start\/join wait in Atomics\.wait/);

    const dot = sdotRef(x, y);
    assert.ok(Math.abs(r.dotMain - dot) <= 1e-5 * n, `main-thread sdot ${r.dotMain} vs ${dot}`);
    const h = n >> 1;
    const dot0 = sdotRef(x.subarray(0, h), y.subarray(0, h));
    const dot1 = sdotRef(x.subarray(h), y.subarray(h));
    assert.ok(Math.abs(r.dotParts[0] - dot0) <= 1e-5 * n, `worker 0 sdot ${r.dotParts[0]} vs ${dot0}`);
    assert.ok(Math.abs(r.dotParts[1] - dot1) <= 1e-5 * n, `worker 1 sdot ${r.dotParts[1]} vs ${dot1}`);

    const expect = Float32Array.from(y);
    saxpyRef(a, x, expect);
    assert.equal(r.y.length, n);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(r.y[i] - expect[i]) <= 1e-6, `saxpy y[${i}]`);
    // The workers wrote the shared memory: y changed in both halves.
    assert.notEqual(r.y[0], y[0]);
    assert.notEqual(r.y[n - 1], y[n - 1]);

    // 400 columns: 3 blocks of 144, one each for the caller and the 2 workers.
    const [m, nn, k] = [21, 400, 33];
    const ga = Float32Array.from({ length: m * k }, () => rng.uniform(-1, 1));
    const gb = Float32Array.from({ length: k * nn }, () => rng.uniform(-1, 1));
    const gc = await page.evaluate(
      (problem) => (globalThis as unknown as { runGemm(p: unknown): Promise<number[]> }).runGemm(problem),
      { m, n: nn, k, a: Array.from(ga), b: Array.from(gb) },
    );
    const want = new Float32Array(m * nn);
    gemm(false, false, m, nn, k, 1, ga, 0, k, gb, 0, nn, 0, want, 0, nn);
    assert.equal(gc.length, m * nn);
    for (let i = 0; i < want.length; i++)
      assert.ok(Math.abs(gc[i] - want[i]) <= 1e-5 * k, `gemm C[${i}] ${gc[i]} vs ${want[i]}`);
    assert.deepEqual(errors, []);

    // Without the headers: a clear error naming them, not a missing global deep in the pool.
    const plain = await context.newPage();
    await plain.goto(`http://127.0.0.1:${port}/plain/page.html`);
    await plain.waitForFunction(() => (globalThis as { pageReady?: boolean }).pageReady === true, null, {
      timeout: 15_000,
    });
    const message = await plain.evaluate(() =>
      (globalThis as unknown as { runKernels(x: number[], y: number[], a: number): Promise<unknown> })
        .runKernels([1], [1], 1)
        .then(
          () => "resolved",
          (e: Error) => e.message,
        ),
    );
    assert.match(message, /Cross-Origin-Embedder-Policy: require-corp/);
  } finally {
    await context.close();
    await new Promise((ok) => server.close(ok));
    await rm(profile, { recursive: true, force: true });
  }
});
