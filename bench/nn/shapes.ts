/** The GEMM benchmark shapes [m, k, n]: (m x k) times (k x n), from the nn issue. */
export const SHAPES: [number, number, number][] = [
  [700, 200, 10000],
  [20, 400, 800],
  [700, 400, 800],
];
