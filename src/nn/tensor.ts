/**
 * Tensors are a shape and a view on a flat buffer (row-major, last dimension contiguous). Layers run
 * in float32; the same code runs in float64 so gradients can be checked by finite differences.
 */
export type Buf = Float32Array | Float64Array;
export type DType = "float32" | "float64";

export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Buf;
}

/** Integer inputs (token ids) for Embedding. */
export interface IdTensor {
  readonly shape: readonly number[];
  readonly data: Int32Array;
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function isIdTensor(x: Tensor | IdTensor): x is IdTensor {
  return x.data instanceof Int32Array;
}

/**
 * Hands out zeroed buffers of one dtype. Parameters, gradients and optimizer state are each taken
 * from it once per model; activations once per batch shape. `allocate` can be replaced to place the
 * buffers elsewhere (e.g. in a shared WebAssembly memory).
 */
export class Arena {
  readonly dtype: DType;
  private readonly allocate: (n: number) => Buf;
  /** Elements handed out so far (for memory accounting). */
  allocated = 0;

  constructor(dtype: DType = "float32", allocate?: (n: number) => Buf) {
    this.dtype = dtype;
    this.allocate = allocate ?? ((n) => (dtype === "float64" ? new Float64Array(n) : new Float32Array(n)));
  }

  alloc(n: number): Buf {
    this.allocated += n;
    return this.allocate(n);
  }

  tensor(shape: readonly number[]): Tensor {
    return { shape: [...shape], data: this.alloc(numel(shape)) };
  }
}

/**
 * A tensor kept by a layer per input shape: allocated the first time a shape is seen and reused after,
 * so a training loop at a fixed batch shape allocates nothing per step, and alternating between a few
 * shapes (training batches, batch-1 evaluation, a shorter last chunk) does not allocate again either
 * (the WebAssembly arena never frees).
 */
export class Scratch {
  private readonly byShape = new Map<string, Tensor>();

  constructor(private readonly arena: Arena) {}

  get(shape: readonly number[]): Tensor {
    const key = shape.join(",");
    let t = this.byShape.get(key);
    if (t === undefined) {
      t = this.arena.tensor(shape);
      this.byShape.set(key, t);
    }
    return t;
  }
}
