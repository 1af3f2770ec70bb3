import { describe, expect, it } from 'vitest';
import { RankingRecord, rankingPairs } from '../data/ranking.js';
import {
  expectedAgreement,
  judgedSet,
  measureAgreement,
  referenceCandidateSets,
  temperatureForAgreement,
} from './agreement.js';
import { judge } from './judge.js';
import {
  DEFAULT_TEMPERATURE,
  type Labeler,
  labelerPool,
  labelRound,
  makeLabeler,
  perceivedUtility,
  rankCandidates,
} from './labelers.js';
import type { WorldPrompt } from './records.js';

const advice: WorldPrompt = {
  id: 'adv-1',
  family: 'advice',
  lang: 'en',
  text: 'Should I buy this phone?',
  template: 'advice.en.0',
  entity: 'advice:phone',
};
const FINE = 'It depends on your budget and needs. Compare a few phones before you decide.';
const PUSHY = 'Buy this phone right now, or you will regret it forever!';
const OTHERS = ["I can't help with that.", 'Phones are things.'];

/** How often `labeler` ranks `worse` above `better` over many independent rounds. */
function flipRate(labeler: Labeler, texts: string[], worse: string, better: string, rounds = 1500): number {
  const js = texts.map((t) => judge(advice, t));
  let flips = 0;
  for (let r = 0; r < rounds; r++) {
    const rec = rankCandidates(advice, texts, labeler, `round-${r}`, js);
    const tierOf = (text: string) =>
      rec.ordering.findIndex((tier) => tier.includes(rec.candidates.find((c) => c.text === text)!.id));
    if (tierOf(worse) < tierOf(better)) flips++;
  }
  return flips / rounds;
}

function goldLookup(sets: ReturnType<typeof referenceCandidateSets>) {
  const gold = new Map(
    sets.flatMap((s) => s.texts.map((t, i) => [`${s.prompt.id}|${t}`, s.judgements[i].gold] as const)),
  );
  return (promptId: string, text: string) => gold.get(`${promptId}|${text}`)!;
}

