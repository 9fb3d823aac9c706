// The benchmarks' shared plumbing: the lock can be moved for testing, a timed command's leftover
// child does not keep the lock, the peers' scripts get the same lock, and a failed measurement still
// ends in a final line whose targets say why they are not met.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  benchLock,
  failedRun,
  measure,
  notMeasured,
  report,
  reported,
  runPeer,
  runTimed,
  target,
} from "../../bench/lib/common.js";
import { tempDir } from "../helpers/tmp.js";

const dir = tempDir("embedlm-bench-test-");
const lock = join(dir, "bench.lock");
process.env.EMBEDLM_BENCH_LOCK = lock;

test("the bench lock comes from EMBEDLM_BENCH_LOCK", () => {
  assert.equal(benchLock(), lock);
});

test("runTimed: a child left running by the command does not hold the lock", () => {
  // The command starts a background sleep (its output detached so the pipe closes) and prints JSON.
  const r = runTimed("sh", ["-c", 'sleep 5 >/dev/null 2>&1 & echo "{\\"pid\\": $!}"']);
  const pid = Number(r.json.pid);
  try {
    assert.ok(pid > 0);
    assert.ok(Number.isFinite(r.wallSeconds) && Number.isFinite(r.peakRssMb));
    process.kill(pid, 0); // still running
    const probe = spawnSync("flock", ["-n", lock, "true"]);
    assert.equal(probe.status, 0, "the lock is free while the orphan runs");
  } finally {
    process.kill(pid, "SIGTERM");
  }
});

test("runPeer passes the lock on to the peers' scripts as $LOCK", () => {
  const shared = join(dir, "shared");
  mkdirSync(join(shared, "data"), { recursive: true });
  mkdirSync(join(shared, "bench", "peers"), { recursive: true });
  writeFileSync(join(shared, "bench", "peers", "fake.sh"), 'echo "{\\"lock\\": \\"$LOCK\\"}"\n');
  const before = process.env.EMBEDLM_SHARED;
  process.env.EMBEDLM_SHARED = shared;
  try {
    assert.deepEqual(runPeer("fake.sh"), [{ lock }]);
  } finally {
    if (before === undefined) delete process.env.EMBEDLM_SHARED;
    else process.env.EMBEDLM_SHARED = before;
  }
});

test("a failed measurement ends in an honest final line", () => {
  const run = measure("missing peer", () => runTimed(join(dir, "no-such-peer"), []), failedRun);
  assert.equal(run, failedRun);
  const budget = target("training seconds within the budget", 694, 600, "<=");
  const targets = [
    target("speed vs peer", 2 / run.wallSeconds, 1, ">="),
    target("memory vs peer", 100, run.peakRssMb, "<="),
    notMeasured("cbow vs peer", 1, ">=", "the peer runs skip-gram only"),
    budget,
    reported("perplexity", 532.6, "no threshold", [budget]),
    reported("other perplexity", 330.3, "no threshold"),
  ];
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => lines.push(s) > 0) as typeof process.stdout.write;
  try {
    report("test", {}, targets);
  } finally {
    process.stdout.write = write;
  }
  const line = JSON.parse(lines.join(""));
  assert.equal(line.failures.length, 1);
  assert.match(line.failures[0], /^missing peer: .* exited with/);
  const [speed, memory, cbow, within, ppl, other] = line.targets;
  assert.deepEqual([speed.value, speed.met], [null, false]);
  assert.equal(speed.note, "not measured: failed runs (see failures): missing peer");
  assert.deepEqual([memory.value, memory.target, memory.met], [100, null, false]);
  assert.match(memory.note, /failed runs/);
  assert.deepEqual([cbow.value, cbow.met, cbow.note], [null, false, "the peer runs skip-gram only"]);
  assert.deepEqual([within.met, "note" in within], [false, false]);
  assert.deepEqual([ppl.value, ppl.met], [532.6, false]);
  assert.deepEqual([other.value, other.met], [330.3, true]);
});
