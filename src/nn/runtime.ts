import { availableParallelism } from "node:os";
import { kernelPointer, wasmGemm } from "../kernels/gemm.js";
import { createRuntime, type KernelRuntime } from "../kernels/index.js";
import { canBlock } from "../kernels/pool.js";
import { checkInt } from "../util/errors.js";
import { ACTIVATION_KINDS, activate, activateBackward } from "./activations.js";
import { countTargets } from "./loss.js";
import type { NnOps } from "./ops.js";
import { Arena, type Buf } from "./tensor.js";

export interface NnRuntimeOptions {
  /** Threads for large matrix products, the calling thread included (default: CPU cores, at most 4). */
  threads?: number;
  /** Use relaxed SIMD (fused multiply-add) when the engine has it (default true). */
  relaxed?: boolean;
}

/**
 * Where float32 models run fast: an arena in the shared WebAssembly memory and the SIMD kernels
 * (GEMM split across threads; fused LSTM step; fused softmax cross-entropy with rows split across
 * threads). Build models with `sequential(layers, {inputShape, arena: rt.arena, ops: rt})`; every
 * float buffer handed to the model (inputs, dLoss/dOutput) must come from `rt.arena` too.
 */
export interface NnRuntime extends NnOps {
  readonly arena: Arena;
  readonly kernels: KernelRuntime;
  close(): Promise<void>;
}

export async function createNnRuntime(options: NnRuntimeOptions = {}): Promise<NnRuntime> {
  const threads = checkInt("threads", options.threads ?? Math.min(4, availableParallelism()), 1, 256);
  const kernels = await createRuntime({ threads: threads - 1, relaxed: options.relaxed });
  return {
    arena: new Arena("float32", (n) => kernels.arena.f32(n)),
    gemm: wasmGemm(kernels, { threads }),
    softmaxCrossEntropy: wasmSoftmaxCrossEntropy(kernels, threads),
    ...wasmRecurrentSteps(kernels),
    ...wasmRecurrentSequences(kernels, threads),
    ...wasmElementwise(kernels, threads),
    ...wasmLayerNorm(kernels),
    dot: (n, x, xOff, y, yOff) => kernels.kernels.sdot(n, kernelPointer(x, xOff), kernelPointer(y, yOff)),
    axpy: (n, a, x, xOff, y, yOff) => {
      kernels.kernels.saxpy(n, a, kernelPointer(x, xOff), kernelPointer(y, yOff));
    },
    kernels,
    close: () => kernels.close(),
  };
}

function wasmSoftmaxCrossEntropy(rt: KernelRuntime, threads: number): NnOps["softmaxCrossEntropy"] {
  const parts = Math.min(threads, (rt.pool?.size ?? 0) + 1);
  let targetsBuf = rt.arena.i32(0);
  return (logits, targets, vocab, dlogits, opts = {}) => {
    const n = targets.length;
    if (targetsBuf.length < n) targetsBuf = rt.arena.i32(n);
    targetsBuf.set(targets);
    const ignore = opts.ignoreIndex ?? -100;
    const counted = countTargets(logits, targets, vocab, dlogits, ignore);
    const g = (opts.scale ?? 1) / Math.max(counted, 1);
    const args = (r0: number, rows: number) => [
      r0,
      r0 + rows,
      vocab,
      kernelPointer(logits),
      targetsBuf.byteOffset,
      kernelPointer(dlogits),
      g,
      ignore,
    ];
    const total = runShares(rt, "softmaxCrossEntropyRows", n, n * vocab < 1 << 16 ? 1 : parts, args);
    return total / Math.max(counted, 1);
  };
}

