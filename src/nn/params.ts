import { EmbedlmError } from "../util/errors.js";
import { Rng } from "../util/rng.js";
import type { Initializer } from "./init.js";
import { type NnOps, referenceOps } from "./ops.js";
import { type Arena, type Buf, numel, type Tensor } from "./tensor.js";

/** One parameter: a view on the store's value buffer and one on its gradient buffer. */
export interface Param {
  readonly name: string;
  readonly shape: readonly number[];
  readonly trainable: boolean;
  /** Offset of this parameter in the store's flat buffers. */
  offset: number;
  value: Tensor;
  grad: Tensor;
  /**
   * Row-sparse gradient (Embedding): the rows touched since the last zeroGrad, so zeroing and
   * plain SGD cost the touched rows only. Undefined for dense parameters.
   */
  rows?: RowSet;
  readonly init: Initializer;
}

/** The set of rows of a [rows, width] gradient written since the last clear. */
export class RowSet {
  readonly width: number;
  readonly list: Int32Array;
  count = 0;
  private readonly seen: Uint8Array;

  constructor(rows: number, width: number) {
    this.width = width;
    this.list = new Int32Array(rows);
    this.seen = new Uint8Array(rows);
  }

  add(row: number): void {
    if (this.seen[row] === 0) {
      this.seen[row] = 1;
      this.list[this.count++] = row;
    }
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) this.seen[this.list[i]] = 0;
    this.count = 0;
  }
}

const unallocated: Tensor = { shape: [], data: new Float32Array(0) };

/**
 * All parameters of a model in two flat buffers (values, gradients), allocated once when the model is
 * built. Trainable parameters come first, so optimizers and clipping run over one contiguous range.
 */
export class ParamStore {
  readonly arena: Arena;
  /** The compute optimizers and clipping use (vector dot and axpy). */
  readonly ops: NnOps;
  readonly params: Param[] = [];
  values: Buf;
  grads: Buf;
  /** Elements in the trainable prefix of `values` / `grads`. */
  trainableSize = 0;
  private allocated = false;

  constructor(arena: Arena, ops: NnOps = referenceOps) {
    this.arena = arena;
    this.ops = ops;
    this.values = arena.alloc(0);
    this.grads = this.values;
  }

  /** Declares a parameter; its buffers exist after `allocate()`. */
  add(
    name: string,
    shape: readonly number[],
    init: Initializer,
    opts: { trainable?: boolean; sparse?: boolean } = {},
  ): Param {
    if (this.allocated) throw new Error("ParamStore: add after allocate");
    if (this.params.some((p) => p.name === name)) throw new EmbedlmError(`duplicate parameter name ${name}`);
    const p: Param = {
      name,
      shape: [...shape],
      trainable: opts.trainable ?? true,
      offset: 0,
      value: unallocated,
      grad: unallocated,
      init,
    };
    if (opts.sparse) p.rows = new RowSet(shape[0], numel(shape) / shape[0]);
    this.params.push(p);
    return p;
  }

  /** Allocates the flat buffers and runs every initializer with one seeded generator, in declaration order. */
  allocate(seed = 1): void {
    if (this.allocated) return;
    this.allocated = true;
    const ordered = [...this.params.filter((p) => p.trainable), ...this.params.filter((p) => !p.trainable)];
    let total = 0;
    for (const p of ordered) {
      p.offset = total;
      total += numel(p.shape);
      if (p.trainable) this.trainableSize = total;
    }
    this.values = this.arena.alloc(total);
    this.grads = this.arena.alloc(total);
    const rng = new Rng(seed);
    for (const p of this.params) {
      const n = numel(p.shape);
      p.value = { shape: p.shape, data: this.values.subarray(p.offset, p.offset + n) };
      p.grad = { shape: p.shape, data: this.grads.subarray(p.offset, p.offset + n) };
      p.init(p.value.data, p.shape, rng);
    }
  }

  get(name: string): Param {
    const p = this.params.find((q) => q.name === name);
    if (p === undefined) throw new EmbedlmError(`no parameter named ${name}`, { field: "name" });
    return p;
  }

  /** Number of scalar parameters. */
  get size(): number {
    return this.values.length;
  }

  zeroGrad(): void {
    for (const p of this.params) {
      if (p.rows === undefined) p.grad.data.fill(0);
      else {
        const { list, width } = p.rows;
        for (let i = 0; i < p.rows.count; i++) p.grad.data.fill(0, list[i] * width, (list[i] + 1) * width);
        p.rows.clear();
      }
    }
  }
}
