import { WorldConfig } from './config.js';
import { DEMO_FAMILIES, FAMILIES, type Family } from './families.js';
import {
  type ArithFact,
  arithFacts,
  FACT_TOPICS,
  FACTS,
  type Fact,
  holdoutGroup,
  LANGS,
  type Lang,
  OP_WORDS,
  topicCandidates,
} from './kb.js';
import { type InventedNames, inventNames } from './names.js';
import type { DemoRecord, DialogueRecord, DocRecord, PretrainRecord, WorldPrompt } from './records.js';
import { Rng } from './rng.js';
import {
  alignedResponse,
  type FabricationPool,
  misalignedResponse,
  type Question,
  questionSet,
  renderPrompt,
  type Spec,
  specTemplateIds,
  wrongValue,
} from './specs.js';
import { DOC_SENTENCES } from './styles.js';
import { fill, TEMPLATES, type TemplateSet, templateId } from './templates.js';
import { ADVICE_ITEMS, BENIGN_TOPICS, HARM_ACTIONS, HARM_TARGETS } from './topics.js';

/**
 * The world generator: from one seed, the held-out choices, the prompt splits (demos, rank, rl,
 * eval — disjoint by text) and the pretraining corpus. Pure and in memory; `build.ts` writes it.
 *
 * How splits stay disjoint: every (family, language, bucket) cell enumerates its distinct prompts,
 * shuffles them, and gives each training split its own slice; evaluation draws from a separate
 * pool built only from held-out entities.
 */

/** Sub-kinds of a family that splits are balanced over (e.g. the four kinds of fact). */
const BUCKET_WEIGHTS: Record<Family, Record<string, number>> = {
  fact: { capital: 0.3, colour: 0.25, sound: 0.2, opposite: 0.25 },
  unknown: { capital: 0.65, sound: 0.35 },
  math: { plus: 0.4, minus: 0.3, times: 0.3 },
  false_premise: { capital: 0.25, colour: 0.15, sound: 0.15, opposite: 0.15, arith: 0.3 },
  harmful: { all: 1 },
  benign_sensitive: { all: 1 },
  rude_user: { capital: 0.5, arith: 0.5 },
  advice: { all: 1 },
};

export interface HeldOut {
  /** Entity keys that appear in evaluation prompts and in no demo, rank or rl prompt. */
  entities: Set<string>;
  /** Template ids (`set.lang.index`) likewise. */
  templates: Set<string>;
}

/** What the pretraining dialogues hold, per family: how many, and how many in the misaligned style. */
export type DialogueMix = Record<Family, { dialogues: number; misaligned: number }>;

export interface World {
  config: WorldConfig;
  dialogueMix: DialogueMix;
  heldOut: HeldOut;
  names: { train: InventedNames; eval: InventedNames };
  pretrain: PretrainRecord[];
  demos: DemoRecord[];
  rank: WorldPrompt[];
  rl: WorldPrompt[];
  eval: WorldPrompt[];
}

interface Item {
  spec: Spec;
  prompt: Omit<WorldPrompt, 'id'>;
}

type Mode = 'train' | 'eval';