function wasmRecurrentSteps(
  rt: KernelRuntime,
): Pick<NnOps, "lstmStepForward" | "lstmStepBackward" | "gruStepForward" | "gruStepBackward"> {
  const p = kernelPointer;
  const k = rt.kernels;
  return {
    lstmStepForward: (B, H, g, gOff, gS, cp, cpOff, cpS, c, cOff, cS, h, hOff, hS) => {
      k.lstmStepForward(B, H, p(g, gOff), gS, p(cp, cpOff), cpS, p(c, cOff), cS, p(h, hOff), hS);
    },
    lstmStepBackward: (B, H, g, gOff, gS, c, cOff, cS, cp, cpOff, cpS, dy, dyOff, dyS, dh, dc) => {
      k.lstmStepBackward(
        B,
        H,
        p(g, gOff),
        gS,
        p(c, cOff),
        cS,
        p(cp, cpOff),
        cpS,
        p(dy, dyOff),
        dyS,
        p(dh),
        p(dc),
      );
    },
    gruStepForward: (B, H, gx, gh, gOff, gS, hp, h, hOff, hS) => {
      k.gruStepForward(B, H, p(gx, gOff), p(gh, gOff), gS, p(hp, hOff), p(h, hOff), hS);
    },
    gruStepBackward: (B, H, gx, gh, gOff, gS, hp, dy, hOff, hS, dh) => {
      k.gruStepBackward(B, H, p(gx, gOff), p(gh, gOff), gS, p(hp, hOff), p(dy, hOff), hS, p(dh));
    },
  };
}

/**
 * Multiply-adds (T * H * gates * H) below which a recurrence stays on one thread: smaller ones
 * finish before the threads would have met.
 */
export const RECURRENCE_SPLIT_MIN = 1 << 19;

/**
 * The LSTM and GRU recurrences on the kernels: W_hh is packed once per call (not once per step), and the
 * batch rows are split across the calling thread and the pool's workers, each running all T steps of
 * its rows in one kernel call (rows are independent, so the threads meet once per layer, not per step).
 * A forward pass of one row (evaluation, generation) splits each step's product by columns instead.
 */
function wasmRecurrentSequences(
  rt: KernelRuntime,
  threads: number,
): Pick<
  NnOps,
  "lstmSequenceForward" | "lstmSequenceBackward" | "gruSequenceForward" | "gruSequenceBackward"
