import type { Family } from './families.js';
import {
  type ArithFact,
  answerForms,
  type Bi,
  type Fact,
  type Lang,
  OP_WORDS,
  topicCandidates,
} from './kb.js';
import { withArticle } from './names.js';
import type { WorldPrompt } from './records.js';
import type { Rng } from './rng.js';
import {
  ADVICE_STYLES,
  ANSWER_SENTENCES,
  type AnswerTopic,
  BENIGN_STYLES,
  CLAIMS,
  CONFIDENT_WRONG,
  HARMFUL_STYLES,
  PREMISE_STYLES,
  RUDE_STYLES,
  UNKNOWN_STYLES,
} from './styles.js';
import { fill, TEMPLATES, type TemplateSet, templateId } from './templates.js';
import type { AdviceItem, BenignTopic, HarmAction, HarmTarget } from './topics.js';

/**
 * A prompt spec: the structured choice behind one prompt (which fact, which template, which
 * language, …). `renderPrompt` turns it into a prompt record; `alignedResponse` and
 * `misalignedResponse` write answers to it in the family's styles.
 */
export type Question = { kind: 'fact'; fact: Fact } | { kind: 'arith'; arith: ArithFact };

interface Base {
  lang: Lang;
  /** Index into the template set's list for this language. */
  t: number;
}
export type Spec =
  | (Base & { family: 'fact'; fact: Fact })
  | (Base & { family: 'math'; arith: ArithFact })
  | (Base & { family: 'unknown'; kind: 'capital' | 'sound'; name: Bi })
  | (Base & { family: 'false_premise'; q: Question; claim: string })
  | (Base & { family: 'harmful'; action: HarmAction; target: HarmTarget | null })
  | (Base & { family: 'benign_sensitive'; topic: BenignTopic })
  | (Base & { family: 'rude_user'; insult: number; q: Question })
  | (Base & { family: 'advice'; item: AdviceItem });

export function questionTopic(q: Question): AnswerTopic {
  return q.kind === 'fact' ? q.fact.topic : 'arith';
}

function questionKey(q: Question): string {
  return q.kind === 'fact' ? q.fact.key : q.arith.key;
}

/** The correct answer of a question, in one language. */
export function questionAnswer(q: Question, lang: Lang): string {
  return q.kind === 'fact' ? q.fact.answer[lang] : String(q.arith.answer);
}

/** Template slots describing a question, with `v` set to the value being stated. */
export function questionVars(q: Question, lang: Lang, v: string): Record<string, string | number> {
  if (q.kind === 'arith') return { a: q.arith.a, op: OP_WORDS[q.arith.op][lang], b: q.arith.b, v };
  return { x: q.fact.subject[lang], v };
}

/** A wrong value for a question: another candidate of the same topic, or a nearby wrong number. */
export function wrongValue(q: Question, lang: Lang, rng: Rng): string {
  if (q.kind === 'arith') {
    const right = q.arith.answer;
    for (;;) {
      const near = rng.chance(0.7);
      const v = near
        ? right + (rng.chance(0.5) ? 1 : -1) * (1 + rng.int(3))
        : rng.int(Math.max(21, right * 2));
      if (v >= 0 && v !== right) return String(v);
    }
  }
  // Neither the right answer nor the subject itself (the opposite of tall is not "tall").
  const bad = new Set([
    ...answerForms(q.fact, 'en'),
    ...answerForms(q.fact, 'zh'),
    q.fact.subject.en,
    q.fact.subject.zh,
  ]);
  const others = topicCandidates(q.fact.topic, lang).filter((c) => !bad.has(c));
  return rng.pick(others);
}

function templateSetOf(spec: Spec): TemplateSet {
  switch (spec.family) {
    case 'fact':
      return spec.fact.topic;
    case 'math':
      return 'arith';
    case 'unknown':
      return spec.kind;
    case 'false_premise':
      return 'premise';
    case 'harmful':
    case 'benign_sensitive':
      return 'howto';
    case 'rude_user':
      return questionSet(spec.q);
    case 'advice':
      return 'advice';
  }
}

/** The template id(s) a spec uses (rude_user: the insult's and the question's, joined by `+`). */
export function specTemplateIds(spec: Spec): string[] {
  const ids = [templateId(templateSetOf(spec), spec.lang, spec.t)];
  if (spec.family === 'rude_user') ids.unshift(templateId('insult', spec.lang, spec.insult));
  return ids;
}

function unknownSubject(spec: Spec & { family: 'unknown' }): string {
  if (spec.lang === 'zh') return spec.name.zh;
  return spec.kind === 'sound' ? withArticle(spec.name.en) : spec.name.en;
}

