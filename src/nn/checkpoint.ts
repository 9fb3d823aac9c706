import { EmbedlmError } from "../util/errors.js";
import type { Optimizer } from "./optim.js";
import type { ParamStore } from "./params.js";
import { loadSafetensors, type StFile, type StTensor, saveSafetensors } from "./safetensors.js";
import { sameShape } from "./tensor.js";

const OPT = "optimizer.";

/**
 * Saves the parameters (float32, PyTorch names and layouts) and, when given, the optimizer state
 * under "optimizer.<param>.<state>" with its step and rate in the metadata, to one safetensors file.
 * `extra` adds the caller's own tensors and metadata (e.g. a training loop's position and RNG state),
 * so a whole checkpoint is one file, written atomically.
 */
export async function saveWeights(
  path: string,
  store: ParamStore,
  optimizer?: Optimizer,
  extra: Partial<StFile> = {},
): Promise<void> {
  const tensors: Record<string, StTensor> = {};
  const f32 = (d: StTensor["data"]) => (d instanceof Float32Array ? d : Float32Array.from(d));
  for (const p of store.params) tensors[p.name] = { shape: p.shape, data: f32(p.value.data) };
  const metadata: Record<string, string> = { format: "pt" };
  if (optimizer) {
    const st = optimizer.stateDict();
    for (const [name, t] of Object.entries(st.tensors))
      tensors[OPT + name] = { shape: t.shape, data: f32(t.data) };
    for (const [k, v] of Object.entries(st.meta)) metadata[OPT + k] = String(v);
  }
  Object.assign(tensors, extra.tensors);
  Object.assign(metadata, extra.metadata);
  await saveSafetensors(path, tensors, metadata);
}

/**
 * Loads parameters (every parameter must be present, with its shape and finite values) and, when
 * given, the optimizer state; returns the whole file, for the caller's extra tensors and metadata.
 * Any other tensor is an error unless it is optimizer state or its name starts with one of
 * `extraPrefixes` (the caller's own): a tensor the model has no place for means the file and the
 * model's configuration disagree (say a 2-layer file read as 1 layer), and ignoring it would give a
 * different model without a word.
 */
export async function loadWeights(
  path: string,
  store: ParamStore,
  optimizer?: Optimizer,
  extraPrefixes: readonly string[] = [],
): Promise<StFile> {
  const { tensors, metadata } = await loadSafetensors(path);
  // Every tensor is checked before any is copied: a file that fails leaves the model (and the
  // optimizer) as they were.
  const expected = new Map<string, readonly number[]>(store.params.map((p) => [p.name, p.shape]));
  if (optimizer)
    for (const [name, t] of Object.entries(optimizer.stateDict().tensors)) expected.set(OPT + name, t.shape);
  for (const [name, shape] of expected) {
    const t = tensors[name];
    if (t === undefined) throw new EmbedlmError(`no tensor ${name}`, { file: path });
    if (!sameShape(t.shape, shape))
      throw new EmbedlmError(`tensor ${name} has shape [${t.shape}], the model expects [${shape}]`, {
        file: path,
      });
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad !== -1)
      throw new EmbedlmError(`tensor ${name} holds ${t.data[bad]} at index ${bad}`, { file: path });
  }
  // Without an optimizer its state is not wanted, not wrong (the weights of a training checkpoint).
  for (const name of Object.keys(tensors))
    if (!expected.has(name) && !name.startsWith(OPT) && !extraPrefixes.some((p) => name.startsWith(p)))
      throw new EmbedlmError(
        `tensor ${name} is not a parameter of this model (does the configuration match the file?)`,
        { file: path },
      );
  for (const p of store.params) p.value.data.set(tensors[p.name].data);
  if (optimizer) {
    const st: Record<string, StTensor> = {};
    for (const [name, t] of Object.entries(tensors)) if (name.startsWith(OPT)) st[name.slice(OPT.length)] = t;
    const meta: Record<string, number> = {};
    for (const [k, v] of Object.entries(metadata))
      if (k.startsWith(OPT)) meta[k.slice(OPT.length)] = Number(v);
    optimizer.loadStateDict(st as Record<string, { shape: readonly number[]; data: Float32Array }>, meta);
  }
  return { tensors, metadata };
}
