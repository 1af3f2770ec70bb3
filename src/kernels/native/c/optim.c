/* The optimiser step (AdamW) and the squared norm used for gradient clipping. */
#include "common.h"
#include "kernels.h"

typedef struct {
  float *p, *m, *v;
  const float *g;
  float lr, b1, b2, eps, wd, c1, c2; /* c1, c2: 1 / (1 − β^step), the bias corrections */
} AdamCtx;

/*
 * m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
 * p −= lr·( m̂ / (√v̂ + eps) + wd·p ),  m̂ = m/(1−β1^step),  v̂ = v/(1−β2^step).
 */
REIN_HOT static void adamw_range(void *vctx, size_t lo, size_t hi) {
  const AdamCtx *c = (const AdamCtx *)vctx;
  float *restrict p = c->p, *restrict m = c->m, *restrict v = c->v;
  const float *restrict g = c->g;
  const float b1 = c->b1, b2 = c->b2, lr = c->lr, eps = c->eps, wd = c->wd, c1 = c->c1, c2 = c->c2;
  for (size_t i = lo; i < hi; i++) {
    float gi = g[i];
    float mi = b1 * m[i] + (1.0f - b1) * gi;
    float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= lr * ((mi * c1) / (sqrtf(vi * c2) + eps) + wd * p[i]);
  }
}

void k_adamw(float *p, const float *g, float *m, float *v, size_t n, double lr, double beta1, double beta2,
             double eps, double weightDecay, double step) {
  AdamCtx c = {p, m, v, g, (float)lr, (float)beta1, (float)beta2, (float)eps, (float)weightDecay,
               (float)(1.0 / (1.0 - pow(beta1, step))), (float)(1.0 / (1.0 - pow(beta2, step)))};
  rein_parallel_for(n, 0.6, adamw_range, &c);
}

REIN_HOT static double sum_squares_chunk(const float *restrict x, size_t n) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (size_t i = 0; i < n; i++) s += (double)x[i] * (double)x[i];
  return s;
}

double k_sum_squares(const float *x, size_t n) {
  /* Chunks of 64 Ki elements, each summed in double, then the chunk sums added up. */
  enum { CHUNK = 1 << 16 };
  size_t chunks = (n + CHUNK - 1) / CHUNK;
  if (chunks <= 1) return sum_squares_chunk(x, n);
  double total = 0.0;
#pragma omp parallel for if (n >= (1 << 18) && rein_get_threads() > 1) num_threads(rein_get_threads()) \
    reduction(+ : total) schedule(static)
  for (size_t i = 0; i < chunks; i++) {
    size_t lo = i * CHUNK, hi = lo + CHUNK < n ? lo + CHUNK : n;
    total += sum_squares_chunk(x + lo, hi - lo);
  }
  return total;
}
