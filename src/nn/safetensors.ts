import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../util/atomic.js";
import { cannotRead, EmbedlmError } from "../util/errors.js";

/**
 * The safetensors format (Hugging Face; readable by `safetensors.torch.load_file`): an 8-byte
 * little-endian header length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]},
 * "__metadata__": {string: string}} padded with spaces to a multiple of 8 bytes, then the raw
 * little-endian bytes of every tensor, back to back.
 */
export type StData = Float32Array | Float64Array | Int32Array;

export interface StTensor {
  shape: readonly number[];
  data: StData;
}

export interface StFile {
  tensors: Record<string, StTensor>;
  metadata: Record<string, string>;
}

const WRITE_DTYPE = (d: StData): string =>
  d instanceof Float32Array ? "F32" : d instanceof Float64Array ? "F64" : "I32";

export function encodeSafetensors(
  tensors: Record<string, StTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new EmbedlmError(
        `tensor ${name}: shape [${t.shape}] holds ${n} values, data has ${t.data.length}`,
      );
    header[name] = {
      dtype: WRITE_DTYPE(t.data),
      shape: [...t.shape],
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hbytes = enc.encode(json);
  const pad = (8 - (hbytes.length % 8)) % 8;
  if (pad > 0) {
    json += " ".repeat(pad);
    hbytes = enc.encode(json);
  }
  const out = new Uint8Array(8 + hbytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let pos = 8 + hbytes.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

/**
 * Parses a safetensors file. F32, F64, I32 are read as such; F16 and BF16 widen to Float32Array,
 * I64 narrows to Int32Array (values outside int32 are an error).
 */
export function decodeSafetensors(bytes: Uint8Array, file?: string): StFile {
  const fail = (msg: string, offset?: number): never => {
    throw new EmbedlmError(msg, { file, offset });
  };
  if (bytes.length < 8) fail("not a safetensors file: shorter than its 8-byte header length");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(dv.getBigUint64(0, true));
  if (hlen > bytes.length - 8) fail(`header length ${hlen} exceeds the file`, 0);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen)));
  } catch {
    return fail("header is not valid JSON", 8);
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(header)) return fail("header is not a JSON object", 8);
  const base = 8 + hlen;
  const dataLen = bytes.length - base;
  const tensors: Record<string, StTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (!isObject(v) || Object.values(v).some((x) => typeof x !== "string"))
        fail("__metadata__: expected an object of strings", 8);
      metadata = v as Record<string, string>;
      continue;
    }
    if (!isObject(v)) return fail(`tensor ${name}: expected an object with dtype, shape and data_offsets`, 8);
    const info = v as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!Array.isArray(info.shape) || !info.shape.every((d) => Number.isInteger(d) && d >= 0))
      fail(`tensor ${name}: shape: expected an array of non-negative integers`, 8);
    const [b, e] = Array.isArray(info.data_offsets) ? info.data_offsets : [-1, -1];
    if (!(Number.isInteger(b) && Number.isInteger(e) && b >= 0 && b <= e && e <= dataLen))
      fail(`tensor ${name}: bad data_offsets`, 8);
    const n = info.shape.reduce((x, y) => x * y, 1);
    // Copy into a fresh, aligned buffer: the file's offsets need not be aligned. (Not `slice`: on a
    // Node Buffer it is a view on the whole file, whose .buffer starts elsewhere.)
    const raw = new Uint8Array(bytes.subarray(base + b, base + e));
    const view = new DataView(raw.buffer);
    const size = { F32: 4, F64: 8, I32: 4, F16: 2, BF16: 2, I64: 8 }[info.dtype];
    if (size === undefined) fail(`tensor ${name}: unsupported dtype ${info.dtype}`, 8);
    if (n * size! !== e - b)
      fail(`tensor ${name}: ${e - b} bytes for shape [${info.shape}] of ${info.dtype}`, base + b);
    let data: StData;
    switch (info.dtype) {
      case "F32":
        data = new Float32Array(raw.buffer);
        break;
      case "F64":
        data = new Float64Array(raw.buffer);
        break;
      case "I32":
        data = new Int32Array(raw.buffer);
        break;
      case "I64": {
        data = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const x = view.getBigInt64(8 * i, true);
          if (x < -2147483648n || x > 2147483647n)
            fail(`tensor ${name}: value ${x} exceeds int32`, base + b + 8 * i);
          data[i] = Number(x);
        }
        break;
      }
      case "BF16": {
        data = new Float32Array(n);
        const u = new Uint32Array(data.buffer);
        for (let i = 0; i < n; i++) u[i] = view.getUint16(2 * i, true) << 16;
        break;
      }
      default: {
        data = new Float32Array(n);
        for (let i = 0; i < n; i++) data[i] = half(view.getUint16(2 * i, true));
      }
    }
    tensors[name] = { shape: info.shape, data };
  }
  return { tensors, metadata };
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Number.POSITIVE_INFINITY : Number.NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export async function saveSafetensors(
  path: string,
  tensors: Record<string, StTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export async function loadSafetensors(path: string): Promise<StFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw cannotRead(e, path);
  }
  return decodeSafetensors(new Uint8Array(bytes), path);
}
