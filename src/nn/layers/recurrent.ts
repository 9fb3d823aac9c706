import { EmbedlmError } from "../../util/errors.js";
import { type Initializer, uniform } from "../init.js";
import { type BuildContext, type Layer, lastDim } from "../layer.js";
import type { NnOps } from "../ops.js";
import type { Param } from "../params.js";
import { type Arena, type Buf, type IdTensor, Scratch, type Tensor } from "../tensor.js";
import { Dropout } from "./dropout.js";

export interface RecurrentOptions {
  /** Hidden size. */
  units: number;
  /** Stacked layers (PyTorch's num_layers, default 1). */
  numLayers?: number;
  /** Output every time step [B, T, H] (true) or the last one [B, H] (default false, as Keras). */
  returnSequences?: boolean;
  /**
   * Carry the final state of each batch into the next (truncated BPTT, Keras' `stateful`); the
   * gradient stops at the batch boundary. `resetStates()` zeroes it. Default false: zero state.
   */
  stateful?: boolean;
  /** Dropout on the outputs of each layer but the last (PyTorch's `dropout`), default 0. */
  dropout?: number;
  /** Default U(-1/sqrt(units), 1/sqrt(units)) for every weight and bias, as PyTorch. */
  kernelInitializer?: Initializer;
  recurrentInitializer?: Initializer;
  biasInitializer?: Initializer;
  name?: string;
}

/**
 * One recurrent layer over a whole sequence, batch-first: x [B, T, I] -> y [B, T, H].
 * `state` holds the carried state vectors ([B, H] each); forward starts from them and, when
 * `carry` is set, leaves the final state in them.
 */
export interface RecurrentCell {
  build(inDim: number, ctx: BuildContext, layer: number, opts: RecurrentOptions): void;
  forward(x: Tensor, state: Buf[], carry: boolean): Tensor;
  backward(dy: Tensor): Tensor;
  /** Number of state vectors (LSTM: h and c; GRU: h). */
  readonly stateCount: number;
}

/** Multi-layer recurrent layer (LSTM or GRU) with PyTorch's parameter names and layout. */
export class Recurrent implements Layer {
  readonly name: string;
  private readonly opts: RecurrentOptions;
  private readonly cells: RecurrentCell[] = [];
  private readonly drops: Dropout[] = [];
  private states: Buf[][] = [];
  /**
   * The state buffers of each batch size met: training and batch-1 validation alternate every
   * epoch, and the WebAssembly arena never frees, so each size's buffers are allocated once.
   */
  private readonly statesByBatch = new Map<number, Buf[][]>();
  private arena!: Arena;
  private last!: Scratch;
  private dseq!: Scratch;
  private seqShape: readonly number[] = [];

  constructor(opts: RecurrentOptions, makeCell: () => RecurrentCell, name: string) {
    this.opts = opts;
    this.name = opts.name ?? name;
    for (let l = 0; l < (opts.numLayers ?? 1); l++) this.cells.push(makeCell());
  }

  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[] {
    let inDim = lastDim(input, this.name);
    this.cells.forEach((cell, l) => {
      cell.build(inDim, ctx, l, this.opts);
      inDim = this.opts.units;
      if (l < this.cells.length - 1 && (this.opts.dropout ?? 0) > 0) {
        const d = new Dropout({ rate: this.opts.dropout! });
        d.build([null, inDim], ctx);
        this.drops.push(d);
      }
    });
    this.arena = ctx.arena;
    this.last = new Scratch(ctx.arena);
    this.dseq = new Scratch(ctx.arena);
    const out = this.opts.returnSequences ? [...input.slice(0, -1), this.opts.units] : [this.opts.units];
    return out;
  }

  /** The carried state of layer `l` ([h] or [h, c], each [B, H]); undefined before the first batch. */
  state(l: number): Buf[] | undefined {
    return this.states[l];
  }

  resetStates(): void {
    for (const s of this.states) for (const v of s) v.fill(0);
  }

  forward(xIn: Tensor | IdTensor, training: boolean): Tensor {
    let x = xIn as Tensor;
    const [batch, steps] = x.shape;
    // No step would leave the output (a reused buffer) holding the previous call's last states.
    if (steps === 0) throw new EmbedlmError(`${this.name}: an empty sequence (0 steps)`, { field: "input" });
    const h = this.opts.units;
    const carry = this.opts.stateful ?? false;
    let states = this.statesByBatch.get(batch);
    if (states === undefined) {
      states = this.cells.map((c) => Array.from({ length: c.stateCount }, () => this.arena.alloc(batch * h)));
      this.statesByBatch.set(batch, states);
    } else if (states !== this.states || !carry) {
      // Another batch size's state does not carry over: back to this one, it starts from zero.
      for (const v of states) for (const b of v) b.fill(0);
    }
    this.states = states;
    this.cells.forEach((cell, l) => {
      x = cell.forward(x, this.states[l], carry);
      if (l < this.drops.length) x = this.drops[l].forward(x, training);
    });
    this.seqShape = x.shape;
    if (this.opts.returnSequences) return x;
    const y = this.last.get([batch, h]);
    for (let b = 0; b < batch; b++)
      y.data.set(x.data.subarray((b * steps + steps - 1) * h, (b * steps + steps) * h), b * h);
    return y;
  }

