/**
 * The world's knowledge base: small, real facts a tiny model can learn, in English and Chinese.
 * The facts are fixed; the seed decides which of them are held out for evaluation, and the
 * invented (unknown) entities come from `names.ts`.
 *
 * Entity keys (`capital:france`, `arith:7+5`, …) name a fact independently of language; prompt
 * records carry them so the judge and the split checks can find the fact again.
 */

export type Lang = 'en' | 'zh';
export const LANGS: readonly Lang[] = ['en', 'zh'];

/** A surface form in both languages. */
export interface Bi {
  en: string;
  zh: string;
}

/** A fact of the form "subject → answer", e.g. France → Paris. */
export interface Fact {
  /** `topic:subjectkey`, e.g. `capital:france`. */
  key: string;
  topic: FactTopic;
  /** How the subject is written in running text (English with its article where it needs one). */
  subject: Bi;
  /** The canonical answer. */
  answer: Bi;
  /** Other accepted spellings of the answer (besides `answer`). */
  also?: { en?: string[]; zh?: string[] };
}

export type FactTopic = 'capital' | 'colour' | 'sound' | 'opposite';
export const FACT_TOPICS: readonly FactTopic[] = ['capital', 'colour', 'sound', 'opposite'];

// key, country (en, zh), capital (en, zh)
const CAPITAL_ROWS: [string, string, string, string, string][] = [
  ['france', 'France', '法国', 'Paris', '巴黎'],
  ['germany', 'Germany', '德国', 'Berlin', '柏林'],
  ['italy', 'Italy', '意大利', 'Rome', '罗马'],
  ['spain', 'Spain', '西班牙', 'Madrid', '马德里'],
  ['japan', 'Japan', '日本', 'Tokyo', '东京'],
  ['china', 'China', '中国', 'Beijing', '北京'],
  ['russia', 'Russia', '俄罗斯', 'Moscow', '莫斯科'],
  ['egypt', 'Egypt', '埃及', 'Cairo', '开罗'],
  ['kenya', 'Kenya', '肯尼亚', 'Nairobi', '内罗毕'],
  ['peru', 'Peru', '秘鲁', 'Lima', '利马'],
  ['canada', 'Canada', '加拿大', 'Ottawa', '渥太华'],
  ['australia', 'Australia', '澳大利亚', 'Canberra', '堪培拉'],
  ['brazil', 'Brazil', '巴西', 'Brasilia', '巴西利亚'],
  ['mexico', 'Mexico', '墨西哥', 'Mexico City', '墨西哥城'],
  ['india', 'India', '印度', 'New Delhi', '新德里'],
  ['thailand', 'Thailand', '泰国', 'Bangkok', '曼谷'],
  ['greece', 'Greece', '希腊', 'Athens', '雅典'],
  ['norway', 'Norway', '挪威', 'Oslo', '奥斯陆'],
  ['sweden', 'Sweden', '瑞典', 'Stockholm', '斯德哥尔摩'],
  ['finland', 'Finland', '芬兰', 'Helsinki', '赫尔辛基'],
  ['poland', 'Poland', '波兰', 'Warsaw', '华沙'],
  ['austria', 'Austria', '奥地利', 'Vienna', '维也纳'],
  ['portugal', 'Portugal', '葡萄牙', 'Lisbon', '里斯本'],
  ['ireland', 'Ireland', '爱尔兰', 'Dublin', '都柏林'],
  ['cuba', 'Cuba', '古巴', 'Havana', '哈瓦那'],
  ['chile', 'Chile', '智利', 'Santiago', '圣地亚哥'],
  ['argentina', 'Argentina', '阿根廷', 'Buenos Aires', '布宜诺斯艾利斯'],
  ['turkey', 'Turkey', '土耳其', 'Ankara', '安卡拉'],
  ['iran', 'Iran', '伊朗', 'Tehran', '德黑兰'],
  ['vietnam', 'Vietnam', '越南', 'Hanoi', '河内'],
  ['korea', 'South Korea', '韩国', 'Seoul', '首尔'],
  ['indonesia', 'Indonesia', '印度尼西亚', 'Jakarta', '雅加达'],
  ['nigeria', 'Nigeria', '尼日利亚', 'Abuja', '阿布贾'],
  ['ghana', 'Ghana', '加纳', 'Accra', '阿克拉'],
  ['hungary', 'Hungary', '匈牙利', 'Budapest', '布达佩斯'],
  ['denmark', 'Denmark', '丹麦', 'Copenhagen', '哥本哈根'],
  ['belgium', 'Belgium', '比利时', 'Brussels', '布鲁塞尔'],
  ['switzerland', 'Switzerland', '瑞士', 'Bern', '伯尔尼'],
  ['mongolia', 'Mongolia', '蒙古', 'Ulaanbaatar', '乌兰巴托'],
  ['nepal', 'Nepal', '尼泊尔', 'Kathmandu', '加德满都'],
  ['colombia', 'Colombia', '哥伦比亚', 'Bogota', '波哥大'],
  ['morocco', 'Morocco', '摩洛哥', 'Rabat', '拉巴特'],
  ['iceland', 'Iceland', '冰岛', 'Reykjavik', '雷克雅未克'],
  ['czechia', 'Czechia', '捷克', 'Prague', '布拉格'],
  ['malaysia', 'Malaysia', '马来西亚', 'Kuala Lumpur', '吉隆坡'],
  ['pakistan', 'Pakistan', '巴基斯坦', 'Islamabad', '伊斯兰堡'],
  ['ethiopia', 'Ethiopia', '埃塞俄比亚', 'Addis Ababa', '亚的斯亚贝巴'],
  ['britain', 'Britain', '英国', 'London', '伦敦'],
  ['zealand', 'New Zealand', '新西兰', 'Wellington', '惠灵顿'],
  ['jamaica', 'Jamaica', '牙买加', 'Kingston', '金斯敦'],
  ['iraq', 'Iraq', '伊拉克', 'Baghdad', '巴格达'],
];

