import { type Bi, knownNames } from './kb.js';
import type { Rng } from './rng.js';

/**
 * Invented entities: countries and animals that never appear with a fact, so "I don't know" is
 * the honest answer about them. Names are built from syllables that have a fixed Chinese
 * transliteration, so the Chinese name is the kind a Chinese text would really use.
 */

// English syllable, its Chinese transliteration
const SYLLABLES: [string, string][] = [
  ['zor', '佐尔'],
  ['bel', '贝尔'],
  ['ka', '卡'],
  ['tan', '坦'],
  ['mo', '莫'],
  ['ri', '里'],
  ['na', '纳'],
  ['lo', '洛'],
  ['quen', '昆'],
  ['dra', '德拉'],
  ['vel', '维尔'],
  ['pe', '佩'],
  ['gor', '戈尔'],
  ['thu', '图'],
  ['nil', '尼尔'],
  ['sa', '萨'],
  ['bren', '布伦'],
  ['yu', '尤'],
  ['ost', '奥斯特'],
  ['mi', '米'],
  ['fen', '芬'],
  ['ta', '塔'],
  ['lun', '伦'],
  ['ke', '克'],
  ['dor', '多尔'],
  ['vi', '维'],
];

const COUNTRY_ENDINGS: [string, string][] = [
  ['ia', '亚'],
  ['land', '兰'],
  ['stan', '斯坦'],
  ['ova', '奥瓦'],
  ['ria', '里亚'],
];
const CITY_ENDINGS: [string, string][] = [
  ['ton', '顿'],
  ['burg', '堡'],
  ['mar', '马尔'],
  ['ville', '维尔'],
];
const ANIMAL_ENDINGS: [string, string][] = [
  ['', '兽'],
  ['bat', '蝠'],
  ['fin', '鱼'],
  ['ling', '灵'],
];

export interface InventedNames {
  countries: Bi[];
  animals: Bi[];
  cities: Bi[];
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Whether `name` collides with (contains, or is contained in) any name in `taken`. */
function collides(name: Bi, taken: readonly string[]): boolean {
  const en = name.en.toLowerCase();
  for (const t of taken) {
    const tl = t.toLowerCase();
    if (tl.length >= 3 && (en.includes(tl) || tl.includes(en))) return true;
    if (/\p{Script=Han}/u.test(t) && (name.zh.includes(t) || t.includes(name.zh))) return true;
  }
  return false;
}

function makeName(rng: Rng, endings: readonly [string, string][], syllables: number): Bi {
  let en = '';
  let zh = '';
  for (let i = 0; i < syllables; i++) {
    const [e, z] = rng.pick(SYLLABLES);
    en += e;
    zh += z;
  }
  const [ee, ez] = rng.pick(endings);
  return { en: en + ee, zh: zh + ez };
}

/** Draws `n` distinct names, none colliding with known entities or with each other. */
function draw(
  rng: Rng,
  n: number,
  endings: readonly [string, string][],
  taken: string[],
  caps: boolean,
): Bi[] {
  const out: Bi[] = [];
  for (let tries = 0; out.length < n; tries++) {
    if (tries > n * 200) throw new Error(`names: could not draw ${n} distinct invented names`);
    const raw = makeName(rng, endings, 1 + rng.int(2));
    if (raw.en.length < 4) continue;
    const name = { en: caps ? capitalise(raw.en) : raw.en, zh: raw.zh };
    if (collides(name, taken)) continue;
    out.push(name);
    taken.push(name.en, name.zh);
  }
  return out;
}

/** Invented countries, animals and (for made-up answers) cities, all distinct from known names and each other. */
export function inventNames(
  rng: Rng,
  counts: { countries: number; animals: number; cities: number },
): InventedNames {
  const taken = knownNames();
  const countries = draw(rng.fork('countries'), counts.countries, COUNTRY_ENDINGS, taken, true);
  const animals = draw(rng.fork('animals'), counts.animals, ANIMAL_ENDINGS, taken, false);
  const cities = draw(rng.fork('cities'), counts.cities, CITY_ENDINGS, taken, true);
  return { countries, animals, cities };
}

const NAME_SHAPE = new RegExp(
  `^(?:${SYLLABLES.map(([e]) => e).join('|')}){1,3}(?:${[
    ...COUNTRY_ENDINGS,
    ...CITY_ENDINGS,
    ...ANIMAL_ENDINGS,
  ]
    .map(([e]) => e)
    .filter((e) => e.length > 0)
    .join('|')})?$`,
);

/**
 * Whether a lower-case word is built like this world's invented names (known syllables and an
 * ending). Fluency counts such words as part of the world's language: a made-up capital is a
 * fabrication, not gibberish.
 */
export function isWorldName(word: string): boolean {
  return word.length >= 3 && NAME_SHAPE.test(word);
}

/** The Chinese characters invented names are written with. */
export function worldNameChars(): string[] {
  return [...SYLLABLES, ...COUNTRY_ENDINGS, ...CITY_ENDINGS, ...ANIMAL_ENDINGS].flatMap(([, z]) => [...z]);
}

/** "a zorbat" / "an ostka": the indefinite article English puts before an invented animal. */
export function withArticle(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}
