// The control block through which the pool signals one persistent worker (shared by pool.ts and
// worker.ts): a SharedArrayBuffer per worker with Int32 slots, Float64 arguments and an error text.
// The main thread writes kernel and arguments, bumps SEQ and notifies; the worker runs the kernel,
// writes RESULT, stores SEQ into DONE and notifies. Atomics instead of postMessage keep a call's
// overhead to a few microseconds, so kernels can be called in small chunks.

export const SEQ = 0;
export const DONE = 1;
export const KERNEL = 2;
export const NARGS = 3;
export const STATUS = 4; // 0 ok, 1 the kernel threw (message in the error bytes)
export const ERROR_LENGTH = 5;
export const INT_SLOTS = 8;
/** Most arguments a kernel call can pass through the pool. */
export const MAX_ARGS = 15;
/** Kernel index that tells the worker to exit. */
export const STOP = -1;
const ERROR_BYTES = 1024;

/**
 * Atomics.load polls (a few tens of microseconds) a waiting thread makes before it sleeps in
 * Atomics.wait: a training step issues its threaded kernels back to back, and a thread still
 * spinning when the next call (or the result) arrives skips the futex sleep and wake-up.
 */
export const SPIN = 1 << 14;

/** Polls ints[slot] until it is not `value` or SPIN polls have passed; true when it changed. */
export function spinWhile(ints: Int32Array, slot: number, value: number): boolean {
  for (let i = 0; i < SPIN; i++) if (Atomics.load(ints, slot) !== value) return true;
  return false;
}

export interface ControlBlock {
  ints: Int32Array;
  /** args[0..MAX_ARGS), then the result at MAX_ARGS. */
  floats: Float64Array;
  error: Uint8Array;
}

export function controlBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(INT_SLOTS * 4 + (MAX_ARGS + 1) * 8 + ERROR_BYTES);
}

export function controlBlock(buffer: SharedArrayBuffer): ControlBlock {
  return {
    ints: new Int32Array(buffer, 0, INT_SLOTS),
    floats: new Float64Array(buffer, INT_SLOTS * 4, MAX_ARGS + 1),
    error: new Uint8Array(buffer, INT_SLOTS * 4 + (MAX_ARGS + 1) * 8, ERROR_BYTES),
  };
}
