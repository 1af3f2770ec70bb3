import { describe, expect, it } from 'vitest';
import { metricDirection, orderMetrics, summarizeMetric } from './metrics.js';

describe('metric order', () => {
  it("puts PPO's RLHF curves first: rm_score, gold, kl, beta, then the rest as logged, bookkeeping last", () => {
    const logged = ['kl', 'beta', 'policy_loss', 'lr', 'rm_score', 'entropy', 'seconds', 'gold', 'eval_gold'];
    expect(orderMetrics('ppo', logged)).toEqual([
      'rm_score',
      'gold',
      'kl',
      'beta',
      'policy_loss',
      'entropy',
      'eval_gold',
      'lr',
      'seconds',
    ]);
    expect(orderMetrics('grpo', ['policy_loss', 'reward_std', 'kl', 'rm_score'])).toEqual([
      'rm_score',
      'kl',
      'reward_std',
      'policy_loss',
    ]);
    // a run rewarded by a reward function alone: its mean reward leads
    expect(orderMetrics('rloo', ['policy_loss', 'kl', 'function_reward'])).toEqual([
      'function_reward',
      'kl',
      'policy_loss',
    ]);
    // without a gold judge, the rest move up
    expect(orderMetrics('ppo', ['policy_loss', 'kl', 'rm_score']).slice(0, 2)).toEqual(['rm_score', 'kl']);
  });

  it("puts a reward model's accuracy first, SFT's and DPO's losses", () => {
    const rm = ['loss', 'lr', 'grad_norm', 'train_accuracy', 'heldout_accuracy'];
    expect(orderMetrics('rm', rm)).toEqual(['heldout_accuracy', 'train_accuracy', 'loss', 'lr', 'grad_norm']);
    const sft = ['lr', 'grad_norm', 'loss', 'heldout_loss'];
    expect(orderMetrics('sft', sft)).toEqual(['loss', 'heldout_loss', 'lr', 'grad_norm']);
    const dpo = ['loss', 'margin', 'accuracy', 'chosen_reward', 'lr', 'heldout_loss', 'heldout_accuracy'];
    expect(orderMetrics('dpo', dpo)).toEqual([
      'loss',
      'heldout_loss',
      'accuracy',
      'heldout_accuracy',
      'margin',
      'chosen_reward',
      'lr',
    ]);
    const kto = ['loss', 'kl', 'desirable_reward', 'undesirable_reward', 'margin', 'lr', 'heldout_accuracy'];
    expect(orderMetrics('kto', kto).slice(0, 4)).toEqual(['loss', 'heldout_accuracy', 'margin', 'kl']);
    expect(orderMetrics('unknown', ['b', 'lr', 'a'])).toEqual(['b', 'a', 'lr']);
  });
});

describe('metric summary', () => {
  it('knows which way a metric is better', () => {
    expect(metricDirection('heldout_loss')).toBe('min');
    expect(metricDirection('no_eos_fraction')).toBe('min');
    expect(metricDirection('train_accuracy')).toBe('max');
    expect(metricDirection('rm_score')).toBe('max');
    expect(metricDirection('function_reward')).toBe('max');
    expect(metricDirection('kl')).toBeNull();
    expect(metricDirection('lr')).toBeNull();
    expect(metricDirection('policy_loss')).toBeNull();
    expect(metricDirection('value_loss')).toBe('min');
    // KTO: the desirable answers' reward up; the undesirable ones', like DPO's rejected, neither way alone
    expect(metricDirection('heldout_desirable_reward')).toBe('max');
    expect(metricDirection('undesirable_reward')).toBeNull();
  });

  it('gives the final value (a non-finite one where the run ended on it) and the best with its step', () => {
    const loss = {
      points: [
        [1, 3],
        [2, 1.5],
        [3, 2],
      ] as [number, number][],
      leftOut: [{ x: 4, line: 4, value: 'NaN', nonFinite: true }],
    };
    expect(summarizeMetric('loss', loss)).toEqual({
      final: { x: 4, value: 'NaN' },
      best: { x: 2, value: 1.5, smoothed: false },
      range: null,
    });
    const acc = { points: loss.points, leftOut: [{ x: 2, line: 2, value: 'null', nonFinite: true }] };
    expect(summarizeMetric('accuracy', acc)).toEqual({
      final: { x: 3, value: 2 },
      best: { x: 1, value: 3, smoothed: false },
      range: null,
    });
    expect(summarizeMetric('kl', { points: loss.points, leftOut: [] })).toEqual({
      final: { x: 3, value: 2 },
      best: null,
      range: [1.5, 3],
    });
  });

  it('takes the best of the moving average where the curve is smoothed: one lucky batch is not the best', () => {
    // a spike to 9 at step 3 among 1s; averaged over 2 points: 1, 1, 5, 5, 1, 1
    const points = [1, 1, 9, 1, 1, 1].map((v, i): [number, number] => [i + 1, v]);
    const series = { points, leftOut: [] };
    expect(summarizeMetric('rm_score', series, 2).best).toEqual({ x: 3, value: 5, smoothed: true });
    expect(summarizeMetric('rm_score', series, 1).best).toEqual({ x: 3, value: 9, smoothed: false });
    // 6 points are fewer than two windows of 4: no moving average, the best value as logged
    expect(summarizeMetric('rm_score', series, 4).best).toEqual({ x: 3, value: 9, smoothed: false });
  });
});