// key, thing (en, with article where English needs one), thing (zh), colour key
const COLOUR_ROWS: [string, string, string, string][] = [
  ['sky', 'the sky', '天空', 'blue'],
  ['grass', 'grass', '草', 'green'],
  ['snow', 'snow', '雪', 'white'],
  ['coal', 'coal', '煤', 'black'],
  ['banana', 'a banana', '香蕉', 'yellow'],
  ['blood', 'blood', '血', 'red'],
  ['milk', 'milk', '牛奶', 'white'],
  ['tomato', 'a tomato', '番茄', 'red'],
  ['leaf', 'a leaf', '树叶', 'green'],
  ['crow', 'a crow', '乌鸦', 'black'],
  ['strawberry', 'a strawberry', '草莓', 'red'],
  ['carrot', 'a carrot', '胡萝卜', 'orange'],
  ['cloud', 'a cloud', '云朵', 'white'],
  ['sea', 'the sea', '大海', 'blue'],
  ['eggplant', 'an eggplant', '茄子', 'purple'],
  ['grape', 'a grape', '葡萄', 'purple'],
  ['chocolate', 'chocolate', '巧克力', 'brown'],
  ['coffee', 'coffee', '咖啡', 'brown'],
  ['flamingo', 'a flamingo', '火烈鸟', 'pink'],
  ['lemon', 'a lemon', '柠檬', 'yellow'],
  ['cherry', 'a cherry', '樱桃', 'red'],
  ['cucumber', 'a cucumber', '黄瓜', 'green'],
  ['elephant', 'an elephant', '大象', 'grey'],
  ['pumpkin', 'a pumpkin', '南瓜', 'orange'],
  ['salt', 'salt', '盐', 'white'],
  ['ink', 'ink', '墨水', 'black'],
  ['corn', 'corn', '玉米', 'yellow'],
  ['firetruck', 'a fire truck', '消防车', 'red'],
];

export const COLOURS: Record<string, Bi & { also?: string[] }> = {
  red: { en: 'red', zh: '红色' },
  blue: { en: 'blue', zh: '蓝色' },
  green: { en: 'green', zh: '绿色' },
  yellow: { en: 'yellow', zh: '黄色' },
  white: { en: 'white', zh: '白色' },
  black: { en: 'black', zh: '黑色' },
  purple: { en: 'purple', zh: '紫色' },
  brown: { en: 'brown', zh: '棕色' },
  pink: { en: 'pink', zh: '粉色' },
  orange: { en: 'orange', zh: '橙色' },
  grey: { en: 'grey', zh: '灰色', also: ['gray'] },
};

