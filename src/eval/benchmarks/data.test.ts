import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedDataDir, sharedFile } from '../../tokenizer/shared-data.js';
import {
  benchFile,
  loadHarmBench,
  loadSycophancy,
  loadTruthfulQa,
  loadXsTest,
  loadXsTestCompletions,
} from './data.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-bench-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

describe('benchmark loaders', () => {
  it('TruthfulQA: the choices in file order, the true MC1 index, the MC2 labels', () => {
    const file = write(
      'mc.json',
      JSON.stringify([
        { question: 'Q?', mc1_targets: { a: 0, b: 1, c: 0 }, mc2_targets: { b: 1, d: 1, a: 0 } },
      ]),
    );
    expect(loadTruthfulQa(file)).toEqual([
      {
        question: 'Q?',
        mc1: { answers: ['a', 'b', 'c'], trueIndex: 1 },
        mc2: { answers: ['b', 'd', 'a'], labels: [1, 1, 0] },
      },
    ]);
  });

  it('names the file, item and field of a bad record, and a missing file', () => {
    const ok = { question: 'Q', mc2_targets: { a: 1, b: 0 } };
    const two = write(
      'two.json',
      JSON.stringify([
        { ...ok, mc1_targets: { a: 1, b: 0 } },
        { ...ok, mc1_targets: { a: 1, b: 1 } },
      ]),
    );
    expect(() => loadTruthfulQa(two)).toThrow(
      /two\.json: item 1, field 'mc1_targets': exactly one answer must be marked 1, found 2/,
    );
    const bad = write('bad.json', JSON.stringify([{ ...ok, mc1_targets: { a: 2 } }]));
    expect(() => loadTruthfulQa(bad)).toThrow(/bad\.json: item 0, field 'mc1_targets\.a'/);
    expect(() => loadTruthfulQa(write('nojson.json', '[{'))).toThrow(/nojson\.json: not valid JSON/);
    expect(() => loadTruthfulQa(join(dir, 'absent.json'))).toThrow(/absent\.json: no such file/);
    const ab = write(
      'ab.json',
      JSON.stringify([
        { question: 'x', answer_matching_behavior: '(A)', answer_not_matching_behavior: ' (A)' },
      ]),
    );
    expect(() => loadSycophancy(ab)).toThrow(
      /ab\.json: item 0: answer_matching_behavior and .* are the same/,
    );
  });

  it('leaves out blank TruthfulQA choices (no claim, and no tokens to score), and refuses a blank A/B answer', () => {
    const tqa = write(
      'blank.json',
      JSON.stringify([
        { question: 'Q', mc1_targets: { a: 1, '': 0, c: 0 }, mc2_targets: { a: 1, '': 1, b: 0 } },
        { question: 'R', mc1_targets: { a: 1, b: 0 }, mc2_targets: { ' ': 0, a: 1 } },
      ]),
    );
    expect(() => loadTruthfulQa(tqa)).toThrow(
      /blank\.json: item 1, field 'mc2_targets': needs at least one true \(1\) and one false \(0\) non-blank answer/,
    );
    const ok = write('blank-ok.json', JSON.stringify([JSON.parse(readFileSync(tqa, 'utf8'))[0]]));
    expect(loadTruthfulQa(ok)).toEqual([
      {
        question: 'Q',
        mc1: { answers: ['a', 'c'], trueIndex: 0 },
        mc2: { answers: ['a', 'b'], labels: [1, 0] },
        blankChoices: 2,
      },
    ]);
    const ab = write(
      'blank-ab.json',
      JSON.stringify([{ question: 'x', answer_matching_behavior: '(A)', answer_not_matching_behavior: ' ' }]),
    );
    expect(() => loadSycophancy(ab)).toThrow(/blank-ab\.json: item 0, field 'answer_not_matching_behavior'/);
  });

  it('XSTest and HarmBench from CSV: labels checked, a context put before its request', () => {
    const xs = write(
      'xs.csv',
      'id,prompt,type,label,focus,note\n1,"Kill a process, how?",homonyms,safe,kill,\n2,x,t,maybe,,\n',
    );
    expect(() => loadXsTest(xs)).toThrow(/xs\.csv:3: field 'label': 'maybe' is not one of safe, unsafe/);
    const hb = write(
      'hb.csv',
      'Behavior,FunctionalCategory,SemanticCategory,Tags,ContextString,BehaviorID\n' +
        'Do X,standard,illegal,,,x\n"Summarise, then do Y",contextual,harmful,context,"Some\ncontext",y\n',
    );
    expect(loadHarmBench(hb)).toEqual([
      { id: 'x', category: 'standard', semanticCategory: 'illegal', prompt: 'Do X' },
      {
        id: 'y',
        category: 'contextual',
        semanticCategory: 'harmful',
        prompt: 'Some\ncontext\n\n---\n\nSummarise, then do Y',
      },
    ]);
  });
});

const present = sharedFile('truthfulqa', 'mc_task.json') !== null;
describe.skipIf(!present)(
  `the shared benchmark files${present ? '' : ' — skipped: shared data folder absent (../shared/data or REIN_SHARED_DATA)'}`,
  () => {
    const data = sharedDataDir();
    it('load whole, with the sizes their projects publish', () => {
      const tqa = loadTruthfulQa(benchFile(data, 'truthfulqa'));
      expect(tqa).toHaveLength(790);
      // the published file's 39 empty choices (26 questions) are left out; none is a question's only true one
      expect(tqa.reduce((n, it) => n + (it.blankChoices ?? 0), 0)).toBe(39);
      for (const it of tqa)
        expect([...it.mc1.answers, ...it.mc2.answers].every((a) => a.trim() !== '')).toBe(true);
      expect(tqa[0].mc1.answers[tqa[0].mc1.trueIndex]).toBe(
        'The watermelon seeds pass through your digestive system',
      );
      expect(loadSycophancy(benchFile(data, 'sycophancy'))).toHaveLength(50);
      const xs = loadXsTest(benchFile(data, 'xstest'));
      expect(xs.filter((p) => p.label === 'safe')).toHaveLength(250);
      expect(xs.filter((p) => p.label === 'unsafe')).toHaveLength(200);
      expect(loadXsTestCompletions(benchFile(data, 'xstestCompletions'))).toHaveLength(450);
      const hb = loadHarmBench(benchFile(data, 'harmbench'));
      expect(hb).toHaveLength(80);
      expect(hb.filter((b) => b.category === 'contextual')).toHaveLength(19);
      expect(hb.find((b) => b.category === 'contextual')?.prompt).toContain('\n\n---\n\n');
    });
  },
);

describe('benchFile', () => {
  it('lays the files out as the projects publish them', () => {
    expect(benchFile('/d', 'xstest')).toBe('/d/xstest/xstest_prompts.csv');
  });
});
