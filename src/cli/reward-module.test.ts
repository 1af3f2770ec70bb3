/**
 * `rein grpo`, `rein rloo`, `rein ppo`, `rein online-dpo` and `rein bon --reward FN.mjs`: a reward function the user writes as a JavaScript
 * module, alone or beside a reward model, seeing each prompt's whole line; and every way such a
 * module can be wrong, each an error that names the file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { saveCheckpoint } from '../model/checkpoint.js';
import { tinyModel, toyTokenizer } from '../train/test-helpers/fixtures.js';
import { Rng } from '../util/rng.js';
import { run as bon } from './bon.js';
import { run as grpo } from './grpo.js';
import { run as onlineDpo } from './online-dpo.js';
import { run as ppo } from './ppo.js';
import { run as rloo } from './rloo.js';
import { capture } from './test-helpers/capture.js';

let root: string;
const f = (name: string) => join(root, name);
const readLog = (dir: string) =>
  readFileSync(join(dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

// three prompts, each line with a reference answer of its own length
const LINES = [
  { text: 'what is one ?', answer: 'one' },
  { text: 'what is seven ?', answer: 'seven' },
  { prompt: 'what is eight ?', answer: 'eight!!' },
];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rein-reward-fn-'));
  const tok = toyTokenizer();
  const policy = tinyModel(tok.vocabSize, 1);
  saveCheckpoint(f('policy'), policy, tok);
  saveCheckpoint(f('rm'), policy.clone({ scalarHead: 'fresh', rng: new Rng(2) }), tok);
  writeFileSync(f('prompts.jsonl'), `${LINES.map((l) => JSON.stringify(l)).join('\n')}\n`);
  // the reward is the length of the reference answer on the prompt's line, checked against the prompt
  writeFileSync(
    f('answer-length.mjs'),
    `export default function reward(prompts, responses, records) {
  return responses.map((_, i) => {
    const line = records[i];
    if ((line.text ?? line.prompt) !== prompts[i]) throw new Error('a record that is not its prompt\\'s line');
    return line.answer.length;
  });
}
`,
  );
  writeFileSync(
    f('named.mjs'),
    'export function reward(p, responses) { return responses.map(() => 0.5); }\n',
  );
  writeFileSync(f('no-function.mjs'), 'export const reward = 3;\n');
  writeFileSync(f('short.mjs'), 'export default () => [1];\n');
  writeFileSync(f('throws.mjs'), "export default () => { throw new Error('no judge today'); };\n");
  writeFileSync(f('async.mjs'), 'export default async (p, responses) => responses.map(() => 1);\n');
  writeFileSync(f('broken.mjs'), 'export default function (\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

const args = (out: string, ...reward: string[]) => [
  ...['--prompts', f('prompts.jsonl'), '--policy', f('policy'), '--out', f(out), ...reward],
  ...['--iterations', '2', '--promptsPerIteration', '3', '--groupSize', '2', '--minibatch', '6'],
  ...['--epochs', '1', '--maxNew', '6', '--saveEvery', '0'],
];

describe('--reward FN.mjs', () => {
  it('grpo: a reward function alone, given every prompt with its whole line', async () => {
    const out = await capture(grpo, args('alone', '--reward', f('answer-length.mjs')));
    expect(out.at(-1)).toMatch(
      /^grpo: 2 iterations × 3 prompts × 2 answers; reward function 5\.000 → 5\.000, KL /,
    );
    const log = readLog(f('alone'));
    // every iteration asks about all three prompts, twice each: the mean of 3, 5 and 7
    for (const entry of log) {
      expect(entry.function_reward).toBeCloseTo(5, 6);
      expect(entry).not.toHaveProperty('rm_score');
    }
    const cfg = JSON.parse(readFileSync(join(f('alone'), 'train-config.json'), 'utf8'));
    expect(cfg.reward).toBe(f('answer-length.mjs'));
  });

  it('rloo: a function exported as `reward`, added to the reward model', async () => {
    const out = await capture(rloo, args('both', '--rm', f('rm'), '--reward', f('named.mjs')));
    expect(out.at(-1)).toMatch(/RM score -?\d+\.\d+ → -?\d+\.\d+, reward function 0\.500 → 0\.500, KL /);
    const log = readLog(f('both'));
    for (const e of log) {
      expect(Number.isFinite(e.rm_score)).toBe(true);
      // RLOO trains on r − β·KL with r the sum of the two (the no-EOS penalty counted)
      expect(e.kl_penalised_reward).toBeCloseTo(e.rm_score + 0.5 - e.no_eos_fraction - 0.05 * e.kl, 5);
    }
  });

  it('ppo: a reward function alone, the value model starting from the policy', async () => {
    const ppoArgs = [
      ...['--prompts', f('prompts.jsonl'), '--policy', f('policy'), '--out', f('ppo')],
      ...['--reward', f('answer-length.mjs'), '--iterations', '2', '--rolloutBatch', '6'],
      ...['--minibatch', '3', '--ppoEpochs', '1', '--maxNew', '6', '--saveEvery', '0'],
    ];
    const out = await capture(ppo, ppoArgs);
    expect(out.at(-1)).toMatch(/^ppo: 2 iterations; reward function \d\.\d{3} → \d\.\d{3}, KL /);
    const log = readLog(f('ppo'));
    expect(log).toHaveLength(2);
    for (const e of log) {
      // six rollouts from three prompts (3, 5 and 7 letters of answer): their mean lies between
      expect(e.function_reward).toBeGreaterThanOrEqual(3);
      expect(e.function_reward).toBeLessThanOrEqual(7);
      expect(e).not.toHaveProperty('rm_score');
      expect(Number.isFinite(e.value_loss)).toBe(true);
    }
    await expect(
      capture(
        ppo,
        ppoArgs.filter((a) => a !== '--reward' && a !== f('answer-length.mjs')),
      ),
    ).rejects.toThrow('ppo: --rm or --reward is required');
  });

  it('online-dpo: pairs ordered by a reward function alone', async () => {
    const out = await capture(onlineDpo, [
      ...['--prompts', f('prompts.jsonl'), '--policy', f('policy'), '--out', f('online')],
      ...['--reward', f('answer-length.mjs'), '--iterations', '2', '--promptsPerIteration', '3'],
      ...['--groupSize', '2', '--maxNew', '6', '--saveEvery', '0'],
    ]);
    expect(out.at(-1)).toMatch(
      /^online-dpo: 2 iterations × 3 prompts × 2 answers, 0 pairs; reward function 5\.000 → 5\.000, KL /,
    );
    // both answers to a prompt get its line's answer length: no pair is ever told apart
    for (const e of readLog(f('online'))) {
      expect(e.function_reward).toBeCloseTo(5, 6);
      expect(e.pairs).toBe(0);
      expect(e).not.toHaveProperty('rm_score');
    }
  });

  it('bon: the best of N by a reward function alone', async () => {
    writeFileSync(f('longest.mjs'), 'export default (p, responses) => responses.map((r) => r.length);\n');
    const out = await capture(bon, [
      ...['--policy', f('policy'), '--prompts', f('prompts.jsonl'), '--reward', f('longest.mjs')],
      ...['--n', '4', '--maxNew', '6', '--out', f('best.jsonl')],
    ]);
    expect(out.at(-1)).toMatch(/^bon: 3 prompts, N = 4; mean reward-function score \d+\.\d{3} \(best\)/);
    const best = readFileSync(f('best.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(best.map((b) => b.prompt)).toEqual(['what is one ?', 'what is seven ?', 'what is eight ?']);
    for (const b of best) expect(b.score).toBe(b.response.length);
  });

  it('names the file and what is wrong with it', async () => {
    const fails = (out: string, ...extra: string[]) => capture(grpo, args(out, ...extra));
    await expect(fails('none')).rejects.toThrow(
      'grpo: --rm or --reward is required: a reward model, a reward function, or both',
    );
    await expect(fails('x1', '--reward', f('missing.mjs'))).rejects.toThrow(
      `grpo: --reward ${f('missing.mjs')}: no such file`,
    );
    await expect(fails('x2', '--reward', f('no-function.mjs'))).rejects.toThrow(
      `grpo: --reward ${f('no-function.mjs')}: the module exports no function`,
    );
    await expect(fails('x3', '--reward', f('broken.mjs'))).rejects.toThrow(
      `grpo: --reward ${f('broken.mjs')}: the module does not load:`,
    );
    await expect(fails('x4', '--reward', f('short.mjs'))).rejects.toThrow(
      `grpo: --reward ${f('short.mjs')}: the reward function returned 1 numbers for 6 responses`,
    );
    await expect(fails('x5', '--reward', f('throws.mjs'))).rejects.toThrow(
      `grpo: --reward ${f('throws.mjs')}: the reward function threw: no judge today`,
    );
    await expect(fails('x6', '--reward', f('async.mjs'))).rejects.toThrow(
      `grpo: --reward ${f('async.mjs')}: the reward function returned a Promise`,
    );
  });
});