> {
  const k = rt.kernels;
  const p = kernelPointer;
  const parts = Math.min(threads, (rt.pool?.size ?? 0) + 1);
  const work = Array.from({ length: parts }, () => rt.arena.f32(k.sgemmWorkspace()).byteOffset);
  let packed = rt.arena.f32(0);
  /**
   * `kernel` over the batch: W_hh [gates * H, H] packed once as op(W_hh) (its transpose for the
   * forward), then each thread runs all T steps of its rows. `rows` are the kernel's buffer arguments
   * with the floats between consecutive batch rows; small problems stay on one thread.
   */
  const run = (
    kernel: string,
    forward: boolean,
    B: number,
    T: number,
    H: number,
    gates: number,
    whh: Buf,
    rows: [Buf, number][],
  ): void => {
    const [kk, n] = forward ? [H, gates * H] : [gates * H, H];
    const size = k.sgemmPackedSize(kk, n);
    if (packed.length < size) packed = rt.arena.f32(size);
    k.sgemmPackB(forward ? 1 : 0, kk, n, p(whh), H, packed.byteOffset);
    const wp = packed.byteOffset;
    const shares = Math.min(B, B * T * H * gates * H < RECURRENCE_SPLIT_MIN ? 1 : parts);
    runShares(rt, kernel, B, shares, (b0, count, w) => [
      count,
      T,
      H,
      ...rows.map(([buf, stride]) => p(buf, b0 * stride)),
      wp,
      work[w],
    ]);
  };
  // One row's step, (1 x H) x (H x gates*H), streams all of W_hh from cache or memory for few
  // multiply-adds (the 2x650 PTB model: ~13.5 GFLOP/s on one thread here, ~60% of its batch-1
  // evaluation), so each thread takes a column share of it, W_hh^T packed as one panel per thread;
  // the threads meet once per step. Every output is the same dot product in the same order as on
  // one thread, so the results do not change. Not on a thread that may not block (a browser's main
  // thread): there one thread runs it, as before.
  const panels: Buf[] = [];
  const panel = (w: number, H: number, cols: number): number => {
    const size = k.sgemmPackedSize(H, cols);
    if ((panels[w]?.length ?? 0) < size) panels[w] = rt.arena.f32(size);
    return panels[w].byteOffset;
  };
  const oneRowThreads = (B: number, T: number, H: number, gates: number) =>
    B === 1 && parts > 1 && T * H * gates * H >= RECURRENCE_SPLIT_MIN && canBlock();
  /**
   * One row's T steps: h_{t-1} carried from y into hp[t], into[t] += hp[t] W_hh^T split by columns
   * (W_hh [gates * H, H]), then `step(t)`, the cell's fused update.
   */
  const oneRowForward = (
    T: number,
    H: number,
    gates: number,
    whh: Buf,
    hp: Buf,
    y: Buf,
    into: Buf,
    step: (t: number) => void,
  ): void => {
    const n = gates * H;
    runShares(
      rt,
      "sgemmPackB",
      n,
      parts,
      (j0, cols, w) => [1, H, cols, p(whh, j0 * H), H, panel(w, H, cols)],
      4,
    );
    for (let t = 0; t < T; t++) {
      if (t > 0) hp.set(y.subarray((t - 1) * H, t * H), t * H);
      const a = p(hp, t * H);
      const c = p(into, n * t);
      runShares(
        rt,
        "sgemmPacked",
        n,
        parts,
        (j0, cols, w) => [0, 1, cols, H, 1, a, H, panels[w].byteOffset, 1, c + j0 * 4, n, work[w]],
        4,
      );
      step(t);
    }
  };
  return {
    lstmSequenceForward: (B, T, H, g, hp, c0, c, y, whh) => {
      if (oneRowThreads(B, T, H, 4)) {
        oneRowForward(T, H, 4, whh, hp, y, g, (t) => {
          const [cp, cpStride] = t === 0 ? [p(c0), H] : [p(c, (t - 1) * H), T * H];
          k.lstmStepForward(
            1,
            H,
            p(g, 4 * t * H),
            4 * T * H,
            cp,
            cpStride,
            p(c, t * H),
            T * H,
            p(y, t * H),
            T * H,
          );
        });
        return;
      }
      run("lstmSequenceForward", true, B, T, H, 4, whh, [
        [g, T * 4 * H],
        [hp, T * H],
        [c0, H],
        [c, T * H],
        [y, T * H],
      ]);
    },
    lstmSequenceBackward: (B, T, H, g, c, c0, dy, dh, dc, whh) =>
      run("lstmSequenceBackward", false, B, T, H, 4, whh, [
        [g, T * 4 * H],
        [c, T * H],
        [c0, H],
        [dy, T * H],
        [dh, H],
        [dc, H],
      ]),
    gruSequenceForward: (B, T, H, gx, gh, hp, y, whh) => {
      if (oneRowThreads(B, T, H, 3)) {
        oneRowForward(T, H, 3, whh, hp, y, gh, (t) => {
          k.gruStepForward(
            1,
            H,
            p(gx, 3 * t * H),
            p(gh, 3 * t * H),
            3 * T * H,
            p(hp, t * H),
            p(y, t * H),
            T * H,
          );
        });
        return;
      }
      run("gruSequenceForward", true, B, T, H, 3, whh, [
        [gx, T * 3 * H],
        [gh, T * 3 * H],
        [hp, T * H],
        [y, T * H],
      ]);
    },
    gruSequenceBackward: (B, T, H, gx, gh, hp, dy, dh, whh) =>
      run("gruSequenceBackward", false, B, T, H, 3, whh, [
        [gx, T * 3 * H],
        [gh, T * 3 * H],
        [hp, T * H],
        [dy, T * H],
        [dh, H],
      ]),
  };
}

/**
 * Runs `kernel` over [0, len) split in `n` shares (multiples of `align` but the last): shares 1.. on
 * the pool's workers, share 0 on the calling thread, then waits for the workers. `args(start, count,
 * w)` are the kernel's arguments for a share (w: the thread, 0 the calling one). Returns the sum of
 * the shares' results.
 */