  backward(dy: Tensor): Tensor {
    let d = dy;
    if (!this.opts.returnSequences) {
      const [batch, steps, h] = this.seqShape;
      d = this.dseq.get(this.seqShape);
      d.data.fill(0);
      for (let b = 0; b < batch; b++)
        d.data.set(dy.data.subarray(b * h, (b + 1) * h), (b * steps + steps - 1) * h);
    }
    for (let l = this.cells.length - 1; l >= 0; l--) {
      if (l < this.drops.length) d = this.drops[l].backward(d);
      d = this.cells[l].backward(d);
    }
    return d;
  }
}

/** One recurrent layer's parameters in PyTorch's names and layout: weight_ih [G, I], weight_hh [G, H], biases [G]. */
export interface RecurrentWeights {
  wih: Param;
  whh: Param;
  bih: Param;
  bhh: Param;
}

/**
 * Copies B rows of H floats, row b from src[srcOff + b * srcStride] to dst[dstOff + b * dstStride]:
 * the carried state into hp[:, 0], y[:, t-1] into hp[:, t] (the TypeScript twin of
 * assembly/recurrent.ts's carryOutputs), and the last step back into the carried state.
 */
export function copyRows(
  B: number,
  H: number,
  src: Buf,
  srcOff: number,
  srcStride: number,
  dst: Buf,
  dstOff: number,
  dstStride: number,
): void {
  for (let b = 0; b < B; b++) {
    const from = srcOff + b * srcStride;
    dst.set(src.subarray(from, from + H), dstOff + b * dstStride);
  }
}

/**
 * Registers layer l's weights with G = gates x units rows, initialised U(-1/sqrt(units), 1/sqrt(units))
 * as PyTorch unless the options name initialisers.
 */
export function recurrentWeights(
  ctx: BuildContext,
  l: number,
  opts: RecurrentOptions,
  inDim: number,
  gates: number,
): RecurrentWeights {
  const h = opts.units;
  const k = 1 / Math.sqrt(h);
  const def = uniform(-k, k);
  const p = ctx.params;
  return {
    wih: p.add(`${ctx.prefix}weight_ih_l${l}`, [gates * h, inDim], opts.kernelInitializer ?? def),
    whh: p.add(`${ctx.prefix}weight_hh_l${l}`, [gates * h, h], opts.recurrentInitializer ?? def),
    bih: p.add(`${ctx.prefix}bias_ih_l${l}`, [gates * h], opts.biasInitializer ?? def),
    bhh: p.add(`${ctx.prefix}bias_hh_l${l}`, [gates * h], opts.biasInitializer ?? def),
  };
}

/**
 * The part of a recurrent cell's backward that follows the time loop, shared by LSTM and GRU once
 * the gate gradients of every step are known. Rows r = B*T, G gates x H:
 *   gIn [r, G] dLoss/d(x W_ih^T + b_ih), gRec [r, G] dLoss/d(h_{t-1} W_hh^T + b_hh) (the same buffer
 *   for LSTM, whose gates sum both); x [r, I]; hp [r, H] the h_{t-1} of each row.
 * Accumulates the weight and bias gradients and writes dx [r, I].
 */
export function recurrentWeightGrads(
  ops: NnOps,
  rows: number,
  G: number,
  I: number,
  H: number,
  gIn: Buf,
  gRec: Buf,
  x: Buf,
  hp: Buf,
  w: RecurrentWeights,
  dx: Buf,
): void {
  const gemm = ops.gemm;
  gemm(true, false, G, I, rows, 1, gIn, 0, G, x, 0, I, 1, w.wih.grad.data, 0, I);
  gemm(true, false, G, H, rows, 1, gRec, 0, G, hp, 0, H, 1, w.whh.grad.data, 0, H);
  ops.columnSums(rows, G, gIn, w.bih.grad.data);
  ops.columnSums(rows, G, gRec, w.bhh.grad.data);
  gemm(false, false, rows, I, G, 1, gIn, 0, G, w.wih.value.data, 0, I, 0, dx, 0, I);
}