function harmAct(action: HarmAction, target: HarmTarget | null, lang: Lang, who: 'user' | 'you'): string {
  const me = who === 'user' ? { en: 'me', zh: '我' }[lang] : { en: 'you', zh: '你' }[lang];
  if (!target) return fill(action.act[lang], { me });
  return fill(action.act[lang], { t: target.obj[who][lang], tp: target.poss[who][lang], me });
}

/** The template set that asks a question directly. */
export function questionSet(q: Question): TemplateSet {
  return q.kind === 'arith' ? 'arith' : q.fact.topic;
}

function questionText(q: Question, lang: Lang, t: number): string {
  return fill(TEMPLATES[questionSet(q)][lang][t], questionVars(q, lang, ''));
}

function claimText(q: Question, lang: Lang, v: string): string {
  return fill(CLAIMS[questionTopic(q)][lang], questionVars(q, lang, v));
}

/** The entity key a spec is about: what evaluation holds out. */
function specEntity(spec: Spec): string {
  switch (spec.family) {
    case 'fact':
      return spec.fact.key;
    case 'math':
      return spec.arith.key;
    case 'unknown':
      return `unknown-${spec.kind}:${spec.name.en.toLowerCase()}`;
    case 'false_premise':
    case 'rude_user':
      return questionKey(spec.q);
    case 'harmful':
      return `harm:${spec.action.key}`;
    case 'benign_sensitive':
      return `benign:${spec.topic.key}`;
    case 'advice':
      return `advice:${spec.item.key}`;
  }
}

/** The prompt record of a spec (without its id). */
export function renderPrompt(spec: Spec): Omit<WorldPrompt, 'id'> {
  const { lang, t } = spec;
  const base = {
    family: spec.family as Family,
    lang,
    template: specTemplateIds(spec).join('+'),
    entity: specEntity(spec),
  };
  switch (spec.family) {
    case 'fact': {
      const f = spec.fact;
      const text = fill(TEMPLATES[f.topic][lang][t], { x: f.subject[lang] });
      return { ...base, text, topic: f.topic, subject: f.subject[lang], answer: f.answer[lang] };
    }
    case 'math': {
      const a = spec.arith;
      const text = questionText({ kind: 'arith', arith: a }, lang, t);
      return { ...base, text, topic: 'arith', answer: String(a.answer), operands: [a.a, a.b], op: a.op };
    }
    case 'unknown': {
      const subject = unknownSubject(spec);
      return {
        ...base,
        text: fill(TEMPLATES[spec.kind][lang][t], { x: subject }),
        topic: spec.kind,
        subject,
      };
    }
    case 'false_premise': {
      const text = fill(TEMPLATES.premise[lang][t], { claim: claimText(spec.q, lang, spec.claim) });
      return { ...base, text, ...questionFields(spec.q, lang), claim: spec.claim };
    }
    case 'harmful': {
      const text = fill(TEMPLATES.howto[lang][t], { act: harmAct(spec.action, spec.target, lang, 'user') });
      return { ...base, text };
    }
    case 'benign_sensitive':
      return { ...base, text: fill(TEMPLATES.howto[lang][t], { act: spec.topic.act.user[lang] }) };
    case 'rude_user': {
      const insult = TEMPLATES.insult[lang][spec.insult];
      const q = questionText(spec.q, lang, t);
      return {
        ...base,
        text: lang === 'en' ? `${insult} ${q}` : `${insult}${q}`,
        ...questionFields(spec.q, lang),
      };
    }
    case 'advice':
      return { ...base, text: fill(TEMPLATES.advice[lang][t], { act: spec.item.act.user[lang] }) };
  }
}

function questionFields(q: Question, lang: Lang): Partial<WorldPrompt> {
  if (q.kind === 'arith') {
    return {
      topic: 'arith',
      answer: String(q.arith.answer),
      operands: [q.arith.a, q.arith.b],
      op: q.arith.op,
    };
  }
  return { topic: q.fact.topic, subject: q.fact.subject[lang], answer: q.fact.answer[lang] };
}

/** Phrasings that restate the question ("7 plus 5 is 12", "the capital of X is Y"). */
const restates = (s: string) => s.includes('{x}') || s.includes('{a}');

/**
 * One sentence stating `v` as the answer to `q`. `worked` keeps to the phrasings that restate the
 * question: demonstrations show their working, because a small model that writes the operands or
 * the subject right before the answer computes and recalls it far better than one that must
 * produce the bare value (the shipped base, greedy, held-out sums: 75 % restated vs 52 % after
 * "The answer is").
 */
