// How every tool of bench/nn times a GEMM shape.
/**
 * GFLOP/s of `run` (`flop` per call): the best of 5 windows of seconds / 5 each. Every tool of the
 * bench is timed this way (numpy's script in index.ts too), like Python's timeit taking the best of
 * its repeats: on this machine the host slows a vCPU for tens of milliseconds at a time, and a
 * two-thread product waits for its slower half, so one long average mostly measures the host.
 */
export function bestGflops(run: () => void, flop: number, seconds: number): number {
  let best = 0;
  for (let w = 0; w < 5; w++) {
    let reps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < (seconds * 1000) / 5) {
      run();
      reps++;
    }
    best = Math.max(best, (flop * reps) / ((performance.now() - t0) / 1000) / 1e9);
  }
  return Math.round(best * 10) / 10;
}
