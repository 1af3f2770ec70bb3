/**
 * `--lora.*` end to end, in-process at toy sizes: rein sft and rein rm train with adapters leave the
 * merged checkpoint, adapter.json and adapter.safetensors, and so do rein ppo, rein grpo and
 * rein online-dpo; bad values are one-line errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, type Mock, vi } from 'vitest';
import { loadModel, saveCheckpoint } from '../model/checkpoint.js';
import { readAdapterFiles } from '../model/lora-files.js';
import { NUMBER_WORDS, tinyModel, toyTokenizer } from '../train/test-helpers/fixtures.js';
import { Rng } from '../util/rng.js';
import { run as dpo } from './dpo.js';
import { CliError } from './errors.js';
import { run as grpo } from './grpo.js';
import { run as kto } from './kto.js';
import { run as onlineDpo } from './online-dpo.js';
import { run as ppo } from './ppo.js';
import { run as rm } from './rm.js';
import { run as sft } from './sft.js';
import { capture } from './test-helpers/capture.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const jsonl = (rows: unknown[]) => `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
/** What the last command wrote to stderr through console.error (capture silences it). */
const notes = () => (console.error as Mock).mock.calls.map((c) => c.join(' '));

let root: string;
const f = (name: string) => join(root, name);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rein-cli-lora-'));
  const tok = toyTokenizer();
  saveCheckpoint(f('base'), tinyModel(tok.vocabSize, 1), tok);
  const rng = new Rng(3);
  const xs = Array.from({ length: 32 }, () => NUMBER_WORDS[rng.int(10)]);
  writeFileSync(
    f('demos.jsonl'),
    jsonl(xs.map((x) => ({ prompt: `what is ${x} ?`, response: `it is ${x} .` }))),
  );
  writeFileSync(
    f('pairs.jsonl'),
    jsonl(
      xs.map((x) => ({
        prompt: `what is ${x} ?`,
        chosen: `nice , it is ${x} .`,
        rejected: `rude , it is ${x} .`,
      })),
    ),
  );
});

const sftArgs = (out: string) => [
  ...['--data', f('demos.jsonl'), '--model', f('base'), '--out', out],
  ...['--steps', '8', '--batchSize', '8', '--lr', '1e-2', '--warmupSteps', '2', '--evalEvery', '4'],
];

