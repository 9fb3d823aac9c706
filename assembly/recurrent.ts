// Shared by the whole-sequence LSTM and GRU kernels (lstm.ts, gru.ts).

/**
 * Copies h_{t-1} = y[:, t-1] into hp[:, t] for `batch` rows of [T, H] floats (rowH = T * H between
 * rows): the recurrent product of step t reads it there, and the weight gradient later reads every
 * step's h_{t-1} from hp. tH is t * H in bytes, hb is H in bytes.
 */
export function carryOutputs(batch: i32, rowH: i32, hp: usize, y: usize, tH: usize, hb: usize): void {
  for (let b = 0; b < batch; b++) {
    const r = (<usize>(b * rowH)) << 2;
    memory.copy(hp + r + tH, y + r + tH - hb, hb);
  }
}