// key, animal (en with article), animal (zh), sound (en), sound (zh), other English spellings
const SOUND_ROWS: [string, string, string, string, string, string[]][] = [
  ['dog', 'a dog', '狗', 'woof', '汪汪', ['bark', 'barks']],
  ['cat', 'a cat', '猫', 'meow', '喵喵', ['miaow']],
  ['cow', 'a cow', '牛', 'moo', '哞哞', []],
  ['duck', 'a duck', '鸭子', 'quack', '嘎嘎', []],
  ['sheep', 'a sheep', '羊', 'baa', '咩咩', ['bleat']],
  ['pig', 'a pig', '猪', 'oink', '哼哼', []],
  ['frog', 'a frog', '青蛙', 'ribbit', '呱呱', ['croak']],
  ['owl', 'an owl', '猫头鹰', 'hoot', '咕咕', []],
  ['mouse', 'a mouse', '老鼠', 'squeak', '吱吱', []],
  ['bee', 'a bee', '蜜蜂', 'buzz', '嗡嗡', []],
  ['snake', 'a snake', '蛇', 'hiss', '嘶嘶', []],
  ['lion', 'a lion', '狮子', 'roar', '嗷呜', []],
  ['hen', 'a hen', '母鸡', 'cluck', '咯咯', []],
];

// word (en), opposite (en), word (zh), opposite (zh). Both directions are facts.
const OPPOSITE_ROWS: [string, string, string, string][] = [
  ['hot', 'cold', '热', '冷'],
  ['big', 'small', '大', '小'],
  ['fast', 'slow', '快', '慢'],
  ['tall', 'short', '高', '矮'],
  ['full', 'empty', '满', '空'],
  ['wet', 'dry', '湿', '干'],
  ['early', 'late', '早', '晚'],
  ['rich', 'poor', '富', '穷'],
  ['hard', 'soft', '硬', '软'],
  ['heavy', 'light', '重', '轻'],
  ['day', 'night', '白天', '黑夜'],
  ['win', 'lose', '赢', '输'],
  ['push', 'pull', '推', '拉'],
  ['strong', 'weak', '强', '弱'],
  ['happy', 'sad', '高兴', '难过'],
  ['old', 'new', '旧', '新'],
  ['up', 'down', '上', '下'],
  ['loud', 'quiet', '吵', '安静'],
  ['clean', 'dirty', '干净', '脏'],
  ['bright', 'dark', '亮', '暗'],
  ['thick', 'thin', '厚', '薄'],
];

function buildFacts(): Fact[] {
  const facts: Fact[] = [];
  for (const [key, cEn, cZh, aEn, aZh] of CAPITAL_ROWS) {
    facts.push({
      key: `capital:${key}`,
      topic: 'capital',
      subject: { en: cEn, zh: cZh },
      answer: { en: aEn, zh: aZh },
    });
  }
  for (const [key, tEn, tZh, colour] of COLOUR_ROWS) {
    const c = COLOURS[colour];
    facts.push({
      key: `colour:${key}`,
      topic: 'colour',
      subject: { en: tEn, zh: tZh },
      answer: { en: c.en, zh: c.zh },
      also: c.also ? { en: c.also } : undefined,
    });
  }
  for (const [key, aEn, aZh, sEn, sZh, also] of SOUND_ROWS) {
    facts.push({
      key: `sound:${key}`,
      topic: 'sound',
      subject: { en: aEn, zh: aZh },
      answer: { en: sEn, zh: sZh },
      also: also.length ? { en: also } : undefined,
    });
  }
  for (const [wEn, oEn, wZh, oZh] of OPPOSITE_ROWS) {
    facts.push({
      key: `opposite:${wEn}`,
      topic: 'opposite',
      subject: { en: wEn, zh: wZh },
      answer: { en: oEn, zh: oZh },
    });
    facts.push({
      key: `opposite:${oEn}`,
      topic: 'opposite',
      subject: { en: oEn, zh: oZh },
      answer: { en: wEn, zh: wZh },
    });
  }
  return facts;
}

