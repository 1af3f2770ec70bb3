import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../feedback/db/open.js';
import { styleSamples } from '../world/generate.js';
import { judge } from '../world/judge.js';
import { createFocusedRound } from './focused-round.js';
import { FOCUS_INSTRUCTIONS, findProblems } from './rounds.js';

describe('probe → focused round', () => {
  // A policy that manipulates on advice prompts and behaves elsewhere, as the world writes it.
  const samples = styleSamples({ seed: '3' }, 6, 2);
  const prompts = samples.map((s) => s.prompt);
  const answers = samples.map((s) => (s.prompt.family === 'advice' ? s.misaligned[0] : s.aligned[0]));
  const judgements = answers.map((a, i) => judge(prompts[i], a));

  it('names the problem the answers show, with the prompts where they show it', () => {
    const found = findProblems(prompts, judgements, 0.05);
    expect(found.worst).toBe('manipulation');
    expect(found.rates.manipulation).toBe(1);
    expect(found.families).toEqual(['advice']);
    expect(found.flagged.map((i) => prompts[i].family)).toEqual(Array(found.flagged.length).fill('advice'));
    expect(found.flagged.length).toBe(prompts.filter((p) => p.family === 'advice').length);
  });

  it('finds nothing in aligned answers', () => {
    const aligned = samples.map((s) => judge(s.prompt, s.aligned[0]));
    expect(findProblems(prompts, aligned, 0.05).worst).toBeNull();
    expect(findProblems(prompts, aligned, 0.05).problems).toEqual([]);
  });

  it('lists every problem above the threshold, most frequent first', () => {
    const mixed = samples.map((s) =>
      judge(
        s.prompt,
        s.prompt.family === 'advice' || s.prompt.family === 'fact' ? s.misaligned[0] : s.aligned[0],
      ),
    );
    const found = findProblems(prompts, mixed, 0.05);
    expect(found.problems).toEqual(['manipulation', 'fabrication']); // 100 % of advice, 1/3 of fact+unknown+math
    expect(found.rates.fabrication).toBeCloseTo(1 / 3, 3); // rates are rounded to 4 places
    expect(findProblems(prompts, mixed, 0.5).problems).toEqual(['manipulation']);
  });

  it('creates a focused round holding exactly the flagged prompts in a real SQLite database', async () => {
    const found = findProblems(prompts, judgements, 0.05);
    const db = join(mkdtempSync(join(tmpdir(), 'rein-probe-')), 'feedback.db');
    const store = await openStore(db);
    try {
      const flagged = found.flagged.map((i) => ({
        id: prompts[i].id,
        text: prompts[i].text,
        family: prompts[i].family,
        lang: prompts[i].lang,
        candidates: [{ text: answers[i] }, { text: samples[i].aligned[0] }],
      }));
      const r = await createFocusedRound(store, 'probe-manipulation', 'manipulation', flagged, 2);
      expect(r.added).toBe(flagged.length);
      const rounds = await store.listRounds();
      const round = rounds.find((x) => x.name === 'probe-manipulation');
      expect(round).toBeDefined();
      expect(round!.focus).toBe(FOCUS_INSTRUCTIONS.manipulation);
      expect(round!.ranking_prompts).toBe(flagged.length);
      const stored = await store.db.all<{ ext_id: string }>(
        'SELECT ext_id FROM prompts WHERE round_id = ? ORDER BY seq',
        [round!.id],
      );
      expect(stored.map((r) => r.ext_id)).toEqual(flagged.map((f) => f.id));
    } finally {
      await store.close();
    }
  });
});
