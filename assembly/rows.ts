// Row gather and scatter-add over flat float32 matrices: the Embedding layer's lookup and its
// sparse gradient. The TypeScript twins are gatherRows / scatterAddRows in src/nn/layers/embedding.ts.

/** y[i, :] = w[ids[i], :] for i < n; rows of d floats; ids int32 at `ids` (checked by the caller). */
export function gatherRows(n: i32, d: i32, ids: usize, w: usize, y: usize): void {
  const rowBytes = (<usize>d) << 2;
  for (let i = 0; i < n; i++) {
    const id = <usize>load<i32>(ids + ((<usize>i) << 2));
    memory.copy(y + <usize>i * rowBytes, w + id * rowBytes, rowBytes);
  }
}

/** g[ids[i], :] += dy[i, :] for i < n, in order (repeated ids accumulate). */
export function scatterAddRows(n: i32, d: i32, ids: usize, dy: usize, g: usize): void {
  const rowBytes = (<usize>d) << 2;
  const vecBytes = rowBytes & ~(<usize>15);
  for (let i = 0; i < n; i++) {
    const id = <usize>load<i32>(ids + ((<usize>i) << 2));
    const src = dy + <usize>i * rowBytes;
    const dst = g + id * rowBytes;
    let j: usize = 0;
    for (; j < vecBytes; j += 16) v128.store(dst + j, f32x4.add(v128.load(dst + j), v128.load(src + j)));
    for (; j < rowBytes; j += 4) store<f32>(dst + j, load<f32>(dst + j) + load<f32>(src + j));
  }
}
