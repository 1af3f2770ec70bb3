import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedFile } from '../tokenizer/shared-data.js';
import { parameterShapes, resolveModelConfig } from './config.js';
import {
  encodeLlama2cCheckpoint,
  parseLlama2cCheckpoint,
  readLlama2cCheckpoint,
} from './llama2c-checkpoint.js';
import { referenceLogits } from './reference-forward.js';
import {
  encodeSafetensors,
  halfToFloat,
  type NamedArray,
  parseSafetensors,
  readSafetensors,
  writeSafetensors,
} from './safetensors.js';

function randomWeights(shapes: Map<string, number[]>, seed: number): Map<string, NamedArray> {
  let s = seed;
  const rand = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
  const w = new Map<string, NamedArray>();
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++)
      data[i] = name.includes('norm') && name.endsWith('weight') ? 1 + rand() * 0.2 : rand() * 0.5;
    w.set(name, { shape, data });
  }
  return w;
}

describe('safetensors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rein-st-'));

  it('writes and reads back tensors and metadata exactly, data 8-byte aligned', () => {
    const a: NamedArray = { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 1e-8, -0, 7]) };
    const b: NamedArray = { shape: [], data: Float32Array.from([42]) };
    const file = join(dir, 'x.safetensors');
    writeSafetensors(
      file,
      [
        ['a', a],
        ['b.scalar', b],
      ],
      { format: 'pt' },
    );
    const bytes = readFileSync(file);
    expect((8 + Number(bytes.readBigUInt64LE(0))) % 8).toBe(0);
    const back = readSafetensors(file);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(back.tensors.get('a')).toEqual(a);
    expect(back.tensors.get('b.scalar')).toEqual(b);
  });

  it('reads F16 and BF16 as float32', () => {
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
      g: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
    });
    const buf = Buffer.alloc(8 + header.length + 10);
    buf.writeBigUInt64LE(BigInt(header.length));
    buf.write(header, 8);
    const d = 8 + header.length;
    buf.writeUInt16LE(0x3c00, d); // 1
    buf.writeUInt16LE(0xc000, d + 2); // -2
    buf.writeUInt16LE(0x3555, d + 4); // ≈ 0.33325
    buf.writeUInt16LE(0x3fc0, d + 6); // bf16 1.5
    buf.writeUInt16LE(0xc040, d + 8); // bf16 -3
    const t = parseSafetensors(new Uint8Array(buf), 'half.safetensors').tensors;
    expect(Array.from(t.get('h')!.data)).toEqual([1, -2, Math.fround(halfToFloat(0x3555))]);
    expect(halfToFloat(0x3555)).toBeCloseTo(1 / 3, 3);
    expect(Array.from(t.get('g')!.data)).toEqual([1.5, -3]);
  });

  it('names the file and the problem for truncated or foreign input', () => {
    const good = encodeSafetensors([['w', { shape: [4], data: new Float32Array(4) }]]);
    expect(() => parseSafetensors(good.subarray(0, good.length - 3), 'cut.safetensors')).toThrow(
      /cut\.safetensors: truncated: tensor 'w'/,
    );
    expect(() => parseSafetensors(new TextEncoder().encode('hello world, not a tensor'), 'x.txt')).toThrow(
      /x\.txt: not a safetensors file or truncated/,
    );
    const bad = Buffer.from(good);
    bad.write('"I64"', bad.indexOf('"F32"'));
    expect(() => parseSafetensors(new Uint8Array(bad), 'int.safetensors')).toThrow(
      /int\.safetensors: tensor 'w': dtype I64/,
    );
    expect(() => readSafetensors(join(dir, 'missing.safetensors'))).toThrow(
      /missing\.safetensors: cannot read \(ENOENT\)/,
    );
  });
});

describe('llama2.c checkpoints', () => {
  const config = resolveModelConfig({
    arch: 'llama',
    vocabSize: 11,
    contextLength: 6,
    nLayers: 2,
    dim: 8,
    nHeads: 4,
    nKvHeads: 2,
    hidden: 12,
    tiedEmbeddings: false,
  });
  const weights = randomWeights(parameterShapes(config), 3);

  it('round-trips a legacy file with an untied classifier and GQA', () => {
    const bytes = encodeLlama2cCheckpoint(config, weights);
    const back = parseLlama2cCheckpoint(bytes, 'tiny.bin');
    expect(back.config).toEqual(config);
    expect([...back.weights.keys()].sort()).toEqual([...weights.keys()].sort());
    for (const [name, t] of weights) expect(back.weights.get(name), name).toEqual(t);
  });

  it('names the file and what is wrong for truncated, padded or foreign files', () => {
    const bytes = encodeLlama2cCheckpoint(config, weights);
    expect(() => parseLlama2cCheckpoint(bytes.subarray(0, bytes.length - 4), 'cut.bin')).toThrow(
      /cut\.bin: truncated llama2\.c checkpoint: .* needs \d+ bytes, the file has \d+/,
    );
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(() => parseLlama2cCheckpoint(longer, 'long.bin')).toThrow(/long\.bin: has 8 bytes more/);
    expect(() =>
      parseLlama2cCheckpoint(new TextEncoder().encode('{"a": "json file, not a model"}'), 'x.json'),
    ).toThrow(/x\.json: not a llama2\.c checkpoint/);
    const v2 = new Uint8Array(300);
    new DataView(v2.buffer).setUint32(0, 0x616b3432, true);
    new DataView(v2.buffer).setInt32(4, 2, true);
    expect(() => parseLlama2cCheckpoint(v2, 'q8.bin')).toThrow(/q8\.bin: llama2\.c checkpoint version 2/);
  });

  const model = sharedFile('llama2c', 'stories260K.bin');
  const golden = sharedFile('llama2c', 'stories260K.golden.json');
  it.skipIf(!model || !golden)(
    'loads stories260K and reproduces its golden logits with the plain-loop reference',
    () => {
      const { config: c, weights: w } = readLlama2cCheckpoint(model!);
      expect(c).toMatchObject({
        dim: 64,
        hidden: 172,
        nLayers: 5,
        nHeads: 8,
        nKvHeads: 4,
        vocabSize: 512,
        tiedEmbeddings: true,
      });
      const g = JSON.parse(readFileSync(golden!, 'utf8'));
      const ids = [...g.prompt_ids, ...g.greedy_ids].slice(0, 4);
      const logits = referenceLogits(c, w, ids);
      for (let t = 0; t < 4; t++) {
        for (let v = 0; v < 16; v++)
          expect(Math.abs(logits[t][v] - g.logits_first16_at_pos0to3[t][v])).toBeLessThan(1e-4);
      }
    },
  );
});
