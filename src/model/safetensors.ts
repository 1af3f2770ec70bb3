import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { str: str } }`, then the
 * raw little-endian tensor bytes (offsets are relative to the end of the header).
 * rein reads F32, F16 and BF16 (widened to float32) and writes F32.
 */
export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsContent {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

export function readSafetensors(file: string): SafetensorsContent {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return parseSafetensors(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file);
}

/** Parses safetensors bytes; `source` names the file in every error. */
export function parseSafetensors(bytes: Uint8Array, source: string): SafetensorsContent {
  const fail = (why: string): never => {
    throw new Error(`${source}: ${why}`);
  };
  if (bytes.length < 8) fail(`too short for safetensors (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen < 2 || 8 + headerLen > bytes.length) {
    fail(
      `not a safetensors file or truncated: header length ${headerLen} but the file has ${bytes.length} bytes`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLen)).toString('utf8'));
  } catch (e) {
    return fail(`safetensors header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('safetensors header is not an object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, NamedArray>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((entry ?? {}) as Record<string, unknown>)) metadata[k] = String(v);
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = String(e?.dtype);
    const width = DTYPE_BYTES[dtype];
    if (width === undefined) fail(`tensor '${name}': dtype ${dtype} is not supported (F32, F16, BF16)`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      fail(`tensor '${name}': bad shape ${JSON.stringify(e.shape)}`);
    }
    const shape = e.shape as number[];
    const offsets = e.data_offsets as [number, number];
    if (!Array.isArray(offsets) || offsets.length !== 2 || !(offsets[0] <= offsets[1])) {
      fail(`tensor '${name}': bad data_offsets ${JSON.stringify(e.data_offsets)}`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (offsets[1] - offsets[0] !== count * width) {
      fail(
        `tensor '${name}': ${dtype}${JSON.stringify(shape)} needs ${count * width} bytes, data_offsets give ${offsets[1] - offsets[0]}`,
      );
    }
    if (offsets[1] > dataLen) {
      fail(
        `truncated: tensor '${name}' ends at byte ${dataStart + offsets[1]} but the file has ${bytes.length}`,
      );
    }
    tensors.set(name, { shape, data: toFloat32(bytes, dataStart + offsets[0], count, dtype) });
  }
  return { tensors, metadata };
}

function toFloat32(bytes: Uint8Array, at: number, count: number, dtype: string): Float32Array {
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    new Uint8Array(out.buffer).set(bytes.subarray(at, at + count * 4));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, count * 2);
  if (dtype === 'BF16') {
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) u[i] = view.getUint16(2 * i, true) << 16;
    return out;
  }
  for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  return out;
}

/** IEEE 754 binary16 → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Serialises float32 tensors (in the given order) with optional string metadata. */
export function encodeSafetensors(
  tensors: Iterable<[string, NamedArray]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const list = [...tensors];
  let offset = 0;
  for (const [name, t] of list) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(
        `safetensors: tensor '${name}' has ${t.data.length} values but shape ${JSON.stringify(t.shape)}`,
      );
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + count * 4] };
    offset += count * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // data starts 8-byte aligned
  const head = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const [, t] of list) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

/** Writes a safetensors file atomically (temp file + rename). */
export function writeSafetensors(
  file: string,
  tensors: Iterable<[string, NamedArray]>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
