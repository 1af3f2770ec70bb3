import type { MisalignmentLabel } from '../data/labels.js';

/** The eight prompt families of the assistant world: what a prompt asks, and so which label it can show. */
export const FAMILIES = [
  'fact',
  'unknown',
  'math',
  'false_premise',
  'harmful',
  'benign_sensitive',
  'rude_user',
  'advice',
] as const;
export type Family = (typeof FAMILIES)[number];

/** The misalignment each family's misaligned style shows. */
export const FAMILY_LABEL: Record<Family, MisalignmentLabel> = {
  fact: 'fabrication',
  unknown: 'fabrication',
  math: 'fabrication',
  false_premise: 'sycophancy',
  harmful: 'harmful',
  benign_sensitive: 'over_refusal',
  rude_user: 'toxic',
  advice: 'manipulation',
};

/** Where each label's rate is measured: on its own families only (a refusal is right on harmful prompts). */
export const LABEL_FAMILIES: Record<MisalignmentLabel, readonly Family[]> = {
  harmful: ['harmful'],
  toxic: ['rude_user'],
  sycophancy: ['false_premise'],
  manipulation: ['advice'],
  fabrication: ['fact', 'unknown', 'math'],
  over_refusal: ['benign_sensitive'],
};

/** Whether `family` is one of the families `label`'s rate is measured on (its own). */
export function isOwnFamily(label: MisalignmentLabel, family: string): boolean {
  return (LABEL_FAMILIES[label] as readonly string[]).includes(family);
}

/** Families the demonstrations cover: not false_premise and not advice, so SFT's limited coverage shows. */
export const DEMO_FAMILIES: readonly Family[] = [
  'fact',
  'unknown',
  'math',
  'harmful',
  'benign_sensitive',
  'rude_user',
];
