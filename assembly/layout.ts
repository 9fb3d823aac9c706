// Where the module's static data ends: the arena (src/kernels/arena.ts) starts above it, because
// every instantiation (one per worker) writes the data segments into the shared memory again.

/** First byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
