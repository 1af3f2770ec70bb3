import { describe, expect, it } from 'vitest';
import { gradcheck } from '../../tensor/gradcheck.js';
import * as T from '../../tensor/index.js';
import { aggregationWeights, grpoLoss, k3Kl } from './loss.js';

/** The loss and ∂loss/∂logp of `f` at `values` (shape (B, L)). */
function valueAndGrad(values: number[], shape: number[], f: (logp: T.Tensor) => T.Tensor) {
  const logp = T.tensor(values, shape, { requiresGrad: true });
  const loss = f(logp);
  T.backward(loss);
  return { loss: loss.item(), grad: Array.from(logp.grad!) };
}

describe('k3Kl', () => {
  it('is r − log r − 1 with r = π_ref/π, and its gradient in log π is 1 − r', () => {
    // token 0: π = 0.5, π_ref = 0.25 → r = 0.5; token 1: π = 0.2, π_ref = 0.6 → r = 3
    const logp = [Math.log(0.5), Math.log(0.2)];
    const ref = Float32Array.from([Math.log(0.25), Math.log(0.6)]);
    const k = T.noGrad(() => k3Kl(T.tensor(logp, [1, 2]), ref).toArray());
    expect(k[0]).toBeCloseTo(0.5 - Math.log(0.5) - 1, 6); // 0.19315
    expect(k[1]).toBeCloseTo(3 - Math.log(3) - 1, 5); // 0.90139
    const { grad } = valueAndGrad(logp, [1, 2], (lp) => T.sum(k3Kl(lp, ref)));
    expect(grad[0]).toBeCloseTo(1 - 0.5, 5);
    expect(grad[1]).toBeCloseTo(1 - 3, 5);
  });

  it('is 0 with a zero gradient where π = π_ref', () => {
    const logp = [-0.3, -2.5, -7];
    const { loss, grad } = valueAndGrad(logp, [1, 3], (lp) => T.sum(k3Kl(lp, Float32Array.from(logp))));
    expect(loss).toBe(0);
    for (const g of grad) expect(g).toBeCloseTo(0, 7);
  });
});

describe('grpoLoss aggregation', () => {
  // two responses of unequal length in a (2, 3) layout: 3 tokens with A = +1, 1 token with A = −1
  const lengths = Int32Array.from([3, 1]);
  const adv = Float32Array.from([1, 1, 1, -1, 0, 0]);
  const old = Float32Array.from([-1, -2, -0.5, -1.5, 0, 0]);
  const ref = Float32Array.from([-1.5, -2, -0.25, -1, 0, 0]);
  const r = Array.from(ref, (x, i) => Math.exp(x - old[i])); // π_ref/π at π = π_old
  const k3 = r.map((x) => x - Math.log(x) - 1);
  const beta = 0.1;
  const run = (agg: 'token' | 'sequence') =>
    valueAndGrad(
      Array.from(old),
      [2, 3],
      (lp) =>
        // on-policy (π = π_old): ρ = 1, inside the clip, the surrogate is −A on every token
        grpoLoss(lp, old, ref, adv, aggregationWeights(lengths, 3, agg), 0.2, beta).loss,
    );

  it('token: the mean over all 4 response tokens of −A + β·k3', () => {
    const { loss, grad } = run('token');
    const tokens = [0, 1, 2, 3];
    expect(loss).toBeCloseTo(tokens.reduce((s, i) => s - adv[i] + beta * k3[i], 0) / 4, 5);
    // ∂/∂log π_t = (−A_t + β(1 − r_t)) / 4 on real tokens, 0 on padding
    const expected = [0, 1, 2, 3, 4, 5].map((i) => (i < 4 ? (-adv[i] + beta * (1 - r[i])) / 4 : 0));
    grad.forEach((g, i) => {
      expect(g).toBeCloseTo(expected[i], 5);
    });
  });

  it("sequence: each response's token mean, then the mean over the 2 responses (the paper)", () => {
    const { loss, grad } = run('sequence');
    const seq0 = (-3 + beta * (k3[0] + k3[1] + k3[2])) / 3;
    const seq1 = 1 + beta * k3[3];
    expect(loss).toBeCloseTo((seq0 + seq1) / 2, 5);
    // a token of the long response weighs 1/(2·3), the short response's one token 1/2
    const w = [1 / 6, 1 / 6, 1 / 6, 1 / 2, 0, 0];
    grad.forEach((g, i) => {
      expect(g).toBeCloseTo(w[i] * (-adv[i] + beta * (1 - r[i])), 5);
    });
    // the two differ here: the lone negative token counts 3× more per token under 'sequence'
    expect(loss).not.toBeCloseTo(run('token').loss, 2);
  });

  it('reports the clipped surrogate and the KL term apart, and leaves the KL out at β = 0', () => {
    const w = aggregationWeights(lengths, 3, 'token');
    const lp = T.tensor(Array.from(old), [2, 3]);
    const a = grpoLoss(lp, old, ref, adv, w, 0.2, beta);
    const b = grpoLoss(lp, old, ref, adv, w, 0.2, 0);
    expect(a.stats.surrogate).toBeCloseTo(-0.5, 6);
    expect(a.stats.kl).toBeCloseTo((k3[0] + k3[1] + k3[2] + k3[3]) / 4, 6);
    expect(b.loss.item()).toBeCloseTo(-0.5, 6);
    expect(b.stats.kl).toBeCloseTo(a.stats.kl!, 6); // still measured
    expect(a.loss.item()).toBeCloseTo(-0.5 + beta * a.stats.kl!, 6);
  });

  it('is the surrogate alone, with no KL statistic, when the KL went into the reward (RLOO)', () => {
    const w = aggregationWeights(lengths, 3, 'token');
    const lp = T.tensor(Array.from(old), [2, 3]);
    const c = grpoLoss(lp, old, null, adv, w, 0.2, beta);
    expect(c.loss.item()).toBeCloseTo(-0.5, 6);
    expect(c.stats.surrogate).toBeCloseTo(-0.5, 6);
    expect(c.stats.kl).toBeUndefined();
  });

  it('has the gradient of its formula off-policy, clip included (finite differences)', () => {
    const w = aggregationWeights(lengths, 3, 'sequence');
    // token 0: ρ = e^0.3 with A > 0, clipped (no gradient from the surrogate); the rest inside
    const values = [-0.7, -2.1, -0.6, -1.2, 0, 0];
    const clipped = grpoLoss(T.tensor(values, [2, 3]), old, ref, adv, w, 0.2, 0.3);
    expect(clipped.stats.clipFraction).toBeGreaterThan(0);
    const r2 = gradcheck(
      ([lp]) => grpoLoss(lp, old, ref, adv, w, 0.2, 0.3).loss,
      [{ shape: [2, 3], values }],
    );
    expect(r2.ok).toBe(true);
  });
});
