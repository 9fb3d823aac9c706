/**
 * Runs a full garbage collection when the host exposes one (`globalThis.gc`: node --expose-gc, or
 * `exposeGarbageCollector` below). Building a model turns typed arrays of tens of MB into garbage at
 * each step (hash tables, per-order temporaries); V8 collects them late, which nearly doubled the
 * peak memory of a PTB 5-gram build. A collection of the small JS heap costs milliseconds.
 */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === "function") gc();
}
