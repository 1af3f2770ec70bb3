/**
 * Thumbs up and down from the feedback app to KTO, through the commands a user runs: rating prompts
 * loaded with `rein feedback add-candidates`, rated, exported with `--format unpaired` beside a
 * ranking (unpaired as rein kto unpairs one), imported back, and trained on by `rein kto` at toy
 * sizes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { BinaryFeedbackRecord } from '../data/binary-feedback.js';
import { openStore } from '../feedback/db/open.js';
import type { RatingRecord } from '../feedback/db/types.js';
import { loadModel, saveCheckpoint } from '../model/checkpoint.js';
import { NUMBER_WORDS, tinyModel, toyTokenizer } from '../train/test-helpers/fixtures.js';
import { run as feedback } from './feedback.js';
import { run as kto } from './kto.js';
import { capture } from './test-helpers/capture.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-cli-unpaired-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());
const f = (name: string) => join(dir, name);
const jsonl = (rows: unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('');
const records = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => BinaryFeedbackRecord.parse(JSON.parse(l)));

describe('rein feedback export --format unpaired → rein kto', () => {
  it('exports ratings and unpaired rankings as TRL records that import back and train KTO', async () => {
    const db = f('feedback.db');
    const words = NUMBER_WORDS.slice(0, 8);
    // one answer per prompt: a rating task each; even prompts get a nice answer, odd a rude one
    const answer = (x: string, i: number) => `${i % 2 ? 'rude' : 'nice'} , it is ${x} .`;
    writeFileSync(
      f('rate.jsonl'),
      jsonl(
        words.map((x, i) => ({
          prompt: { id: `q${i}`, text: `what is ${x} ?` },
          candidates: [answer(x, i)],
        })),
      ),
    );
    await capture(feedback, [
      'round',
      'create',
      '--db',
      db,
      '--name',
      'thumbs',
      '--labelers-per-prompt',
      '2',
    ]);
    expect(
      await capture(feedback, ['add-candidates', '--db', db, '--round', 'thumbs', '--from', f('rate.jsonl')]),
    ).toEqual(["added 8 prompts to round 'thumbs' (0 already there)"]);
    const store = await openStore(db);
    try {
      // two labelers rate every answer; they disagree on q1 only
      for (const name of ['ann', 'bob']) {
        const me = await store.addLabeler({ name, role: 'labeler', tokenHash: `h-${name}` });
        for (let t = await store.nextTask(me.id, 'rating'); t; t = await store.nextTask(me.id, 'rating')) {
          const nice = t.candidates[0].text.startsWith('nice');
          await store.submitRating({
            labelerId: me.id,
            assignmentId: t.assignment_id,
            submissionId: `${name}-${t.prompt.id}`,
            label: name === 'bob' && t.prompt.id === 'q1' ? true : nice,
            flags: nice ? [] : ['toxic'],
          });
        }
      }
      // and a ranking, unpaired into its best answer (desirable) and its worst (undesirable)
      await store.importRankings('thumbs', [
        {
          id: 'rank-1',
          round: 'thumbs',
          labeler: 'sim',
          prompt: { id: 'k1', text: 'what is nine ?' },
          candidates: [
            { id: 'p', text: 'it is nine .' },
            { id: 'r', text: 'rude , it is nine .' },
            { id: 'n', text: 'nice , it is nine .' },
          ],
          ordering: [['n'], ['p'], ['r']],
          flags: {},
        },
      ]);
    } finally {
      await store.close();
    }
    expect((await capture(feedback, ['round', 'list', '--db', db]))[0]).toMatch(
      /^thumbs\t1 ranking \+ 8 rating \+ 0 demonstration prompts × 2\t1 rankings, 16 ratings/,
    );

    const out = f('unpaired.jsonl');
    expect(await capture(feedback, ['export', '--db', db, '--format', 'unpaired', '--out', out])).toEqual([
      `wrote 18 records (unpaired) to ${out}`,
    ]);
    const exported = records(out);
    const ratingsOf = (x: string) => exported.filter((r) => r.prompt === `what is ${x} ?`);
    // one record per rating: both labelers' thumbs, disagreement kept
    expect(ratingsOf('zero')).toEqual([
      { prompt: 'what is zero ?', completion: 'nice , it is zero .', label: true },
      { prompt: 'what is zero ?', completion: 'nice , it is zero .', label: true },
    ]);
    expect(
      ratingsOf('one')
        .map((r) => r.label)
        .sort(),
    ).toEqual([false, true]);
    expect(exported.slice(-2)).toEqual([
      // in the ranking's candidate order; the middle answer is neither
      { prompt: 'what is nine ?', completion: 'rude , it is nine .', label: false },
      { prompt: 'what is nine ?', completion: 'nice , it is nine .', label: true },
    ]);
    // 4 nice answers × 2 labelers, bob's thumb up on q1, the ranking's best
    expect(exported.filter((r) => r.label)).toHaveLength(10);

    // the rating records keep what the unpaired format drops: the rater, the flags
    const full = f('ratings.jsonl');
    await capture(feedback, [
      'export',
      '--db',
      db,
      '--format',
      'ratings',
      '--round',
      'thumbs',
      '--out',
      full,
    ]);
    const rated = readFileSync(full, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RatingRecord);
    expect(rated).toHaveLength(16);
    const bobOnOne = rated.find((r) => r.labeler === 'bob' && r.prompt.id === 'q1')!;
    expect(bobOnOne).toMatchObject({
      round: 'thumbs',
      prompt: { id: 'q1', text: 'what is one ?' },
      candidate: { text: 'rude , it is one .' },
      label: true,
      flags: ['toxic'],
    });
    expect(rated.filter((r) => r.flags.includes('toxic'))).toHaveLength(8);
    expect(new Set(rated.map((r) => r.labeler))).toEqual(new Set(['ann', 'bob']));

    // importing the export into another round gives the same records back, once
    const imp = ['import', '--db', db, '--round', 'back', '--format', 'unpaired', '--from', out];
    expect((await capture(feedback, imp)).at(-1)).toBe(
      "imported 18 ratings by 'unpaired' (0 already there, 18 new prompts) into 'back'",
    );
    expect((await capture(feedback, imp)).at(-1)).toMatch(
      /^imported 0 ratings by 'unpaired' \(18 already there/,
    );
    await capture(feedback, [
      'export',
      '--db',
      db,
      '--format',
      'unpaired',
      '--round',
      'back',
      '--out',
      f('back.jsonl'),
    ]);
    expect(records(f('back.jsonl'))).toEqual(exported);
    await expect(capture(feedback, [...imp, '--format', 'hh', '--source', 'x'])).rejects.toThrow(
      /--source names who judged pairs or unpaired records only/,
    );

    // rein kto reads the export as it is
    const tok = toyTokenizer();
    saveCheckpoint(f('base'), tinyModel(tok.vocabSize, 1), tok);
    const trained = await capture(kto, [
      ...['--data', out, '--model', f('base'), '--out', f('kto')],
      ...['--epochs', '2', '--batchSize', '4', '--lr', '3e-3', '--maxLength', '32', '--heldoutFraction', '0'],
    ]);
    expect(trained.at(-1)).toMatch(/^kto: \d+ steps on 18 answers; train margin -?\d/);
    const log = readFileSync(join(f('kto'), 'log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.length).toBeGreaterThan(0);
    expect(Number.isFinite(log.at(-1).loss)).toBe(true);
    expect(JSON.parse(readFileSync(join(f('kto'), 'train-config.json'), 'utf8')).data).toBe(out);
    expect(existsSync(f('kto')) && loadModel(f('kto')).meta.method).toBe('kto');
  });
});