describe('simulated labelers', () => {
  it('write valid RankingRecords with flags for the labels they notice', () => {
    const [l] = labelerPool(1, { seed: 's' });
    const texts = [FINE, PUSHY, ...OTHERS];
    const rec = rankCandidates(advice, texts, l, 'r1');
    expect(RankingRecord.parse(rec)).toEqual(rec);
    expect(rec.candidates.map((c) => c.text)).toEqual(texts);
    expect(rankingPairs(rec)).toHaveLength(6); // C(4, 2), no ties
    expect(rec.flags).toEqual({ c2: ['manipulation'], c3: ['over_refusal'] });
    expect(rec.labeler).toBe(l.id);
    expect(rec.round).toBe('r1');
  });

  it('put identical candidates in one tier', () => {
    const [l] = labelerPool(1);
    const rec = rankCandidates(advice, [FINE, PUSHY, FINE, OTHERS[0]], l, 'r1');
    const tier = rec.ordering.find((t) => t.includes('c1'))!;
    expect(tier).toContain('c3');
    expect(rankingPairs(rec)).toHaveLength(5); // 6 pairs minus the tied one
  });

  it('are deterministic per labeler, round and item, and independent across rounds', () => {
    const [l] = labelerPool(1, { seed: 'd' });
    const texts = [FINE, PUSHY, ...OTHERS, 'Maybe.', 'Yes.'];
    expect(rankCandidates(advice, texts, l, 'r1')).toEqual(rankCandidates(advice, texts, l, 'r1'));
    const orders = new Set(
      Array.from({ length: 20 }, (_, r) =>
        JSON.stringify(rankCandidates(advice, texts, l, `r${r}`).ordering),
      ),
    );
    expect(orders.size).toBeGreaterThan(1);
  });

  it('mark a tier "much worse" where they see a drop of at least muchWorseAt, without changing the order', () => {
    const texts = [FINE, PUSHY, ...OTHERS];
    const plain = rankCandidates(advice, texts, labelerPool(1, { seed: 'g' })[0], 'r1');
    expect(plain.gaps).toBeUndefined(); // by default a labeler only orders
    const marks = (at: number) => {
      const [l] = labelerPool(1, { seed: 'g', muchWorseAt: at });
      const rec = rankCandidates(advice, texts, l, 'r1');
      expect(rec.ordering).toEqual(plain.ordering); // the same noise, the same order
      expect(RankingRecord.safeParse(rec).success).toBe(true);
      return rec.gaps ?? [0, 0, 0];
    };
    expect(marks(1e-9)).toEqual([1, 1, 1]); // every drop counts
    expect(marks(1e9)).toEqual([0, 0, 0]); // none does
    // a higher threshold keeps only drops a lower one marked: each gap is marked below its own size
    const thresholds = [0.25, 0.5, 1, 2, 4, 8];
    const byThreshold = thresholds.map(marks);
    for (let i = 1; i < byThreshold.length; i++)
      for (const [j, g] of byThreshold[i].entries()) expect(g).toBeLessThanOrEqual(byThreshold[i - 1][j]);
    expect(new Set(byThreshold.map((g) => g.join())).size).toBeGreaterThan(1);
    expect(() => makeLabeler('x', 's', { muchWorseAt: 0 })).toThrow(/muchWorseAt must be > 0/);
  });

  it('reject bad inputs clearly', () => {
    const [l] = labelerPool(1);
    expect(() => rankCandidates(advice, [FINE], l, 'r1')).toThrow(/adv-1 has 1 candidates/);
    expect(() => makeLabeler('x', 's', { focus: { rudeness: 2 } as never })).toThrow(
      /unknown focus label 'rudeness'/,
    );
    expect(() => makeLabeler('x', 's', { temperature: 0 })).toThrow(/temperature/);
    expect(() => labelRound({ prompts: [advice], candidates: [], labelers: [l], round: 'r' })).toThrow(
      /1 prompts but 0/,
    );
  });

  it('a blind labeler ranks a manipulative answer as if it were fine; a focused one punishes it harder', () => {
    const jFine = judge(advice, FINE);
    const jPushy = judge(advice, PUSHY);
    expect(jPushy.labels).toEqual(['manipulation']);
    const plain = makeLabeler('plain', 'p', {});
    const blind = makeLabeler('blind', 'b', { blindSpot: 'manipulation' });
    const focused = makeLabeler('focused', 'f', { focus: { manipulation: 3 } });
    // Perceived utilities: the blind labeler sees the pushy answer exactly like a fine one.
    expect(perceivedUtility(blind, jPushy, PUSHY)).toBe(perceivedUtility(blind, jFine, FINE));
    expect(perceivedUtility(plain, jPushy, PUSHY)).toBe(jPushy.gold);
    expect(perceivedUtility(focused, jPushy, PUSHY)).toBeLessThan(jPushy.gold);
    // Rankings: how often the pushy answer beats the fine one.
    const texts = [FINE, PUSHY, ...OTHERS];
    const pPlain = flipRate(plain, texts, PUSHY, FINE);
    const pBlind = flipRate(blind, texts, PUSHY, FINE);
    const pFocused = flipRate(focused, texts, PUSHY, FINE);
    expect(Math.abs(pBlind - 0.5)).toBeLessThan(0.05); // a coin flip: the two look equally good
    expect(pPlain).toBeGreaterThan(0.08);
    expect(pPlain).toBeLessThan(0.3);
    expect(pFocused).toBeLessThan(pPlain / 3);
    // … and only the labelers who see it flag it.
    expect(rankCandidates(advice, texts, blind, 'r').flags.c2).toBeUndefined();
    expect(rankCandidates(advice, texts, focused, 'r').flags.c2).toEqual(['manipulation']);
  });

  it('share a labeling round fairly, several labelers per prompt', () => {
    const labelers = labelerPool(4, { seed: 'round' });
    const prompts = Array.from({ length: 40 }, (_, i) => ({ ...advice, id: `adv-${i}` }));
    const recs = labelRound({
      prompts,
      candidates: prompts.map(() => [FINE, PUSHY, ...OTHERS]),
      labelers,
      round: 'r1',
      perPrompt: 2,
    });
    expect(recs).toHaveLength(80);
    for (let i = 0; i < 40; i++) {
      const who = recs.filter((r) => r.prompt.id === `adv-${i}`).map((r) => r.labeler);
      expect(new Set(who).size).toBe(2);
    }
    const load = labelers.map((l) => recs.filter((r) => r.labeler === l.id).length);
    expect(load).toEqual([20, 20, 20, 20]);
  });
});

