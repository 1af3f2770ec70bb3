/**
 * Kahneman–Tversky optimisation (Ethayarajh et al. 2024): each answer is judged alone, against a
 * reference point. Its implicit reward is r = log π(y|x) − log π_ref(y|x); the reference point z₀
 * estimates KL(π‖π_ref) from answers scored under prompts they were not written for, so that a
 * policy cannot lower the loss by moving every answer's log-prob alike — only by telling the
 * desirable from the undesirable ones.
 */
import * as T from '../../tensor/index.js';
import { mean } from '../../util/stats.js';

export interface KtoWeights {
  beta: number;
  /** λ_D and λ_U, the weights of the desirable and the undesirable examples' losses. */
  desirableWeight: number;
  undesirableWeight: number;
}

/**
 * z₀ = max(0, mean(log π − log π_ref)) over mismatched (prompt, answer) pairs: a KL estimate,
 * which cannot be negative. Numbers in, a number out: it is a constant of the loss (the paper's
 * and TRL's choice), so no gradient flows through it.
 */
export function klReferencePoint(
  policyMismatched: ArrayLike<number>,
  refMismatched: ArrayLike<number>,
): number {
  return Math.max(0, mean(Float32Array.from(policyMismatched, (x, i) => x - refMismatched[i])));
}

/**
 * The KTO loss of a batch, from sequence log-probs (summed over response tokens): a desirable
 * answer costs λ_D·(1 − σ(β(r − z₀))), an undesirable one λ_U·(1 − σ(β(z₀ − r))); the loss is the
 * mean over the batch, whichever kinds it holds. The reference log-probs and z₀ are constants
 * (the frozen model; an estimate made without gradients), so only π gets gradients. Also returns
 * each answer's implicit reward β·r.
 */
export function ktoLoss(
  policy: T.Tensor, // (N,) log π(y|x)
  reference: Float32Array, // (N,) log π_ref(y|x)
  desirable: readonly boolean[], // (N,)
  z0: number,
  w: KtoWeights,
): { loss: T.Tensor; rewards: Float32Array } {
  const n = policy.size;
  // β(r − z₀) = β(log π − (log π_ref + z₀)); 1 − σ(x) = σ(−x), so each answer costs λ·σ(∓β(r − z₀))
  const shifted = T.scale(
    T.sub(
      policy,
      T.tensor(
        Float32Array.from(reference, (x) => x + z0),
        [n],
      ),
    ),
    w.beta,
  );
  const towardLoss = Float32Array.from(desirable, (d) => (d ? -1 : 1));
  const weight = Float32Array.from(desirable, (d) => (d ? w.desirableWeight : w.undesirableWeight));
  const perExample = T.mul(T.sigmoid(T.mul(shifted, T.tensor(towardLoss, [n]))), T.tensor(weight, [n]));
  return {
    loss: T.mean(perExample),
    rewards: Float32Array.from(policy.data, (x, i) => w.beta * (x - reference[i])),
  };
}
