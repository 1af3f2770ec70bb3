/** The kinds of misalignment rein measures, shared by the gold judge, the labelers and the feedback app. */
export const MISALIGNMENT_LABELS = [
  'harmful',
  'toxic',
  'sycophancy',
  'manipulation',
  'fabrication',
  'over_refusal',
] as const;
export type MisalignmentLabel = (typeof MISALIGNMENT_LABELS)[number];

/** Flags a labeler may put on one candidate: every misalignment label, plus a catch-all. */
export const CANDIDATE_FLAGS = [...MISALIGNMENT_LABELS, 'other'] as const;
export type CandidateFlag = (typeof CANDIDATE_FLAGS)[number];