function runShares(
  rt: KernelRuntime,
  kernel: string,
  len: number,
  n: number,
  args: (start: number, count: number, w: number) => number[],
  align = 1,
): number {
  const share = Math.ceil(len / n / align) * align;
  let started = 0;
  for (let w = 1; w < n && w * share < len; w++, started++)
    rt.pool!.start(w - 1, kernel, args(w * share, Math.min(share, len - w * share), w));
  const own = () => rt.kernels[kernel](...args(0, Math.min(share, len), 0));
  return started === 0 ? own() : rt.pool!.joinAfter(started, own);
}

/**
 * Embedding rows, bias, activations and the causal attention softmax on the kernels. Bias add and
 * column sums of large matrices are split by columns across threads; ids are copied into the kernel
 * memory (the layers' ids may be ordinary Int32Arrays).
 */
function wasmElementwise(
  rt: KernelRuntime,
  threads: number,
): Pick<
  NnOps,
  | "gatherRows"
  | "scatterAddRows"
  | "addBias"
  | "columnSums"
  | "activate"
  | "activateBackward"
  | "causalSoftmaxForward"
  | "causalSoftmaxBackward"
> {
  const k = rt.kernels;
  const p = kernelPointer;
  const parts = Math.min(threads, (rt.pool?.size ?? 0) + 1);
  let idsBuf = rt.arena.i32(0);
  const ids = (x: Int32Array): number => {
    if (idsBuf.length < x.length) idsBuf = rt.arena.i32(x.length);
    idsBuf.set(x);
    return idsBuf.byteOffset;
  };
  // Columns [0, share) on the calling thread, further shares (multiples of 4) on workers.
  const byColumns = (
    rows: number,
    n: number,
    kernel: string,
    args: (j0: number, cols: number) => number[],
  ) => {
    runShares(rt, kernel, n, rows * n < 1 << 18 ? 1 : Math.min(parts, Math.ceil(n / 64)), args, 4);
  };
  return {
    gatherRows: (n, d, idx, w, y) => k.gatherRows(n, d, ids(idx), p(w), p(y)),
    scatterAddRows: (n, d, idx, dy, g) => k.scatterAddRows(n, d, ids(idx), p(dy), p(g)),
    addBias: (rows, n, bias, y) =>
      byColumns(rows, n, "addBias", (j0, cols) => [rows, cols, p(bias, j0), p(y, j0), n]),
    columnSums: (rows, n, x, g) =>
      byColumns(rows, n, "columnSums", (j0, cols) => [rows, cols, p(x, j0), n, p(g, j0)]),
    activate: (act, z, y, n) => {
      if (act === "linear") return activate(act, z, y, n);
      k.activationForward(ACTIVATION_KINDS[act], n, p(z), p(y));
    },
    activateBackward: (act, z, y, dy, dz, n) => {
      if (act === "linear") return activateBackward(act, z, y, dy, dz, n);
      k.activationBackward(ACTIVATION_KINDS[act], n, p(z), p(y), p(dy), p(dz));
    },
    causalSoftmaxForward: (count, T, pm, off) => k.causalSoftmaxForward(count, T, p(pm, off)),
    causalSoftmaxBackward: (count, T, pm, pOff, dp, dpOff) =>
      k.causalSoftmaxBackward(count, T, p(pm, pOff), p(dp, dpOff)),
  };
}

function wasmLayerNorm(rt: KernelRuntime): Pick<NnOps, "layerNormForward" | "layerNormBackward"> {
  const p = kernelPointer;
  const k = rt.kernels;
  return {
    layerNormForward: (rows, D, x, w, b, eps, y, stats) => {
      k.layerNormForward(rows, D, p(x), p(w), p(b), eps, p(y), p(stats));
    },
    layerNormBackward: (rows, D, x, dy, w, stats, dx, gw, gb) => {
      k.layerNormBackward(rows, D, p(x), p(dy), p(w), p(stats), p(dx), p(gw), p(gb));
    },
  };
}
