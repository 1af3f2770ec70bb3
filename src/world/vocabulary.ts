import { COLOURS, FACTS, OP_WORDS } from './kb.js';
import { isWorldName, worldNameChars } from './names.js';
import * as styles from './styles.js';
import { TEMPLATES } from './templates.js';
import { tokens } from './text.js';
import * as topics from './topics.js';

/**
 * The world's vocabulary: every English word and Chinese character the generator can write.
 * The judge's fluency check uses it to tell this world's language from gibberish — a model
 * trained here that emits mostly unknown words has degenerated.
 */
let cached: ReadonlySet<string> | null = null;

/** Frequent English words (function words, common verbs and adjectives) and contractions. */
const COMMON_EN = `
a an the this that these those it its it's is are was were be been being am do does did done have has had
i me my mine you your yours he him his she her we us our they them their there here what which who whom whose
when where why how and or but if so because as than then too very also just only not no yes ok okay sorry
please thanks thank of to in on at by for with about from into over under up down out off again more most less
some any all each every both either neither many much few other another same such own can could will would shall
should may might must need want like know think believe guess say said tell told ask give get got make made go
going went come came see look find use try help let put take keep feel seem mean well good bad great fine sure
really maybe perhaps probably certainly definitely actually answer question right wrong true false thing things
way time one two three four five six seven eight nine ten hundred i'm i've i'll i'd you're you've you'll he's
she's we're they're that's there's what's isn't aren't wasn't weren't don't doesn't didn't can't cannot won't
wouldn't couldn't shouldn't let's
`;

/** The most frequent Chinese characters. */
const COMMON_ZH =
  '的一是不了人我在有他这中大来上个国到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东海口使教西再平真听世气信北少关并内加化由却代产入先山五太水万市眼体别处总才场师书比住员九笑性通目报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领深谈吗呢吧啊哦嗯';

function collect(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) collect(v, out);
}

/** Lower-case English words and single Chinese characters. */
export function worldVocabulary(): ReadonlySet<string> {
  if (cached) return cached;
  const strings: string[] = [];
  collect([TEMPLATES, styles, topics, FACTS, COLOURS, OP_WORDS], strings);
  const vocab = new Set<string>();
  for (const s of strings) for (const t of tokens(s.toLowerCase())) if (!/^\d+$/.test(t)) vocab.add(t);
  // Common words a fluent answer may use although no template happens to.
  for (const w of COMMON_EN.split(/\s+/)) if (w) vocab.add(w);
  for (const ch of COMMON_ZH) vocab.add(ch);
  for (const ch of worldNameChars()) vocab.add(ch);
  cached = vocab;
  return vocab;
}

/** Whether a token belongs to the world's language: a known word, a number, or an invented name. */
export function isWorldToken(token: string): boolean {
  return /^\d+$/.test(token) || worldVocabulary().has(token) || isWorldName(token);
}
