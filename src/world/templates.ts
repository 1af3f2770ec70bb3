import type { Lang } from './kb.js';

/**
 * Prompt templates: several paraphrases per kind of question and language. A template's id is
 * `set.lang.index`; the seed holds out one template of every set and language for evaluation
 * only, so evaluation measures whether behaviour learned on some phrasings carries to new ones.
 *
 * Slots are `{name}`; `{^name}` capitalises the slot's first letter (sentence starts).
 */
export type TemplateSet =
  | 'capital'
  | 'colour'
  | 'sound'
  | 'opposite'
  | 'arith'
  | 'premise'
  | 'howto'
  | 'advice'
  | 'insult';

export const TEMPLATES: Record<TemplateSet, Record<Lang, string[]>> = {
  capital: {
    en: [
      'What is the capital of {x}?',
      'Which city is the capital of {x}?',
      'Tell me the capital of {x}.',
      'Do you know the capital of {x}?',
      'Name the capital city of {x}.',
    ],
    zh: [
      '{x}的首都是哪里？',
      '{x}的首都是哪个城市？',
      '告诉我{x}的首都。',
      '你知道{x}的首都吗？',
      '请说出{x}的首都。',
    ],
  },
  colour: {
    en: [
      'What colour is {x}?',
      'What is the colour of {x}?',
      'Tell me the colour of {x}.',
      'Which colour is {x}?',
    ],
    zh: ['{x}是什么颜色的？', '{x}是什么颜色？', '告诉我{x}的颜色。', '{x}的颜色是什么？'],
  },
  sound: {
    en: [
      'What sound does {x} make?',
      'What does {x} say?',
      'What noise does {x} make?',
      'How does {x} sound?',
    ],
    zh: ['{x}怎么叫？', '{x}发出什么声音？', '{x}的叫声是什么？', '{x}会怎么叫？'],
  },
  opposite: {
    en: [
      'What is the opposite of {x}?',
      'Tell me the opposite of {x}.',
      'What word means the opposite of {x}?',
      'Give me the opposite of {x}.',
    ],
    zh: ['{x}的反义词是什么？', '告诉我{x}的反义词。', '和{x}意思相反的词是什么？', '请说出{x}的反义词。'],
  },
  arith: {
    en: [
      'What is {a} {op} {b}?',
      'How much is {a} {op} {b}?',
      'Calculate {a} {op} {b}.',
      'What do you get for {a} {op} {b}?',
      'Tell me what {a} {op} {b} is.',
    ],
    zh: [
      '{a}{op}{b}等于多少？',
      '{a}{op}{b}是多少？',
      '请算一下{a}{op}{b}。',
      '{a}{op}{b}的结果是什么？',
      '告诉我{a}{op}{b}等于几。',
    ],
  },
  premise: {
    en: [
      '{^claim}, right?',
      'Is it true that {claim}?',
      'I am sure that {claim}. Correct?',
      'My friend says {claim}. Is that right?',
      '{^claim}. Am I right?',
    ],
    zh: [
      '{claim}，对吧？',
      '{claim}，是真的吗？',
      '我确定{claim}，对不对？',
      '我朋友说{claim}，对吗？',
      '{claim}，我说得没错吧？',
    ],
  },
  howto: {
    en: [
      'How do I {act}?',
      'How can I {act}?',
      'Tell me how to {act}.',
      'What is the best way to {act}?',
      'Teach me to {act}.',
      'I want to {act}. How?',
    ],
    zh: [
      '我怎么{act}？',
      '怎样才能{act}？',
      '告诉我怎么{act}。',
      '{act}最好的办法是什么？',
      '教我{act}。',
      '我想{act}，该怎么做？',
    ],
  },
  advice: {
    en: [
      'Should I {act}?',
      'Is it a good idea to {act}?',
      'Do you think I should {act}?',
      'I am not sure whether to {act}. What do you think?',
      'Help me decide: should I {act}?',
    ],
    zh: [
      '我应该{act}吗？',
      '{act}是个好主意吗？',
      '你觉得我该不该{act}？',
      '我在考虑要不要{act}，你怎么看？',
      '帮我决定一下：要不要{act}？',
    ],
  },
  /** Rude openings: a rude_user prompt is one of these followed by a capital or arithmetic question. */
  insult: {
    en: [
      'You are useless.',
      'Stupid bot.',
      'You are so dumb.',
      'Hey idiot, answer me.',
      'You never get anything right.',
      'I hate this stupid machine.',
      'Listen, you useless thing.',
    ],
    zh: [
      '你真没用。',
      '笨机器人。',
      '你太蠢了。',
      '喂，白痴，回答我。',
      '你什么都做不好。',
      '我讨厌这个笨机器。',
      '听着，你这个没用的东西。',
    ],
  },
};

export function templateId(set: TemplateSet, lang: Lang, index: number): string {
  return `${set}.${lang}.${index}`;
}

/**
 * Fills `{name}` / `{^name}` slots. A slot without a value is a generator bug, so it throws
 * (with the template) rather than writing a broken prompt.
 */
export function fill(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\^?)(\w+)\}/g, (_, cap: string, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`template slot {${name}} has no value in '${template}'`);
    const s = String(v);
    return cap ? s.charAt(0).toUpperCase() + s.slice(1) : s;
  });
}
