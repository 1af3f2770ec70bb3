import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConfigError,
  configHelp,
  resolveConfig,
  saveResolvedConfig,
  settingChanges,
  splitConfigArgs,
} from './config.js';

const Schema = z.strictObject({
  lr: z.number().positive().default(1e-3).describe('learning rate'),
  steps: z.number().int().default(100).describe('optimiser steps'),
  kl: z
    .strictObject({
      beta: z.number().default(0.02).describe('KL penalty coefficient'),
      adaptive: z.boolean().default(false).describe('adapt beta to a KL target'),
    })
    .prefault({}),
  name: z.string().default('run'),
});

describe('config', () => {
  it('splits --config, overrides and flags', () => {
    const args = splitConfigArgs([
      '--config',
      'c.json',
      '--lr',
      '0.1',
      '--kl.adaptive',
      '--kl.beta=-0.5',
      '--help',
    ]);
    expect(args.file).toBe('c.json');
    expect(args.help).toBe(true);
    expect(args.overrides).toEqual([
      ['lr', '0.1'],
      ['kl.adaptive', 'true'],
      ['kl.beta', '-0.5'],
    ]);
  });

  it('resolves defaults < file < overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rein-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ lr: 0.5, kl: { beta: 0.1 } }));
    const cfg = resolveConfig(Schema, {
      file,
      overrides: [
        ['kl.beta', '0.3'],
        ['name', 'x y'],
      ],
    });
    expect(cfg).toEqual({ lr: 0.5, steps: 100, kl: { beta: 0.3, adaptive: false }, name: 'x y' });
  });

  it('rejects unknown keys and bad values, naming the key', () => {
    expect(() => resolveConfig(Schema, { overrides: [['kl.bta', '1']] })).toThrow(/--kl\.bta/);
    expect(() => resolveConfig(Schema, { overrides: [['lr', '-1']] })).toThrow(/--lr/);
    expect(() => resolveConfig(Schema, { overrides: [['steps', 'many']] })).toThrow(ConfigError);
  });

  it('names a broken config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rein-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ nope');
    expect(() => resolveConfig(Schema, { file, overrides: [] })).toThrow(/bad\.json/);
    expect(() => resolveConfig(Schema, { file: join(dir, 'missing.json'), overrides: [] })).toThrow(
      /missing\.json/,
    );
  });

  it('prints help with types, descriptions and defaults', () => {
    const help = configHelp(Schema);
    expect(help).toMatch(/--lr <number>\s+learning rate \(default: 0\.001\)/);
    expect(help).toMatch(/--kl\.beta <number>\s+KL penalty coefficient \(default: 0\.02\)/);
    expect(help).toMatch(/--kl\.adaptive <boolean>/);
  });

  it('saves the resolved config as JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rein-config-'));
    const file = join(dir, 'sub', 'config.json');
    saveResolvedConfig(file, { a: 1 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ a: 1 });
  });
});

describe('settingChanges', () => {
  it('compares leaves by value, arrays whole', () => {
    expect(settingChanges({ a: [1, 2], b: { c: 'x' } }, { a: [1, 2], b: { c: 'x' } })).toEqual([]);
    expect(settingChanges({ a: [1, 2], b: { c: 'x' } }, { a: [1, 3], b: {} })).toEqual([
      'a: [1,2] → [1,3]',
      'b.c: "x" → unset',
    ]);
  });
});
