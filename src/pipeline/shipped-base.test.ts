import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PretrainConfig } from '../train/pretrain/config.js';
import { writeWorld } from '../world/build.js';
import { generateWorld } from '../world/generate.js';
import { fileSha256, PROVENANCE_FILE, SHIPPED_BASE_DIR, shippedBaseFor } from './shipped-base.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rein-shipped-'));
}

describe('the shipped base model', () => {
  it('is used only for the corpus it was trained on', () => {
    const base = tempDir();
    const world = tempDir();
    writeFileSync(join(world, 'pretrain.jsonl'), '{"text":"a"}\n');
    writeFileSync(
      join(base, PROVENANCE_FILE),
      JSON.stringify({ corpus_sha256: fileSha256(join(world, 'pretrain.jsonl')), command: 'x' }),
    );
    expect(shippedBaseFor(world, base)).toBe(base);
    writeFileSync(join(world, 'pretrain.jsonl'), '{"text":"b"}\n');
    expect(shippedBaseFor(world, base)).toBeNull();
    expect(shippedBaseFor(tempDir(), base)).toBeNull(); // no corpus
  });

  it('was trained on the default world as generated today', () => {
    // a change to the world generator changes the corpus: the shipped base must then be remade
    // with the command in its provenance.json, or the demo silently pretrains for minutes
    const dir = tempDir();
    writeWorld(generateWorld({ seed: '1' }), dir);
    expect(shippedBaseFor(dir)).toBe(SHIPPED_BASE_DIR);
    const copy = join(tempDir(), 'w');
    mkdirSync(copy);
    copyFileSync(join(dir, 'pretrain.jsonl'), join(copy, 'pretrain.jsonl'));
    writeFileSync(join(copy, 'pretrain.jsonl'), '\n', { flag: 'a' });
    expect(shippedBaseFor(copy)).toBeNull();
  });

  it("was trained with `rein pretrain`'s defaults", () => {
    // a changed default (more steps, another width) must remake the shipped base too, or a demo
    // on another seed pretrains a different model than the one the default run starts from
    const provenance = JSON.parse(readFileSync(join(SHIPPED_BASE_DIR, PROVENANCE_FILE), 'utf8'));
    const { world: _world, out: _out, ...defaults } = PretrainConfig.parse({});
    expect(provenance.train_config).toEqual(defaults);
  });
});
