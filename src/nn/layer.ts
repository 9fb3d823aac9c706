import type { Rng } from "../util/rng.js";
import type { NnOps } from "./ops.js";
import type { ParamStore } from "./params.js";
import type { Arena, IdTensor, Tensor } from "./tensor.js";

/** What a layer gets when the model is built. */
export interface BuildContext {
  readonly params: ParamStore;
  /** Where activations and scratch buffers come from. */
  readonly arena: Arena;
  /** For dropout masks and other randomness during training (initializers use the store's seed). */
  readonly rng: Rng;
  /** The compute layers use: the TypeScript references or an NnRuntime's WebAssembly kernels. */
  readonly ops: NnOps;
  /** Parameter name prefix, e.g. "2." for the third layer of a sequential model. */
  readonly prefix: string;
}

/**
 * A layer is a forward/backward pair. `build` declares parameters given the input shape without the
 * batch dimension (null for a free sequence length) and returns the output shape. `forward` keeps
 * what `backward` needs (it must not modify its input); `backward` takes dLoss/dOutput, adds the
 * parameter gradients into the store's gradient buffer and returns dLoss/dInput (undefined when the
 * input is integer ids). The returned tensors are the layer's own buffers, valid until its next call.
 */
export interface Layer {
  readonly name: string;
  build(input: readonly (number | null)[], ctx: BuildContext): (number | null)[];
  forward(x: Tensor | IdTensor, training: boolean): Tensor;
  backward(dy: Tensor): Tensor | undefined;
  /** Forgets carried state (stateful recurrent layers). */
  resetStates?(): void;
}

/** The last dimension of a build shape, which must be known. */
export function lastDim(shape: readonly (number | null)[], layer: string): number {
  const d = shape[shape.length - 1];
  if (d === null || d === undefined) throw new Error(`${layer}: the last input dimension must be known`);
  return d;
}
