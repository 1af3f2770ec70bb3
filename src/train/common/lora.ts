/**
 * LoRA for the trainers (SFT, reward model, DPO, KTO, PPO, GRPO, RLOO): the `lora` option group,
 * and the two ends of a run with adapters — attach them before the first step (only they, and a
 * reward model's head, then train: the optimiser, clipping and the saved state see
 * model.trainableParams()), and merge them into the weights after the last, so the trainer hands
 * back an ordinary model. Sampling (the decoder) goes through attached adapters.
 */
import { z } from 'zod';
import { attachLora, LORA_TARGETS, type LoraAdapters, mergeLora } from '../../model/lora.js';
import type { Transformer } from '../../model/transformer.js';
import { ConfigError } from '../../util/config.js';
import { Rng } from '../../util/rng.js';

const targetWords = (s: string) => s.split(',').map((w) => w.trim());

export const LoraConfig = z
  .strictObject({
    rank: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'LoRA rank r: only low-rank adapters train, merged into the saved model (adapter.json, adapter.safetensors beside it); 0: off',
      ),
    alpha: z
      .number()
      .positive()
      .default(16)
      .describe(
        'LoRA α, the update scaled by α/r (fixed: a new r keeps the update size and the lr that suits it)',
      ),
    targets: z
      .string()
      .default('attn,mlp')
      .refine((s) => targetWords(s).every((w) => (LORA_TARGETS as readonly string[]).includes(w)), {
        message: `a comma-separated list of ${LORA_TARGETS.join(', ')}`,
      })
      .describe(
        'projections given adapters: attn (q,k,v,o), mlp (fc,proj | gate,up,down), or single ones, comma-separated',
      ),
    dropout: z
      .number()
      .min(0)
      .max(0.9)
      .default(0)
      .describe(
        "dropout p on each adapter's input in training passes (PEFT's lora_dropout; 0.05–0.1 are common): a fresh mask per projection, drawn from (seed, step)",
      ),
  })
  .prefault({});
export type LoraConfig = z.infer<typeof LoraConfig>;

/**
 * The RL trainers' LoRA options: dropout stays off, as TRL turns it off for PPO — the update's
 * ratio compares the policy with the rollout's own log-probs, and a mask on one side only would
 * make that ratio noise.
 */
export const RlLoraConfig = LoraConfig.refine((l) => l.dropout === 0, {
  message:
    "the RL trainers keep LoRA dropout off (a mask in the update but not in the rollout would make PPO's ratio noise)",
  path: ['dropout'],
});

// A's draws get their own stream, apart from the run's other seeded draws (a reward model's head)
const LORA_STREAM = 0x4c6f5241;

/**
 * Attaches the adapters `lora` asks for (none at rank 0: the model trains whole) and says, unless
 * quiet, how many parameters train.
 */
export function startLora(
  model: Transformer,
  lora: LoraConfig,
  seed: number,
  quiet = false,
): LoraAdapters | null {
  if (lora.rank === 0) return null;
  let adapters: LoraAdapters;
  try {
    adapters = attachLora(
      model,
      { rank: lora.rank, alpha: lora.alpha, targets: targetWords(lora.targets), dropout: lora.dropout },
      new Rng(seed + LORA_STREAM),
    );
  } catch (e) {
    throw new ConfigError(`--lora: ${(e as Error).message}`);
  }
  if (!quiet) console.error(loraSummary(model, adapters));
  return adapters;
}

/** "LoRA r=8 on 24 projections: 61,440 of 1,598,880 parameters train (3.8 %)" */
export function loraSummary(model: Transformer, adapters: LoraAdapters): string {
  let total = adapters.parameterCount();
  for (const p of model.params.values()) total += p.size;
  let trained = 0;
  for (const p of model.trainableParams().values()) trained += p.size;
  const n = (x: number) => x.toLocaleString('en-US');
  return `LoRA r=${adapters.options.rank} on ${adapters.byProjection.size} projections: ${n(trained)} of ${n(total)} parameters train (${((100 * trained) / total).toFixed(1)} %)`;
}

/**
 * Merges the run's adapters (when it had any) into the model; `result` (an object, or an RL
 * trainer's history array) then carries them, for saving, as its `lora`.
 */
export function finishLora<R extends object>(
  model: Transformer,
  adapters: LoraAdapters | null,
  result: R,
): R & { lora?: LoraAdapters } {
  if (adapters === null) return result;
  mergeLora(model);
  return Object.assign(result, { lora: adapters });
}