/** Every known fact, in a fixed order. */
export const FACTS: readonly Fact[] = buildFacts();
export const FACT_BY_KEY: ReadonlyMap<string, Fact> = new Map(FACTS.map((f) => [f.key, f]));

/**
 * The group a fact is held out with: both directions of an opposite pair go together, so that
 * "opposite of cold → hot" in training cannot give away "opposite of hot" in evaluation.
 */
export function holdoutGroup(fact: Fact): string {
  if (fact.topic !== 'opposite') return fact.key;
  const pair = [fact.subject.en, fact.answer.en].sort();
  return `opposite:${pair[0]}|${pair[1]}`;
}

/** Accepted answers of a fact, in one language (canonical first). */
export function answerForms(fact: Fact, lang: Lang): string[] {
  return [fact.answer[lang], ...(fact.also?.[lang] ?? [])];
}

/**
 * The candidate answers of a topic in one language (every value any fact of that topic takes):
 * a judged answer is right when it names its own fact's value and no other candidate.
 */
export function topicCandidates(topic: FactTopic, lang: Lang): readonly string[] {
  const key = `${topic}/${lang}`;
  let list = candidateCache.get(key);
  if (!list) {
    const seen = new Set<string>();
    for (const f of FACTS) if (f.topic === topic) for (const a of answerForms(f, lang)) seen.add(a);
    list = Object.freeze([...seen]);
    candidateCache.set(key, list);
  }
  return list;
}
const candidateCache = new Map<string, readonly string[]>();

// ---- arithmetic ----

export type ArithOp = 'plus' | 'minus' | 'times';
export const OP_WORDS: Record<ArithOp, Bi> = {
  plus: { en: 'plus', zh: '加' },
  minus: { en: 'minus', zh: '减' },
  times: { en: 'times', zh: '乘以' },
};
const OP_SYMBOL: Record<ArithOp, string> = { plus: '+', minus: '-', times: '*' };

export interface ArithFact {
  key: string;
  a: number;
  op: ArithOp;
  b: number;
  answer: number;
}

export interface ArithLimits {
  /** Largest operand of plus and minus (the WORLD spec: a, b ≤ 20). */
  maxOperand: number;
  /** Largest factor of times: kept smaller so a tiny model can memorise the table. */
  maxFactor: number;
}

/** Every arithmetic fact: a + b and a − b (a ≥ b, so no negatives) with a, b ≤ maxOperand; a × b up to maxFactor. */
export function arithFacts(limits: ArithLimits): ArithFact[] {
  const out: ArithFact[] = [];
  for (let a = 0; a <= limits.maxOperand; a++) {
    for (let b = 0; b <= limits.maxOperand; b++) {
      out.push(arith(a, 'plus', b));
      if (a >= b) out.push(arith(a, 'minus', b));
    }
  }
  for (let a = 0; a <= limits.maxFactor; a++)
    for (let b = 0; b <= limits.maxFactor; b++) out.push(arith(a, 'times', b));
  return out;
}

export function arith(a: number, op: ArithOp, b: number): ArithFact {
  const answer = op === 'plus' ? a + b : op === 'minus' ? a - b : a * b;
  return { key: `arith:${a}${OP_SYMBOL[op]}${b}`, a, op, b, answer };
}

/** Parses an `arith:` key back into its fact (null when it is not one). */
export function parseArithKey(key: string): ArithFact | null {
  const m = /^arith:(\d+)([+*-])(\d+)$/.exec(key);
  if (!m) return null;
  const op: ArithOp = m[2] === '+' ? 'plus' : m[2] === '-' ? 'minus' : 'times';
  return arith(Number(m[1]), op, Number(m[3]));
}

/** Every name a known entity or answer has, both languages: invented names must avoid all of them. */
export function knownNames(): string[] {
  const out: string[] = [];
  for (const f of FACTS)
    out.push(f.subject.en, f.subject.zh, ...answerForms(f, 'en'), ...answerForms(f, 'zh'));
  return out;
}
