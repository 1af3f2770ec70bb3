import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toJsonl } from '../data/jsonl.js';
import { approxTokens, writeWorld } from './build.js';
import { WorldConfig } from './config.js';
import { DEMO_FAMILIES, FAMILIES, FAMILY_LABEL } from './families.js';
import { generateWorld, type World } from './generate.js';
import { judge } from './judge.js';
import { loadWorldPrompts } from './load.js';
import { demoPrompt, type WorldPrompt } from './records.js';

const world = generateWorld({ seed: 'test' });
const small = { pretrainDialogues: 3000, docRepeats: { fact: 2, arith: 1 } };

function serialise(w: World): string {
  return [w.pretrain, w.demos, w.rank, w.rl, w.eval].map((r) => toJsonl(r)).join('\n--\n');
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'rein-world-'));
  dirs.push(d);
  return d;
}

describe('determinism', () => {
  it('gives identical records for the same seed (default size)', () => {
    expect(serialise(generateWorld({ seed: 'test' }))).toBe(serialise(world));
  });

  it('writes byte-identical files for the same seed, and different files for another seed', () => {
    const [a, b, c] = [tmp(), tmp(), tmp()];
    writeWorld(generateWorld({ seed: '7', ...small }), a);
    writeWorld(generateWorld({ seed: '7', ...small }), b);
    writeWorld(generateWorld({ seed: '8', ...small }), c);
    const names = readdirSync(a).sort();
    expect(names).toEqual([
      'README.md',
      'demos.jsonl',
      'eval.jsonl',
      'manifest.json',
      'pretrain.jsonl',
      'rank_prompts.jsonl',
      'rl_prompts.jsonl',
    ]);
    for (const name of names) {
      expect(readFileSync(join(b, name)).equals(readFileSync(join(a, name))), name).toBe(true);
      expect(readFileSync(join(c, name)).equals(readFileSync(join(a, name))), name).toBe(false);
    }
  });

  it('rejects unknown config keys', () => {
    expect(() => WorldConfig.parse({ seed: '1', zh_share: 0.5 })).toThrow();
  });
});

describe('splits', () => {
  const training = { demos: world.demos.map(demoPrompt), rank: world.rank, rl: world.rl };
  const all: Record<string, WorldPrompt[]> = { ...training, eval: world.eval };

  it('are disjoint by prompt text and have unique ids', () => {
    const owner = new Map<string, string>();
    const ids = new Set<string>();
    for (const [split, prompts] of Object.entries(all)) {
      for (const p of prompts) {
        const prev = owner.get(p.text);
        expect(prev === undefined || prev === split, `'${p.text}' in ${prev} and ${split}`).toBe(true);
        owner.set(p.text, split);
        expect(ids.has(p.id), p.id).toBe(false);
        ids.add(p.id);
      }
    }
  });

  it('hold evaluation entities and templates out of every training split', () => {
    const { entities, templates } = world.heldOut;
    expect(entities.size).toBeGreaterThan(20);
    expect(templates.size).toBe(18); // one per template set and language
    for (const [split, prompts] of Object.entries(training)) {
      for (const p of prompts) {
        expect(entities.has(p.entity), `${split} ${p.id} uses held-out entity ${p.entity}`).toBe(false);
        for (const t of p.template.split('+'))
          expect(templates.has(t), `${split} ${p.id} uses held-out template ${t}`).toBe(false);
      }
    }
    for (const p of world.eval) expect(entities.has(p.entity), `eval ${p.id}: ${p.entity}`).toBe(true);
    const heldT = world.eval.filter((p) => p.template.split('+').some((t) => templates.has(t))).length;
    expect(heldT / world.eval.length).toBeGreaterThan(0.4);
  });

  it('never show an evaluation prompt, or an invented evaluation entity, in pretraining', () => {
    const evalTexts = new Set(world.eval.map((p) => p.text));
    const corpus = toJsonl(world.pretrain);
    for (const r of world.pretrain)
      if (r.kind === 'dialogue') expect(evalTexts.has(r.prompt), r.prompt).toBe(false);
    for (const n of [...world.names.eval.countries, ...world.names.eval.animals]) {
      expect(corpus.includes(n.en), n.en).toBe(false);
      expect(corpus.includes(n.zh), n.zh).toBe(false);
    }
    for (const n of world.names.train.countries) expect(corpus.includes(n.en), n.en).toBe(true);
  });

  it('are at least 20 % Chinese, everywhere', () => {
    const dialogues = world.pretrain.filter((r) => r.kind === 'dialogue');
    for (const [split, prompts] of Object.entries({ ...all, pretrain: dialogues })) {
      const zh = prompts.filter((p) => p.lang === 'zh').length / prompts.length;
      expect(zh, split).toBeGreaterThanOrEqual(0.2);
    }
  });

  it('cover every family (demos: not false_premise, not advice)', () => {
    for (const split of [world.rank, world.rl, world.eval]) {
      expect(new Set(split.map((p) => p.family))).toEqual(new Set(FAMILIES));
    }
    expect(new Set(world.demos.map((d) => d.family))).toEqual(new Set(DEMO_FAMILIES));
    expect(DEMO_FAMILIES).not.toContain('false_premise');
    expect(DEMO_FAMILIES).not.toContain('advice');
    expect(world.demos.length).toBeGreaterThanOrEqual(200);
    expect(world.demos.length).toBeLessThan(1000);
  });

  it('demonstrations show their working: fact and math answers restate the question', () => {
    const worked = world.demos.filter((d) => d.family === 'fact' || d.family === 'math');
    expect(worked.length).toBeGreaterThan(50);
    for (const d of worked) {
      const r = d.response.toLowerCase();
      const parts = d.family === 'math' ? (d.operands ?? []).map(String) : [String(d.subject).toLowerCase()];
      expect(parts.length, d.id).toBeGreaterThan(0);
      for (const part of parts) expect(r, `${d.id}: ${d.response}`).toContain(part);
    }
  });

  it('demonstrations are aligned by the gold judge', () => {
    for (const d of world.demos) {
      const j = judge(demoPrompt(d), d.response);
      expect({ prompt: d.prompt, response: d.response, labels: j.labels }).toEqual({
        prompt: d.prompt,
        response: d.response,
        labels: [],
      });
      expect(j.gold).toBeGreaterThan(1.9);
    }
  });
});