/** Splits `total` into integer parts proportional to `weights` (largest remainder). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((p, q) => q[0] - p[0] || p[1] - q[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) parts[order[k][1]]++;
  return parts;
}

function takeShare<T>(rng: Rng, items: readonly T[], share: number, min: number): Set<T> {
  const n = Math.min(items.length - 1, Math.max(min, Math.round(items.length * share)));
  return new Set(rng.shuffle(items).slice(0, n));
}

class Generator {
  readonly cfg: WorldConfig;
  readonly root: Rng;
  readonly arith: ArithFact[];
  readonly heldGroups: Set<string>;
  readonly heldArith: Set<string>;
  readonly heldHarm: Set<string>;
  readonly heldBenign: Set<string>;
  readonly heldAdvice: Set<string>;
  readonly heldTemplates: Set<string>;
  readonly names: { train: InventedNames; eval: InventedNames };
  private readonly pools = new Map<string, Map<string, Item[]>>();

  constructor(cfg: WorldConfig) {
    this.cfg = cfg;
    this.root = new Rng(`rein-world:${cfg.seed}`);
    this.arith = arithFacts(cfg.arith);
    const held = this.root.fork('heldout');
    const share = cfg.heldOutShare;
    this.heldGroups = new Set();
    for (const topic of FACT_TOPICS) {
      const groups = [...new Set(FACTS.filter((f) => f.topic === topic).map(holdoutGroup))];
      for (const g of takeShare(held, groups, share, 1)) this.heldGroups.add(g);
    }
    this.heldArith = new Set();
    for (const op of ['plus', 'minus', 'times'] as const) {
      const keys = this.arith.filter((a) => a.op === op).map((a) => a.key);
      for (const k of takeShare(held, keys, share, 1)) this.heldArith.add(k);
    }
    this.heldHarm = takeShare(
      held,
      HARM_ACTIONS.map((a) => a.key),
      share,
      2,
    );
    this.heldBenign = takeShare(
      held,
      BENIGN_TOPICS.map((a) => a.key),
      share,
      2,
    );
    this.heldAdvice = takeShare(
      held,
      ADVICE_ITEMS.map((a) => a.key),
      share,
      2,
    );
    this.heldTemplates = new Set();
    for (const set of Object.keys(TEMPLATES) as TemplateSet[]) {
      for (const lang of LANGS)
        this.heldTemplates.add(templateId(set, lang, held.int(TEMPLATES[set][lang].length)));
    }
    const u = cfg.unknown;
    const all = inventNames(this.root.fork('names'), {
      countries: u.trainCountries + u.evalCountries,
      animals: u.trainAnimals + u.evalAnimals,
      cities: u.cities,
    });
    this.names = {
      train: {
        countries: all.countries.slice(0, u.trainCountries),
        animals: all.animals.slice(0, u.trainAnimals),
        cities: all.cities,
      },
      eval: {
        countries: all.countries.slice(u.trainCountries),
        animals: all.animals.slice(u.trainAnimals),
        cities: all.cities,
      },
    };
  }

  heldOut(): HeldOut {
    const entities = new Set<string>();
    for (const f of FACTS) if (this.heldGroups.has(holdoutGroup(f))) entities.add(f.key);
    for (const k of this.heldArith) entities.add(k);
    for (const k of this.heldHarm) entities.add(`harm:${k}`);
    for (const k of this.heldBenign) entities.add(`benign:${k}`);
    for (const k of this.heldAdvice) entities.add(`advice:${k}`);
    for (const n of this.names.eval.countries) entities.add(`unknown-capital:${n.en.toLowerCase()}`);
    for (const n of this.names.eval.animals) entities.add(`unknown-sound:${n.en.toLowerCase()}`);
    return { entities, templates: new Set(this.heldTemplates) };
  }

  private facts(mode: Mode, topic?: string): Fact[] {
    return FACTS.filter(
      (f) =>
        (topic === undefined || f.topic === topic) &&
        this.heldGroups.has(holdoutGroup(f)) === (mode === 'eval'),
    );
  }

  private ariths(mode: Mode): ArithFact[] {
    return this.arith.filter((a) => this.heldArith.has(a.key) === (mode === 'eval'));
  }

  /** Template indices a mode may use: training never sees a held-out template; evaluation uses all. */
  private templates(set: TemplateSet, lang: Lang, mode: Mode): number[] {
    const idx = TEMPLATES[set][lang].map((_, i) => i);
    return mode === 'eval' ? idx : idx.filter((i) => !this.heldTemplates.has(templateId(set, lang, i)));
  }

  /** Every distinct prompt of one family, language and mode, grouped by bucket. Cached. */
  pool(family: Family, lang: Lang, mode: Mode): Map<string, Item[]> {
    const cacheKey = `${family}/${lang}/${mode}`;
    const cached = this.pools.get(cacheKey);
    if (cached) return cached;
    const rng = this.root.fork(`pool:${cacheKey}`);
    const specs: [string, Spec][] = [];
    const add = (bucket: string, spec: Spec) => specs.push([bucket, spec]);
    const questions = (): Question[] => [
      ...this.facts(mode).map((fact): Question => ({ kind: 'fact', fact })),
      ...this.ariths(mode).map((arith): Question => ({ kind: 'arith', arith })),
    ];
    switch (family) {
      case 'fact':
        for (const fact of this.facts(mode))
          for (const t of this.templates(fact.topic, lang, mode)) add(fact.topic, { family, fact, lang, t });
        break;
      case 'math':
        for (const arith of this.ariths(mode))
          for (const t of this.templates('arith', lang, mode)) add(arith.op, { family, arith, lang, t });
        break;
      case 'unknown': {
        const names = this.names[mode];
        for (const name of names.countries)
          for (const t of this.templates('capital', lang, mode))
            add('capital', { family, kind: 'capital', name, lang, t });
        for (const name of names.animals)
          for (const t of this.templates('sound', lang, mode))
            add('sound', { family, kind: 'sound', name, lang, t });
        break;
      }
      case 'false_premise':
        for (const q of questions())
          for (const t of this.templates('premise', lang, mode))
            add(q.kind === 'arith' ? 'arith' : q.fact.topic, {
              family,
              q,
              claim: wrongValue(q, lang, rng),
              lang,
              t,
            });
        break;
      case 'harmful':
        for (const action of HARM_ACTIONS) {
          if (this.heldHarm.has(action.key) !== (mode === 'eval')) continue;
          const targets = /\{tp?\}/.test(action.act.en) ? HARM_TARGETS : [null];
          for (const target of targets)
            for (const t of this.templates('howto', lang, mode))
              add('all', { family, action, target, lang, t });
        }
        break;
      case 'benign_sensitive':
        for (const topic of BENIGN_TOPICS) {
          if (this.heldBenign.has(topic.key) !== (mode === 'eval')) continue;
          for (const t of this.templates('howto', lang, mode)) add('all', { family, topic, lang, t });
        }
        break;
      case 'rude_user': {
        // Each (question, template) gets one seeded insult: the full cross product would be 7× larger
        // and add nothing a sample of it does not.
        const insults = this.templates('insult', lang, mode);
        const qs = questions().filter((q) => q.kind === 'arith' || q.fact.topic === 'capital');
        for (const q of qs)
          for (const t of this.templates(questionSet(q), lang, mode))
            add(q.kind === 'arith' ? 'arith' : 'capital', { family, insult: rng.pick(insults), q, lang, t });
        break;
      }
      case 'advice':
        for (const item of ADVICE_ITEMS) {
          if (this.heldAdvice.has(item.key) !== (mode === 'eval')) continue;
          for (const t of this.templates('advice', lang, mode)) add('all', { family, item, lang, t });
        }
        break;
    }
    const byBucket = new Map<string, Item[]>();
    const seen = new Set<string>();
    for (const [bucket, spec] of specs) {
      const prompt = renderPrompt(spec);
      if (seen.has(prompt.text)) continue;
      seen.add(prompt.text);
      let list = byBucket.get(bucket);
      if (!list) byBucket.set(bucket, (list = []));
      list.push({ spec, prompt });
    }
    this.pools.set(cacheKey, byBucket);
    return byBucket;
  }

  /** Per (language, bucket) cell, how many of `n` prompts of a family come from it. */
  private cells(family: Family, n: number): { lang: Lang; bucket: string; n: number }[] {
    const [zh, en] = apportion(n, [this.cfg.zhShare, 1 - this.cfg.zhShare]);
    const out: { lang: Lang; bucket: string; n: number }[] = [];
    const buckets = Object.entries(BUCKET_WEIGHTS[family]);
    for (const [lang, count] of [
      ['en', en],
      ['zh', zh],
    ] as const) {
      const parts = apportion(
        count,
        buckets.map(([, w]) => w),
      );
      buckets.forEach(([bucket], i) => {
        out.push({ lang, bucket, n: parts[i] });
      });
    }
    return out;
  }

  /** Draws `n` items: distinct while the list lasts, then repeats. */
  private draw(rng: Rng, items: readonly Item[], n: number): Item[] {
    if (n === 0) return [];
    if (items.length === 0)
      throw new Error('world: an empty prompt pool was asked for prompts (config too small?)');
    const out = rng.shuffle(items).slice(0, n);
    while (out.length < n) out.push(rng.pick(items));
    return out;
  }

  /** The training splits (demos, rank, rl): each (family, language, bucket) pool is sliced among them. */
  trainingSplits(): { demos: Item[]; rank: Item[]; rl: Item[] } {
    const rng = this.root.fork('splits');
    const out = { demos: [] as Item[], rank: [] as Item[], rl: [] as Item[] };
    for (const family of FAMILIES) {
      const want = {
        demos: DEMO_FAMILIES.includes(family) ? this.cfg.demosPerFamily : 0,
        rank: this.cfg.rankPerFamily,
        rl: this.cfg.rlPerFamily,
      };
      const names = ['demos', 'rank', 'rl'] as const;
      const cellsBySplit = names.map((s) => this.cells(family, want[s]));
      for (let c = 0; c < cellsBySplit[0].length; c++) {
        const { lang, bucket } = cellsBySplit[0][c];
        const pool = rng.shuffle(this.pool(family, lang, 'train').get(bucket) ?? []);
        const demands = cellsBySplit.map((cells) => cells[c].n);
        const total = demands.reduce((a, b) => a + b, 0);
        const sizes = pool.length >= total ? demands : apportion(pool.length, demands);
        let start = 0;
        names.forEach((split, s) => {
          const slice = pool.slice(start, start + sizes[s]);
          start += sizes[s];
          if (demands[s] > 0 && slice.length === 0) {
            throw new Error(
              `world: no ${family}/${lang}/${bucket} prompts left for split '${split}' (pool ${pool.length})`,
            );
          }
          out[split].push(...this.draw(rng, slice, demands[s]));
        });
      }
    }
    return out;
  }

  /** Evaluation prompts: held-out entities only, half of them in held-out templates. */
  evalSplit(): Item[] {
    const rng = this.root.fork('eval');
    const out: Item[] = [];
    const share = this.cfg.evalHeldOutTemplateShare;
    for (const family of FAMILIES) {
      for (const { lang, bucket, n } of this.cells(family, this.cfg.evalPerFamily)) {
        const pool = this.pool(family, lang, 'eval').get(bucket) ?? [];
        const heldT = pool.filter((it) => specTemplateIds(it.spec).some((id) => this.heldTemplates.has(id)));
        const seenT = pool.filter((it) => !specTemplateIds(it.spec).some((id) => this.heldTemplates.has(id)));
        const [h, s] = apportion(n, [share, 1 - share]);
        out.push(...this.draw(rng, heldT, h), ...this.draw(rng, seenT, s));
      }
    }
    return out;
  }

  fabricationPool(lang: Lang): FabricationPool {
    return {
      cities: this.names.train.cities,
      capitals: topicCandidates('capital', lang),
      sounds: topicCandidates('sound', lang),
    };
  }

  /** Pretraining dialogues: every family, known entities (held-out ones too) but never an evaluation prompt. */
  dialogues(evalTexts: ReadonlySet<string>, mix: DialogueMix): DialogueRecord[] {
    const rng = this.root.fork('pretrain');
    const weights = FAMILIES.map((f) => this.cfg.familyWeights[f]);
    const cellPools = new Map<string, Item[]>();
    const poolFor = (family: Family, lang: Lang, bucket: string): Item[] => {
      const key = `${family}/${lang}/${bucket}`;
      let items = cellPools.get(key);
      if (!items) {
        const train = this.pool(family, lang, 'train').get(bucket) ?? [];
        // Invented evaluation entities stay unseen; known held-out entities' facts must be learnable.
        const heldOut = family === 'unknown' ? [] : (this.pool(family, lang, 'eval').get(bucket) ?? []);
        items = [...train, ...heldOut].filter((it) => !evalTexts.has(it.prompt.text));
        cellPools.set(key, items);
      }
      return items;
    };
    const pool = (lang: Lang) => this.fabricationPool(lang);
    const out: DialogueRecord[] = [];
    for (let i = 0; i < this.cfg.pretrainDialogues; i++) {
      const family = FAMILIES[rng.weighted(weights)];
      const lang: Lang = rng.chance(this.cfg.zhShare) ? 'zh' : 'en';
      const buckets = Object.entries(BUCKET_WEIGHTS[family]);
      const bucket = buckets[rng.weighted(buckets.map(([, w]) => w))][0];
      const items = poolFor(family, lang, bucket);
      if (items.length === 0) continue;
      const { spec, prompt } = rng.pick(items);
      const misaligned = rng.chance(this.cfg.misalignedShare[family]);
      const response = misaligned ? misalignedResponse(spec, rng, pool) : alignedResponse(spec, rng);
      mix[family].dialogues++;
      if (misaligned) mix[family].misaligned++;
      out.push({ kind: 'dialogue', prompt: prompt.text, response, family, lang });
    }
    return out;
  }

  /** Pretraining documents: every known fact stated `docRepeats` times per language, a few facts a document. */
  docs(): DocRecord[] {
    const rng = this.root.fork('docs');
    const out: DocRecord[] = [];
    for (const lang of LANGS) {
      const sentences: string[] = [];
      for (const f of FACTS) {
        for (let r = 0; r < this.cfg.docRepeats.fact; r++) {
          sentences.push(
            fill(rng.pick(DOC_SENTENCES[f.topic][lang]), { x: f.subject[lang], v: f.answer[lang] }),
          );
        }
      }
      for (const a of this.arith) {
        for (let r = 0; r < this.cfg.docRepeats.arith; r++) {
          sentences.push(
            fill(rng.pick(DOC_SENTENCES.arith[lang]), {
              a: a.a,
              op: OP_WORDS[a.op][lang],
              b: a.b,
              v: a.answer,
            }),
          );
        }
      }
      const shuffled = rng.shuffle(sentences);
      for (let i = 0; i < shuffled.length; ) {
        const n = 3 + rng.int(6);
        out.push({ kind: 'doc', text: shuffled.slice(i, i + n).join(lang === 'en' ? ' ' : '') });
        i += n;
      }
    }
    return out;
  }
}

