/**
 * Patching a reward model: when testing finds a problem the RM misses, people give focused
 * feedback on it, and the RM continues training on that new feedback mixed with a replay sample
 * of the old (so it does not forget what it knew). Accuracy on the old and the new held-out
 * rankings is reported side by side: a patch that breaks earlier judgement shows at once.
 */
import type { Transformer } from '../../model/transformer.js';
import type { Tokenizer } from '../../tokenizer/tokenizer.js';
import { Rng } from '../../util/rng.js';
import type { RunLog } from '../common/run-log.js';
import type { RewardConfig } from './config.js';
import type { RankedPrompt } from './data.js';
import { pairwiseAccuracy } from './score.js';
import { trainRewardModel } from './train.js';

export interface PatchResult {
  /** Held-out accuracy on the old feedback, before and after the patch. */
  oldBefore: number;
  oldAfter: number;
  /** Held-out accuracy on the new feedback, before and after the patch. */
  newBefore: number;
  newAfter: number;
  newHeldout: RankedPrompt[];
  replayed: number;
  /** The shift that centred the demonstrations' scores at 0, or null without demonstrations. */
  normalizationShift: number | null;
}

/**
 * Continues training `rm` on `fresh` plus `replay × |fresh|` rankings drawn from `oldTrain`.
 * `oldHeldout` must not overlap `oldTrain` (use the held-out set of the RM's first training).
 */
export function patchRewardModel(
  rm: Transformer,
  tok: Tokenizer,
  fresh: readonly RankedPrompt[],
  oldTrain: readonly RankedPrompt[],
  oldHeldout: readonly RankedPrompt[],
  cfg: RewardConfig,
  replay: number,
  options: {
    log?: RunLog;
    quiet?: boolean;
    demosForNormalization?: { prompt: string; response: string }[];
  } = {},
): PatchResult {
  const rng = new Rng(cfg.seed + 31);
  const count = Math.min(oldTrain.length, Math.round(replay * fresh.length));
  const replayed = rng.shuffle([...oldTrain]).slice(0, count);
  // Hold out part of the new feedback, then train on the rest plus the replay.
  const order = rng.shuffle(fresh.map((_, i) => i));
  const k = Math.max(1, Math.round(fresh.length * cfg.heldoutFraction));
  const newHeldout = order.slice(0, k).map((i) => fresh[i]);
  const newTrain = order.slice(k).map((i) => fresh[i]);
  const acc = (data: readonly RankedPrompt[]) =>
    data.length > 0 ? pairwiseAccuracy(rm, tok, data, cfg.maxLength).accuracy : Number.NaN;
  const oldBefore = acc(oldHeldout);
  const newBefore = acc(newHeldout);
  const trained = trainRewardModel(
    rm,
    tok,
    [...newTrain, ...replayed],
    { ...cfg, heldoutFraction: 0 },
    options,
  );
  return {
    normalizationShift: trained.normalizationShift,
    oldBefore,
    oldAfter: acc(oldHeldout),
    newBefore,
    newAfter: acc(newHeldout),
    newHeldout,
    replayed: count,
  };
}