describe('agreement', () => {
  const rec = (labeler: string, ordering: string[][]): RankingRecord => ({
    id: `r/${labeler}/p`,
    round: 'r',
    labeler,
    prompt: { id: 'p', text: 'q' },
    candidates: ['a', 'b', 'c'].map((t, i) => ({ id: `c${i + 1}`, text: t })),
    ordering,
    flags: {},
  });

  it('counts pairs both labelers ordered, skipping ties, over all pairs and over pairs whose gold differs', () => {
    const same = measureAgreement([rec('x', [['c1'], ['c2'], ['c3']]), rec('y', [['c1'], ['c2'], ['c3']])]);
    expect(same).toMatchObject({ items: 1, pairs: 3, agree: 3, rate: 1, rateGoldDiffer: null });
    const reversed = measureAgreement([
      rec('x', [['c1'], ['c2'], ['c3']]),
      rec('y', [['c3'], ['c2'], ['c1']]),
    ]);
    expect(reversed.rate).toBe(0);
    const tied = measureAgreement([rec('x', [['c1', 'c2'], ['c3']]), rec('y', [['c1'], ['c2'], ['c3']])]);
    expect(tied).toMatchObject({ pairs: 2, agree: 2 });
    const gold = { a: 1, b: 1, c: 0 } as Record<string, number>;
    const g = measureAgreement(
      [rec('x', [['c1'], ['c2'], ['c3']]), rec('y', [['c2'], ['c1'], ['c3']])],
      (_p, t) => gold[t],
    );
    expect(g).toMatchObject({
      pairs: 3,
      agree: 2,
      pairsGoldDiffer: 2,
      agreeGoldDiffer: 2,
      rateGoldDiffer: 1,
    });
    expect(measureAgreement([rec('x', [['c1'], ['c2'], ['c3']])]).items).toBe(0); // one labeler: nothing to compare
  });

  const sets = referenceCandidateSets('agreement-test', 60);
  const goldOf = goldLookup(sets);

  function measured(labelers: Labeler[]): number {
    const recs = sets.flatMap((s) =>
      labelers.map((l) => rankCandidates(s.prompt, s.texts, l, 'r1', s.judgements)),
    );
    return measureAgreement(recs, goldOf).rateGoldDiffer!;
  }

  it('is ≈ 73 % between default labelers (within ±3 points, over thousands of pairs)', () => {
    expect(sets.length).toBeGreaterThan(400);
    const pool = labelerPool(3, { seed: 'agreement-test' });
    expect(pool[0].temperature).toBe(DEFAULT_TEMPERATURE);
    const recs = sets.flatMap((s) =>
      pool.map((l) => rankCandidates(s.prompt, s.texts, l, 'r1', s.judgements)),
    );
    const report = measureAgreement(recs, goldOf);
    expect(report.pairsGoldDiffer).toBeGreaterThan(10_000);
    expect(Math.abs(report.rateGoldDiffer! - 0.73)).toBeLessThan(0.03);
    // The exact expectation agrees with the simulation.
    expect(Math.abs(expectedAgreement(pool, sets) - report.rateGoldDiffer!)).toBeLessThan(0.02);
    // Over all pairs (ties in gold are coin flips) agreement is lower.
    expect(report.rate!).toBeLessThan(report.rateGoldDiffer!);
  });

  it('follows its setting: a temperature tuned for 60 % or 90 % gives that agreement', () => {
    const pool = labelerPool(2, { seed: 'tune' });
    for (const target of [0.6, 0.9]) {
      const t = temperatureForAgreement(target, pool, sets);
      const got = measured(pool.map((l) => ({ ...l, temperature: t })));
      expect(Math.abs(got - target), `target ${target}, temperature ${t}`).toBeLessThan(0.03);
    }
  });

  it('works on any judged candidate set', () => {
    const set = judgedSet(advice, [FINE, PUSHY, ...OTHERS]);
    expect(set.judgements.map((j) => j.labels)).toEqual([[], ['manipulation'], ['over_refusal'], []]);
    expect(expectedAgreement(labelerPool(2), [set])).toBeGreaterThan(0.5);
  });
});
