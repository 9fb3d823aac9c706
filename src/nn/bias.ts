import type { Buf } from "./tensor.js";

/**
 * Bias broadcast over rows: y [rows, n] += bias [n] per row. The readable twin of the kernel in
 * assembly/bias.ts (which the runtime splits by columns across threads for large matrices).
 */
export function addBias(rows: number, n: number, bias: Buf, y: Buf): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) y[o + j] += bias[j];
  }
}

/** The bias gradient: g [n] += column sums of x [rows, n]. Twin of the kernel in assembly/bias.ts. */
export function columnSums(rows: number, n: number, x: Buf, g: Buf): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = 0; j < n; j++) g[j] += x[o + j];
  }
}