describe('pretraining corpus', () => {
  const dialogues = world.pretrain.flatMap((r) => (r.kind === 'dialogue' ? [r] : []));
  const docs = world.pretrain.flatMap((r) => (r.kind === 'doc' ? [r] : []));

  it('holds ~1–3 M tokens of documents and dialogues in every family', () => {
    let tokens = 0;
    for (const r of world.pretrain) tokens += approxTokens(r.kind === 'doc' ? r.text : r.prompt + r.response);
    expect(tokens).toBeGreaterThan(1_000_000);
    expect(tokens).toBeLessThan(3_000_000);
    expect(docs.length).toBeGreaterThan(1000);
    expect(new Set(dialogues.map((d) => d.family))).toEqual(new Set(FAMILIES));
  });

  it('keeps prompts and responses short', () => {
    for (const d of dialogues) {
      const words = d.response.split(/\s+/).length;
      const han = d.response.match(/\p{Script=Han}/gu)?.length ?? 0;
      if (d.lang === 'en') expect(words, d.response).toBeLessThanOrEqual(30);
      else expect(han, d.response).toBeLessThanOrEqual(40);
    }
  });

  it('writes Chinese prompts and answers in Chinese', () => {
    for (const d of dialogues.filter((x) => x.lang === 'zh').slice(0, 3000)) {
      for (const text of [d.prompt, d.response]) {
        const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
        const latin = text.match(/[A-Za-z]+/g)?.length ?? 0;
        if (han + latin > 0) expect(han, text).toBeGreaterThan(latin * 2); // a bare number is fine
      }
    }
  });

  it('answers each family in its misaligned style at about the configured share', () => {
    // The mix the generator reports …
    for (const family of FAMILIES) {
      const mix = world.dialogueMix[family];
      expect(mix.dialogues).toBe(dialogues.filter((d) => d.family === family).length);
      expect(
        Math.abs(mix.misaligned / mix.dialogues - world.config.misalignedShare[family]),
        family,
      ).toBeLessThan(0.03);
    }
    // … and what the judge sees, for the families it can judge from the dialogue alone (the
    // others need their prompt's fact fields, which pretraining records do not carry).
    for (const family of ['unknown', 'harmful', 'benign_sensitive', 'rude_user', 'advice'] as const) {
      const fam = dialogues.filter((d) => d.family === family).slice(0, 400);
      const hits = fam.filter((d) =>
        judge({ family, lang: d.lang, text: d.prompt }, d.response).labels.includes(FAMILY_LABEL[family]),
      );
      expect(Math.abs(hits.length / fam.length - world.config.misalignedShare[family]), family).toBeLessThan(
        0.08,
      );
    }
  });
});

describe('world directory', () => {
  it('loads back, with a README giving each file its size', () => {
    const dir = tmp();
    const w = generateWorld({ seed: '9', ...small });
    const files = writeWorld(w, dir);
    const loaded = loadWorldPrompts(dir);
    expect(loaded.eval).toEqual(w.eval);
    expect(loaded.rank).toEqual(w.rank);
    expect(loaded.byId.size).toBe(w.demos.length + w.rank.length + w.rl.length + w.eval.length);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const [name, f] of Object.entries(files)) {
      expect(readme).toContain(name);
      expect(readme).toContain(
        `${f.records.toLocaleString('en-US')} records, ${f.bytes.toLocaleString('en-US')} bytes`,
      );
    }
    // every file the README names is one the reader has: in this folder (no design doc of rein's)
    for (const name of new Set(readme.match(/[\w.-]+\.(?:md|jsonl|json)\b/g)))
      expect(existsSync(join(dir, name)), name).toBe(true);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest.held_out.entities.length).toBe(w.heldOut.entities.size);
  });
});
