import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeOutputAtomically } from './atomic-output.js';

describe('writeOutputAtomically', () => {
  it('a build that fails half-way leaves neither the target nor a temporary sibling', () => {
    const parent = mkdtempSync(join(tmpdir(), 'rein-atomic-'));
    const target = join(parent, 'export');
    expect(() =>
      writeOutputAtomically(target, { kind: 'folder' }, (tmp) => {
        writeFileSync(join(tmp, 'config.json'), '{}');
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a failed replacement keeps the previous output', () => {
    const parent = mkdtempSync(join(tmpdir(), 'rein-atomic-'));
    const target = join(parent, 'model.bin');
    writeOutputAtomically(target, { kind: 'file' }, (tmp) => writeFileSync(tmp, 'v1'));
    expect(() =>
      writeOutputAtomically(target, { kind: 'file', replace: true }, (tmp) => {
        writeFileSync(tmp, 'v2 (partial)');
        throw new Error('interrupted');
      }),
    ).toThrow('interrupted');
    expect(readFileSync(target, 'utf8')).toBe('v1');
    expect(readdirSync(parent)).toEqual(['model.bin']);
    writeOutputAtomically(target, { kind: 'file', replace: true }, (tmp) => writeFileSync(tmp, 'v2'));
    expect(readFileSync(target, 'utf8')).toBe('v2');
  });

  it('refuses an existing target without replace, before building anything', () => {
    const parent = mkdtempSync(join(tmpdir(), 'rein-atomic-'));
    const target = join(parent, 'out');
    writeFileSync(target, 'keep');
    let built = false;
    expect(() =>
      writeOutputAtomically(target, { kind: 'folder' }, () => {
        built = true;
      }),
    ).toThrow(/already exists/);
    expect(built).toBe(false);
    expect(existsSync(target)).toBe(true);
  });
});
