// Bias broadcast and its gradient over the rows of a matrix (Dense, LSTM/GRU gates, attention's
// projections). The TypeScript twins are addBias / columnSums in src/nn/bias.ts. ld is the row
// stride in elements, so a caller can give one thread a block of columns.

/** y[r, j] += bias[j] for r < rows, j < n. */
export function addBias(rows: i32, n: i32, bias: usize, y: usize, ld: i32): void {
  const nb = (<usize>n) << 2;
  const vb = nb & ~(<usize>15);
  const ldB = (<usize>ld) << 2;
  for (let r = 0; r < rows; r++) {
    const row = y + <usize>r * ldB;
    let j: usize = 0;
    for (; j < vb; j += 16) v128.store(row + j, f32x4.add(v128.load(row + j), v128.load(bias + j)));
    for (; j < nb; j += 4) store<f32>(row + j, load<f32>(row + j) + load<f32>(bias + j));
  }
}

/** g[j] += sum over r < rows of x[r, j], for j < n (a bias gradient). */
export function columnSums(rows: i32, n: i32, x: usize, ld: i32, g: usize): void {
  const nb = (<usize>n) << 2;
  const vb = nb & ~(<usize>15);
  const ldB = (<usize>ld) << 2;
  // Four rows per pass over g, so g is read and written once per four rows of x.
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = x + <usize>r * ldB;
    let j: usize = 0;
    for (; j < vb; j += 16) {
      const s = f32x4.add(
        f32x4.add(v128.load(x0 + j), v128.load(x0 + ldB + j)),
        f32x4.add(v128.load(x0 + 2 * ldB + j), v128.load(x0 + 3 * ldB + j)),
      );
      v128.store(g + j, f32x4.add(v128.load(g + j), s));
    }
    for (; j < nb; j += 4) {
      const s =
        load<f32>(x0 + j) +
        load<f32>(x0 + ldB + j) +
        (load<f32>(x0 + 2 * ldB + j) + load<f32>(x0 + 3 * ldB + j));
      store<f32>(g + j, load<f32>(g + j) + s);
    }
  }
  for (; r < rows; r++) {
    const row = x + <usize>r * ldB;
    let j: usize = 0;
    for (; j < vb; j += 16) v128.store(g + j, f32x4.add(v128.load(g + j), v128.load(row + j)));
    for (; j < nb; j += 4) store<f32>(g + j, load<f32>(g + j) + load<f32>(row + j));
  }
}