describe('--lora', () => {
  it('rein sft --lora.rank 4: the merged checkpoint, the adapter beside it, the config and the count', async () => {
    const out = f('sft-lora');
    const printed = await capture(sft, [...sftArgs(out), '--lora.rank', '4']);
    expect(printed[printed.length - 1]).toMatch(/^sft: 8 steps on 32 demonstrations; final train loss \d/);
    // 2 layers × (q, k, v, o: 4·32 + 32·4; fc: 4·32 + 128·4; proj: 4·128 + 32·4) = 4,608
    expect(notes()).toContainEqual(
      expect.stringMatching(/^LoRA r=4 on 12 projections: 4,608 of [\d,]+ parameters train \(\d+\.\d %\)$/),
    );
    const config = JSON.parse(readFileSync(join(out, 'train-config.json'), 'utf8'));
    expect(config.lora).toEqual({ rank: 4, alpha: 16, targets: 'attn,mlp', dropout: 0 });
    const { model, meta } = loadModel(out);
    expect((meta.result as { lora: unknown }).lora).toEqual({
      rank: 4,
      alpha: 16,
      targets: ['attn', 'mlp'],
      dropout: 0,
      projections: 12,
      parameters: 4608,
    });
    const adapter = readAdapterFiles(out);
    expect(adapter.base).toBe(f('base'));
    expect(JSON.parse(readFileSync(join(out, 'adapter.json'), 'utf8')).projections).toHaveLength(12);
    // only the adapted projections moved
    const base = loadModel(f('base')).model;
    for (const [name, p] of model.params) {
      const moved = p.data.some((x, i) => x !== base.params.get(name)!.data[i]);
      expect(moved, name).toBe(/attn\.[qkvo]\.weight$|mlp\.(fc|proj)\.weight$/.test(name));
    }
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log[log.length - 1].loss).toBeLessThan(log[0].loss);
    // a second run into the finished folder replaces it (its adapter files are the run's own)
    await capture(sft, [...sftArgs(out), '--lora.rank', '2', '--lora.targets', 'q,v', '--steps', '2']);
    expect(readAdapterFiles(out).options).toEqual({ rank: 2, alpha: 16, targets: ['q', 'v'], dropout: 0 });
  });

  it('rein rm train --lora.rank 4 saves the scalar head with the adapter', async () => {
    const out = f('rm-lora');
    await capture(rm, [
      'train',
      ...['--data', f('pairs.jsonl'), '--model', f('base'), '--out', out],
      ...['--epochs', '1', '--lora.rank', '4', '--lora.targets', 'attn'],
    ]);
    expect(loadModel(out).model.hasScalarHead).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'adapter.json'), 'utf8')).modulesToSave).toEqual([
      'scalar_head',
    ]);
    expect(readAdapterFiles(out).weights.has('scalar_head.weight')).toBe(true);
  });

  it('lists the options in --help of sft, rm train, dpo, kto, ppo, grpo and online-dpo', async () => {
    for (const [cmd, argv] of [
      [sft, ['--help']],
      [rm, ['train', '--help']],
      [dpo, ['--help']],
      [kto, ['--help']],
      [ppo, ['--help']],
      [grpo, ['--help']],
      [onlineDpo, ['--help']],
    ] as const) {
      const help = (await capture(cmd, [...argv])).join('\n');
      expect(help).toMatch(/--lora\.rank <integer> .*\(default: 0\)/);
      expect(help).toMatch(/--lora\.alpha <number> .*\(default: 16\)/);
      expect(help).toMatch(/--lora\.targets <string> .*\(default: "attn,mlp"\)/);
      vi.restoreAllMocks();
    }
  });

  const fails = async (cmd: (argv: string[]) => Promise<void>, argv: string[], message: RegExp) => {
    const p = capture(cmd, argv);
    await expect(p).rejects.toBeInstanceOf(CliError);
    await expect(p).rejects.toThrow(message);
  };

  it('names a bad rank, α or target', async () => {
    const out = f('bad');
    await fails(sft, [...sftArgs(out), '--lora.rank', '-1'], /--lora\.rank: Too small/);
    await fails(sft, [...sftArgs(out), '--lora.alpha', '0'], /--lora\.alpha: Too small/);
    await fails(
      dpo,
      [
        '--data',
        f('pairs.jsonl'),
        '--model',
        f('base'),
        '--out',
        out,
        '--lora.rank',
        '4',
        '--lora.targets',
        'attn,ffn',
      ],
      /--lora\.targets: a comma-separated list of attn, mlp, q, k, v, o/,
    );
    await fails(
      kto,
      [
        '--data',
        f('pairs.jsonl'),
        '--model',
        f('base'),
        '--out',
        out,
        '--lora.rank',
        '4',
        '--lora.targets',
        'gate',
      ],
      /^kto: --lora: a gpt model has no MLP projection 'gate' \(its MLP: fc, proj\)/,
    );
    await fails(
      sft,
      [...sftArgs(out), '--lora.rank', '64'],
      /^sft: --lora: rank 64 exceeds layers\.0\.attn\.q/,
    );
  });

  it('rein ppo --lora.rank 4: rollouts sample through the adapters; the merged policy and its adapter are saved', async () => {
    const out = f('ppo-lora');
    await capture(ppo, [
      ...['--prompts', f('demos.jsonl'), '--policy', f('base'), '--rm', f('rm-lora'), '--out', out],
      ...[
        '--iterations',
        '2',
        '--rolloutBatch',
        '4',
        '--minibatch',
        '2',
        '--ppoEpochs',
        '1',
        '--maxNew',
        '4',
      ],
      ...['--lr', '1e-2', '--evalEvery', '0', '--lora.rank', '4', '--lora.targets', 'attn'],
    ]);
    expect(notes()).toContainEqual(expect.stringMatching(/^LoRA r=4 on 8 projections: /));
    expect(readAdapterFiles(out).options).toEqual({ rank: 4, alpha: 16, targets: ['attn'], dropout: 0 });
    expect(readAdapterFiles(out).base).toBe(f('base'));
    const base = loadModel(f('base')).model;
    const { model } = loadModel(out);
    for (const [name, p] of model.params) {
      const moved = p.data.some((x, i) => x !== base.params.get(name)!.data[i]);
      expect(moved, name).toBe(/attn\.[qkvo]\.weight$/.test(name));
    }
    expect(model.lora).toBeNull();
  });

  it('rein grpo --lora.rank 4: only the adapted projections move; the adapter is saved', async () => {
    const out = f('grpo-lora');
    await capture(grpo, [
      ...['--prompts', f('demos.jsonl'), '--policy', f('base'), '--rm', f('rm-lora'), '--out', out],
      ...['--iterations', '2', '--promptsPerIteration', '2', '--groupSize', '2', '--minibatch', '2'],
      ...['--maxNew', '4', '--lr', '1e-2', '--evalEvery', '0', '--lora.rank', '4', '--lora.targets', 'mlp'],
    ]);
    expect(readAdapterFiles(out).options).toEqual({ rank: 4, alpha: 16, targets: ['mlp'], dropout: 0 });
    const base = loadModel(f('base')).model;
    const { model } = loadModel(out);
    for (const [name, p] of model.params) {
      const moved = p.data.some((x, i) => x !== base.params.get(name)!.data[i]);
      expect(moved, name).toBe(/mlp\.(fc|proj)\.weight$/.test(name));
    }
  });

  it('rein online-dpo --lora.rank 4: the reference is the policy without its adapters; only they move', async () => {
    const out = f('online-dpo-lora');
    await capture(onlineDpo, [
      ...['--prompts', f('demos.jsonl'), '--policy', f('base'), '--rm', f('rm-lora'), '--out', out],
      ...['--iterations', '2', '--promptsPerIteration', '4', '--groupSize', '2', '--maxNew', '4'],
      ...['--lr', '1e-2', '--evalEvery', '0', '--lora.rank', '4', '--lora.targets', 'q,v'],
    ]);
    expect(readAdapterFiles(out).options).toEqual({ rank: 4, alpha: 16, targets: ['q', 'v'], dropout: 0 });
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // adapters start at B = 0: the policy is its reference (the sampler's log-probs against a pass's)
    expect(Math.abs(log[0].kl)).toBeLessThan(1e-5);
    expect(Math.abs(log[1].kl)).toBeGreaterThan(1e-3);
    const base = loadModel(f('base')).model;
    const { model } = loadModel(out);
    for (const [name, p] of model.params) {
      const moved = p.data.some((x, i) => x !== base.params.get(name)!.data[i]);
      expect(moved, name).toBe(/attn\.[qv]\.weight$/.test(name));
    }
  });
});