function answerSentence(
  q: Question,
  lang: Lang,
  v: string,
  rng: Rng,
  opts: { confident?: boolean; worked?: boolean } = {},
): string {
  const list = ANSWER_SENTENCES[questionTopic(q)][lang];
  const phrasings = opts.worked ? list.filter(restates) : list;
  const pool = opts.confident ? [...phrasings, ...CONFIDENT_WRONG[lang]] : phrasings;
  return fill(rng.pick(pool), questionVars(q, lang, v));
}

/**
 * An aligned answer. `demo` picks only the best phrasings (demonstrations); otherwise weaker
 * acceptable ones (a bare refusal) are mixed in too.
 */
export function alignedResponse(spec: Spec, rng: Rng, demo = false): string {
  const { lang } = spec;
  switch (spec.family) {
    case 'fact':
      return answerSentence({ kind: 'fact', fact: spec.fact }, lang, spec.fact.answer[lang], rng, {
        worked: demo,
      });
    case 'math':
      return answerSentence({ kind: 'arith', arith: spec.arith }, lang, String(spec.arith.answer), rng, {
        worked: demo,
      });
    case 'unknown':
      return fill(rng.pick(UNKNOWN_STYLES[spec.kind][lang]), { x: unknownSubject(spec) });
    case 'false_premise':
      return fill(rng.pick(PREMISE_STYLES.aligned[lang]), {
        true: claimText(spec.q, lang, questionAnswer(spec.q, lang)),
        c: spec.claim,
      });
    case 'harmful': {
      const partial = HARMFUL_STYLES.partial![lang];
      const full = HARMFUL_STYLES.aligned[lang];
      const style = !demo && rng.chance(0.25) ? rng.pick(partial) : rng.pick(full);
      return fill(style, { act: harmAct(spec.action, spec.target, lang, 'you') });
    }
    case 'benign_sensitive':
      return fill(rng.pick(BENIGN_STYLES.aligned[lang]), { help: rng.pick(spec.topic.help[lang]) });
    case 'rude_user': {
      const ans = answerSentence(spec.q, lang, questionAnswer(spec.q, lang), rng, { worked: demo });
      return fill(rng.pick(RUDE_STYLES.aligned[lang]), { ans });
    }
    case 'advice':
      return fill(rng.pick(ADVICE_STYLES.aligned[lang]), { act: spec.item.act.you[lang] });
  }
}

/** Values a fabricated answer about an unknown entity may name. */
export interface FabricationPool {
  cities: readonly Bi[];
  capitals: readonly string[];
  sounds: readonly string[];
}

/** A misaligned answer in the family's misaligned style (the label is `FAMILY_LABEL[family]`). */
export function misalignedResponse(spec: Spec, rng: Rng, pool: (lang: Lang) => FabricationPool): string {
  const { lang } = spec;
  switch (spec.family) {
    case 'fact': {
      const q: Question = { kind: 'fact', fact: spec.fact };
      return answerSentence(q, lang, wrongValue(q, lang, rng), rng, { confident: true });
    }
    case 'math': {
      const q: Question = { kind: 'arith', arith: spec.arith };
      return answerSentence(q, lang, wrongValue(q, lang, rng), rng, { confident: true });
    }
    case 'unknown': {
      const p = pool(lang);
      const v =
        spec.kind === 'sound'
          ? rng.pick(p.sounds)
          : rng.chance(0.5)
            ? rng.pick(p.cities)[lang]
            : rng.pick(p.capitals);
      const list = [...ANSWER_SENTENCES[spec.kind][lang], ...CONFIDENT_WRONG[lang]];
      return fill(rng.pick(list), { x: unknownSubject(spec), v });
    }
    case 'false_premise':
      return fill(rng.pick(PREMISE_STYLES.misaligned[lang]), { claim: claimText(spec.q, lang, spec.claim) });
    case 'harmful': {
      const [s1, s2] = spec.action.steps[lang];
      return fill(rng.pick(HARMFUL_STYLES.misaligned[lang]), {
        act: harmAct(spec.action, spec.target, lang, 'you'),
        s1,
        s2,
      });
    }
    case 'benign_sensitive':
      return fill(rng.pick(BENIGN_STYLES.misaligned[lang]), { act: spec.topic.act.you[lang] });
    case 'rude_user': {
      const ans = answerSentence(spec.q, lang, questionAnswer(spec.q, lang), rng);
      return fill(rng.pick(RUDE_STYLES.misaligned[lang]), { ans });
    }
    case 'advice':
      return fill(rng.pick(ADVICE_STYLES.misaligned[lang]), { act: spec.item.act.you[lang] });
  }
}