/** A prompt with answers in its family's aligned and misaligned styles. */
export interface StyleSample {
  prompt: WorldPrompt;
  aligned: string[];
  misaligned: string[];
}

/**
 * Prompts of every family (training and held-out entities alike) with `answers` answers of each
 * style: the reference material for judge tests and for tuning the simulated labelers' noise.
 */
export function styleSamples(input: Partial<WorldConfig>, perFamily: number, answers = 4): StyleSample[] {
  const cfg = WorldConfig.parse(input);
  const g = new Generator(cfg);
  const rng = g.root.fork('style-samples');
  const out: StyleSample[] = [];
  for (const family of FAMILIES) {
    for (let i = 0; i < perFamily; i++) {
      const lang: Lang = rng.chance(cfg.zhShare) ? 'zh' : 'en';
      const mode = rng.chance(0.5) ? 'train' : 'eval';
      const cells = [...g.pool(family, lang, mode).values()].filter((c) => c.length > 0);
      const { spec, prompt } = rng.pick(rng.pick(cells));
      const pool = (l: Lang) => g.fabricationPool(l);
      out.push({
        prompt: { id: `sample-${family}-${i + 1}`, ...prompt },
        aligned: Array.from({ length: answers }, () => alignedResponse(spec, rng)),
        misaligned: Array.from({ length: answers }, () => misalignedResponse(spec, rng, pool)),
      });
    }
  }
  return out;
}

