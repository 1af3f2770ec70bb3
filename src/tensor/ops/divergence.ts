/**
 * The generalized Jensen–Shannon divergence between a teacher's and a student's next-token
 * distributions, row by row over the last axis of two logit tensors (Agarwal et al. 2023, GKD):
 *
 *   JSD_β(t ‖ s) = β·KL(t ‖ m) + (1 − β)·KL(s ‖ m),   m = β·t + (1 − β)·s,
 *
 * with s = softmax(student / τ) and t = softmax(teacher / τ). JSD_β/β tends to KL(t ‖ s) as β → 0
 * and JSD_β/(1 − β) to KL(s ‖ t) as β → 1, so the two ends are taken as those KLs themselves:
 * β = 0 is the forward KL of classic distillation (the student covers every teacher mode), β = 1
 * the reverse KL (the student seeks the teacher's modes). Only the student receives a gradient.
 *
 * Backward, per row: ∂D/∂s_j = (1 − β)·log(s_j/m_j) for 0 < β < 1 (log s_j − log t_j + 1 at β = 1),
 * and through the softmax ∂D/∂z_k = s_k·(g_k − Σ_j s_j·g_j)/τ, which at β = 0 is (s_k − t_k)/τ.
 */
import { getBackend } from '../../kernels/index.js';
import { gradOf, needsGrad, record, saveForBackward } from '../autograd.js';
import { fmt } from '../shape.js';
import { Tensor } from '../tensor.js';

export interface DivergenceOptions {
  /** β ∈ [0, 1]: 0 the forward KL(t ‖ s), 1 the reverse KL(s ‖ t), between them JSD_β. */
  beta: number;
  /** τ > 0, dividing both logits (default 1). */
  temperature?: number;
  /**
   * One weight per row: the result is Σ_r w_r·D_r, and rows of weight 0 are skipped (prompt and
   * padding positions). Default: 1/rows each, the mean over rows.
   */
  rowWeights?: Float32Array;
}

/** log-softmax of logits/τ, row by row, into a new tensor. */
function logProbs(logits: Tensor, rows: number, V: number, tau: number): Tensor {
  const out = Tensor.empty(logits.shape);
  if (tau === 1) {
    getBackend().logSoftmax(logits.data, rows, V, out.data);
    return out;
  }
  const scaled = Tensor.empty(logits.shape);
  for (let i = 0; i < scaled.size; i++) scaled.data[i] = logits.data[i] / tau;
  getBackend().logSoftmax(scaled.data, rows, V, out.data);
  scaled.dispose();
  return out;
}

/** log(e^a + e^b) without overflow. */
function logAddExp(a: number, b: number): number {
  const hi = Math.max(a, b);
  if (hi === Number.NEGATIVE_INFINITY) return hi;
  return hi + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/**
 * Per row: the divergence, and into g (when given) each element's ∂D/∂s_j up to a constant
 * (constants cancel through the softmax).
 */
function rowDivergence(
  ls: Float32Array,
  lt: Float32Array,
  at: number,
  V: number,
  beta: number,
  g: Float64Array | null,
): number {
  let d = 0;
  if (beta === 0) {
    for (let k = at; k < at + V; k++) d += Math.exp(lt[k]) * (lt[k] - ls[k]);
    return d; // g unused: the gradient is s − t
  }
  if (beta === 1) {
    for (let k = at; k < at + V; k++) {
      const diff = ls[k] - lt[k];
      d += Math.exp(ls[k]) * diff;
      if (g) g[k - at] = diff;
    }
    return d;
  }
  const logB = Math.log(beta);
  const log1mB = Math.log1p(-beta);
  for (let k = at; k < at + V; k++) {
    const lm = logAddExp(lt[k] + logB, ls[k] + log1mB);
    d += beta * Math.exp(lt[k]) * (lt[k] - lm) + (1 - beta) * Math.exp(ls[k]) * (ls[k] - lm);
    if (g) g[k - at] = (1 - beta) * (ls[k] - lm);
  }
  return d;
}

/** Σ_r w_r·JSD_β(teacher_r ‖ student_r) over the rows of two (…, V) logit tensors (a scalar). */
export function generalizedJsd(student: Tensor, teacher: Tensor, opts: DivergenceOptions): Tensor {
  student.assertLive('generalizedJsd', 'student');
  teacher.assertLive('generalizedJsd', 'teacher');
  const { beta } = opts;
  const tau = opts.temperature ?? 1;
  if (student.rank === 0 || fmt(student.shape) !== fmt(teacher.shape)) {
    throw new Error(
      `generalizedJsd: student ${fmt(student.shape)} and teacher ${fmt(teacher.shape)} must be the same (..., V)`,
    );
  }
  if (!(beta >= 0 && beta <= 1)) throw new Error(`generalizedJsd: beta ${beta} must be in [0, 1]`);
  if (!(tau > 0)) throw new Error(`generalizedJsd: temperature ${tau} must be > 0`);
  if (teacher.requiresGrad) throw new Error('generalizedJsd: the teacher is a constant (detach it)');
  const V = student.shape[student.rank - 1];
  const rows = V === 0 ? 0 : student.size / V;
  const weights = opts.rowWeights ?? new Float32Array(rows).fill(rows === 0 ? 0 : 1 / rows);
  if (weights.length !== rows) {
    throw new Error(
      `generalizedJsd: ${weights.length} row weights for ${rows} rows of ${fmt(student.shape)}`,
    );
  }
  const ls = logProbs(student, rows, V, tau);
  const lt = logProbs(teacher, rows, V, tau);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    if (weights[r] !== 0) total += weights[r] * rowDivergence(ls.data, lt.data, r * V, V, beta, null);
  }
  const out = Tensor.empty([]);
  out.data[0] = total;
  if (needsGrad(student)) {
    const saved = weights.slice(); // the caller may refill its buffer before backward
    record(out, [student], () => {
      const dz = gradOf(student);
      const g = new Float64Array(V);
      for (let r = 0; r < rows; r++) {
        if (saved[r] === 0) continue;
        const at = r * V;
        const coef = (out.grad![0] * saved[r]) / tau;
        if (beta === 0) {
          for (let k = 0; k < V; k++)
            dz[at + k] += coef * (Math.exp(ls.data[at + k]) - Math.exp(lt.data[at + k]));
          continue;
        }
        rowDivergence(ls.data, lt.data, at, V, beta, g);
        let mean = 0;
        for (let k = 0; k < V; k++) mean += Math.exp(ls.data[at + k]) * g[k];
        for (let k = 0; k < V; k++) dz[at + k] += coef * Math.exp(ls.data[at + k]) * (g[k] - mean);
      }
    });
    saveForBackward(out, 'generalizedJsd', ls, lt);
  }
  return out;
}
