// word2vec.c's precomputed sigmoid: TABLE cells over [-MAX_EXP, MAX_EXP]; scores outside are
// clipped. The log-sigmoid table on the same grid gives the loss without a log per prediction.

export const MAX_EXP = 6;
export const TABLE = 1000;

/** sigmoid(x) and log(sigmoid(x)) at x = (i / TABLE * 2 - 1) * MAX_EXP, i = 0..TABLE. */
export function sigmoidTables(): { sigmoid: Float32Array; logSigmoid: Float32Array } {
  const sigmoid = new Float32Array(TABLE + 1);
  const logSigmoid = new Float32Array(TABLE + 1);
  for (let i = 0; i <= TABLE; i++) {
    const x = ((i / TABLE) * 2 - 1) * MAX_EXP;
    sigmoid[i] = 1 / (1 + Math.exp(-x));
    logSigmoid[i] = -Math.log1p(Math.exp(-x));
  }
  return { sigmoid, logSigmoid };
}

/** The cell of score f (clamped to the table), computed in float32 as the kernel does. */
export function tableIndex(f: number): number {
  const x = Math.fround(Math.min(Math.max(f, -MAX_EXP), MAX_EXP));
  return Math.trunc(Math.fround(Math.fround(x + MAX_EXP) * Math.fround(TABLE / MAX_EXP / 2)));
}