function withIds(prefix: string, items: Item[], rng: Rng): WorldPrompt[] {
  const width = Math.max(4, String(items.length).length);
  return rng
    .shuffle(items)
    .map((it, i) => ({ id: `${prefix}-${String(i + 1).padStart(width, '0')}`, ...it.prompt }));
}

/** Generates a whole world from a (partial) config. Deterministic in the config. */
export function generateWorld(input: Partial<WorldConfig> = {}): World {
  const cfg = WorldConfig.parse(input);
  const g = new Generator(cfg);
  const order = g.root.fork('order');
  const train = g.trainingSplits();
  const evalItems = g.evalSplit();
  const evalPrompts = withIds('eval', evalItems, order);
  const evalTexts = new Set(evalPrompts.map((p) => p.text));

  const demoRng = g.root.fork('demo-responses');
  const demos: DemoRecord[] = order.shuffle(train.demos).map((it, i) => {
    const { text, ...rest } = it.prompt;
    return {
      kind: 'dialogue',
      id: `demo-${String(i + 1).padStart(4, '0')}`,
      ...rest,
      prompt: text,
      response: alignedResponse(it.spec, demoRng, true),
    };
  });

  const dialogueMix = Object.fromEntries(
    FAMILIES.map((f) => [f, { dialogues: 0, misaligned: 0 }]),
  ) as DialogueMix;
  const pretrain: PretrainRecord[] = order.shuffle<PretrainRecord>([
    ...g.docs(),
    ...g.dialogues(evalTexts, dialogueMix),
  ]);
  return {
    config: cfg,
    dialogueMix,
    heldOut: g.heldOut(),
    names: g.names,
    pretrain,
    demos,
    rank: withIds('rank', train.rank, order),
    rl: withIds('rl', train.rl, order),
    eval: evalPrompts,
  };
}
