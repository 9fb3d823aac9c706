/**
 * Garbage collection at the right moments, when the host exposes it (`globalThis.gc`: node
 * --expose-gc, or what `embedlm lm train` sets up). Building a model turns typed arrays of tens of MB
 * into garbage at each step (outgrown hash tables, per-order temporaries); V8 collects them late,
 * which raised the peak memory of a PTB 5-gram build by about a third.
 */
let pending = 0;

/** Notes that `bytes` of typed arrays just became garbage; collects once 16 MB have piled up. */
export function released(bytes: number): void {
  pending += bytes;
  if (pending >= 1 << 24) collectGarbage();
}

/** Collects now (between phases). */
export function collectGarbage(): void {
  pending = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function") gc();
}
