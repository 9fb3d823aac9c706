// Plain TypeScript references of the level-1 kernels in assembly/blas1.ts (tests hold them equal).

/** sum_i x[i] * y[i]. */
export function sdotRef(x: Float32Array, y: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/** y[i] += a * x[i]. */
export function saxpyRef(a: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) y[i] += a * x[i];
}
