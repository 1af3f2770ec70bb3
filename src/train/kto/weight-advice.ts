/**
 * The KTO paper's advice on the two loss weights: the desirable examples' total weight should be
 * 1 to 4/3 times the undesirable ones', λ_D·n_D / (λ_U·n_U) ∈ [1, 4/3] — losses loom larger than
 * gains in prospect theory, and with far fewer of one kind its examples barely move the policy.
 * TRL's KTOTrainer warns the same way.
 */
const ADVISED_RATIO = [1, 4 / 3] as const;

/**
 * A one-line note when `n` desirable and undesirable examples with these weights fall outside the
 * advised ratio, with the weights that would bring them in (either one, the other kept); null
 * when they are inside it.
 */
export function weightAdvice(
  n: { desirable: number; undesirable: number },
  w: { desirableWeight: number; undesirableWeight: number },
): string | null {
  const [lo, hi] = ADVISED_RATIO;
  const advised = 'the KTO paper advises λ_D·n_D / (λ_U·n_U) from 1 to 4/3';
  if (n.desirable === 0 || n.undesirable === 0)
    return `every answer is ${n.desirable === 0 ? 'undesirable' : 'desirable'}: no weights balance them (${advised})`;
  const desirable = w.desirableWeight * n.desirable;
  const undesirable = w.undesirableWeight * n.undesirable;
  const ratio = desirable / undesirable;
  if (ratio >= lo && ratio <= hi) return null;
  const range = (a: number, b: number) => `${a.toPrecision(3)} to ${b.toPrecision(3)}`;
  const perDesirable = undesirable / n.desirable; // λ_D that makes the ratio 1
  const perUndesirable = desirable / n.undesirable; // λ_U that makes the ratio 1
  return (
    `${n.desirable} desirable and ${n.undesirable} undesirable answers weighted ${w.desirableWeight} and ` +
    `${w.undesirableWeight} give λ_D·n_D / (λ_U·n_U) = ${ratio.toPrecision(3)}, where the KTO paper advises 1 to 4/3: ` +
    `try --desirableWeight ${range(perDesirable * lo, perDesirable * hi)} or --undesirableWeight ${range(perUndesirable / hi, perUndesirable / lo)}`
  );
}
