import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createRuntime, type KernelRuntime } from "../../src/kernels/index.js";
import { saxpyRef, sdotRef } from "../../src/kernels/reference.js";
import { Rng } from "../../src/util/rng.js";

let rt: KernelRuntime;
before(async () => {
  rt = await createRuntime({ threads: 2 });
});
after(async () => {
  await rt.close();
});

function fill(a: Float32Array, rng: Rng): void {
  for (let i = 0; i < a.length; i++) a[i] = rng.uniform(-1, 1);
}

test("sdot and saxpy equal their references for every length and alignment", () => {
  const rng = new Rng(3);
  for (const n of [0, 1, 3, 4, 5, 17, 100, 1001]) {
    const x = rt.arena.f32(n);
    const y = rt.arena.f32(n);
    fill(x, rng);
    fill(y, rng);
    const dot = rt.kernels.sdot(n, x.byteOffset, y.byteOffset);
    assert.ok(Math.abs(dot - sdotRef(x, y)) <= 1e-5 * (1 + n), `sdot n=${n}`);
    const expect = Float32Array.from(y);
    saxpyRef(0.3, x, expect);
    rt.kernels.saxpy(n, 0.3, x.byteOffset, y.byteOffset);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(y[i] - expect[i]) <= 1e-6, `saxpy n=${n} i=${i}`);
  }
});

test("views stay valid after the shared memory grows", () => {
  const a = rt.arena.f32(8);
  a[7] = 42;
  const before = rt.arena.memory.buffer.byteLength;
  const big = rt.arena.f32(1 << 20);
  assert.ok(rt.arena.memory.buffer.byteLength > before);
  big[big.length - 1] = 1;
  assert.equal(a[7], 42);
  assert.equal(a.length, 8);
});

test("the pool runs a kernel split across workers on the shared memory", async () => {
  const pool = rt.pool!;
  assert.equal(pool.size, 2);
  const rng = new Rng(5);
  const n = 10000;
  const x = rt.arena.f32(n);
  const y = rt.arena.f32(n);
  fill(x, rng);
  fill(y, rng);
  const expect = Float32Array.from(y);
  saxpyRef(-2, x, expect);
  const half = n / 2;
  await pool.run("saxpy", [
    [half, -2, x.byteOffset, y.byteOffset],
    [half, -2, x.byteOffset + half * 4, y.byteOffset + half * 4],
  ]);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(y[i] - expect[i]) <= 1e-6);
  const dots = await pool.run("sdot", [
    [half, x.byteOffset, x.byteOffset],
    [half, x.byteOffset + half * 4, x.byteOffset + half * 4],
  ]);
  assert.ok(Math.abs(dots[0] + dots[1] - sdotRef(x, x)) <= 1e-2);
  // Many small calls queue behind each other on one worker; each reads its own slice, so a result
  // read before its call ran (or handed to another call) shows as a wrong value.
  const many = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      pool.call(1, "sdot", [4, x.byteOffset + 16 * i, y.byteOffset + 16 * i]),
    ),
  );
  many.forEach((v, i) => {
    const want = sdotRef(x.subarray(4 * i, 4 * i + 4), y.subarray(4 * i, 4 * i + 4));
    assert.ok(Math.abs(v - want) <= 1e-5, `call ${i}: ${v} vs ${want}`);
  });
  assert.ok(new Set(many).size > 40, "the slices give different results");
});

test("a kernel that traps rejects its call and the worker keeps serving", async () => {
  const pool = rt.pool!;
  await assert.rejects(pool.call(0, "sdot", [16, 0xfffffff0, 0]), /failed on worker 0/);
  const x = rt.arena.f32(4);
  x.set([1, 2, 3, 4]);
  assert.equal(await pool.call(0, "sdot", [4, x.byteOffset, x.byteOffset]), 30);
  assert.throws(() => pool.call(0, "nope", []), /no kernel named nope/);
});

test("a synchronous split whose shares fail joins every worker, which stay usable", () => {
  const pool = rt.pool!;
  const x = rt.arena.f32(4);
  x.set([1, 2, 3, 4]);
  const dot = [4, x.byteOffset, x.byteOffset];
  // The calling thread's share fails while worker 0 runs a good call: the error comes out, and
  // worker 0 is joined anyway.
  pool.start(0, "sdot", dot);
  assert.throws(
    () =>
      pool.joinAfter(1, () => {
        throw new Error("own share failed");
      }),
    /own share failed/,
  );
  // A worker's share traps: its error comes out after the calling thread's share is done.
  pool.start(0, "sdot", [16, 0xfffffff0, 0]);
  assert.throws(() => pool.joinAfter(1, () => 1), /failed on worker 0/);
  pool.start(0, "sdot", dot);
  assert.equal(
    pool.joinAfter(1, () => 0.5),
    30.5,
  );
});

test("instantiating the module in new workers leaves arena memory alone", async () => {
  const { Arena, KernelPool, loadKernelModule } = await import("../../src/kernels/index.js");
  const arena = new Arena();
  const a = arena.f32(4096); // the first allocation, where the module's static data would land
  assert.ok(a.byteOffset >= rt.kernels.heapBase(), "the arena starts above the module's static data");
  a.fill(7);
  const pool = await KernelPool.create(await loadKernelModule(), arena.memory, 2);
  await pool.close();
  assert.ok(a.every((v) => v === 7));
});

test("a pool whose workers do not all start stops the ones that did, and fails with the first error", async () => {
  const { allOrNone } = await import("../../src/kernels/pool.js");
  const stopped: number[] = [];
  const starters = [0, 1, 2].map((i) => async () => {
    if (i === 1) throw new Error("worker 1 failed");
    return i;
  });
  await assert.rejects(
    allOrNone(starters, (w) => stopped.push(w)),
    /worker 1 failed/,
  );
  assert.deepEqual(stopped.sort(), [0, 2]);
  assert.deepEqual(
    await allOrNone(
      [0, 1].map((i) => async () => i),
      (w) => stopped.push(w + 10),
    ),
    [0, 1],
  );
  assert.deepEqual(stopped, [0, 2], "nothing stopped when every worker starts");
});
