/*
 * LayerNorm and RMSNorm along the last axis, forward and backward.
 *
 * The backward passes sum dw (and db) over rows. Rows are split across threads, each
 * thread sums its rows into its own partial vector, and the partials are added into
 * dw/db at the end, so no two threads ever add into the same element. When the partials
 * cannot be allocated the call fails (−1, out of memory) instead of quietly running on one
 * thread, whose sums would round differently.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "kernels.h"

typedef struct {
  const float *x, *w, *b, *dy, *mean, *rstd;
  size_t n;
  float eps;
  float *out, *meanOut, *rstdOut, *dx;
  float *dw, *db;      /* where thread 0 accumulates (the real outputs when single-threaded) */
  float *partials;     /* per-thread dw (and db) for threads > 0 */
} NormCtx;

REIN_HOT static void layer_norm_rows(void *vctx, size_t lo, size_t hi) {
  const NormCtx *c = (const NormCtx *)vctx;
  size_t n = c->n;
  const float *restrict w = c->w;
  const float *restrict b = c->b;
  for (size_t r = lo; r < hi; r++) {
    const float *restrict x = c->x + r * n;
    float *restrict o = c->out + r * n;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t j = 0; j < n; j++) s += x[j];
    float mu = s / (float)n;
    float v = 0.0f;
#pragma omp simd reduction(+ : v)
    for (size_t j = 0; j < n; j++) v += (x[j] - mu) * (x[j] - mu);
    float rs = 1.0f / sqrtf(v / (float)n + c->eps);
    c->meanOut[r] = mu;
    c->rstdOut[r] = rs;
    if (b) {
      for (size_t j = 0; j < n; j++) o[j] = (x[j] - mu) * rs * w[j] + b[j];
    } else {
      for (size_t j = 0; j < n; j++) o[j] = (x[j] - mu) * rs * w[j];
    }
  }
}

void k_layer_norm(const float *x, const float *w, const float *b, size_t rows, size_t n, float eps, float *out,
                  float *mean, float *rstd) {
  NormCtx c = {.x = x, .w = w, .b = b, .n = n, .eps = eps, .out = out, .meanOut = mean, .rstdOut = rstd};
  rein_parallel_for(rows, 1.0 * (double)n + 5.0, layer_norm_rows, &c);
}

/* Per-thread accumulators: thread 0 writes into the outputs, others into their partials. */
static void thread_accumulators(const NormCtx *c, int tid, int with_db, float **dw, float **db) {
  if (tid == 0) {
    *dw = c->dw;
    *db = c->db;
    return;
  }
  size_t stride = c->n * (with_db ? 2 : 1);
  *dw = c->partials + (size_t)(tid - 1) * stride;
  *db = with_db ? *dw + c->n : NULL;
}

/*
 * x̂ = (x − μ)·rstd, g = dy ⊙ w:
 *   dx += rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)),  dw += dy ⊙ x̂,  db += dy.
 */
REIN_HOT static void layer_norm_backward_rows(void *vctx, size_t lo, size_t hi, int tid) {
  const NormCtx *c = (const NormCtx *)vctx;
  size_t n = c->n;
  float *dwp, *dbp;
  thread_accumulators(c, tid, c->db != NULL, &dwp, &dbp);
  float *restrict dw = dwp, *restrict db = dbp;
  const float *restrict w = c->w;
  for (size_t r = lo; r < hi; r++) {
    const float *restrict x = c->x + r * n;
    const float *restrict dy = c->dy + r * n;
    float *restrict dx = c->dx + r * n;
    float mu = c->mean[r], rs = c->rstd[r];
    float sg = 0.0f, sgx = 0.0f;
#pragma omp simd reduction(+ : sg, sgx)
    for (size_t j = 0; j < n; j++) {
      float xh = (x[j] - mu) * rs;
      float g = dy[j] * w[j];
      sg += g;
      sgx += g * xh;
    }
    float mg = sg / (float)n, mgx = sgx / (float)n;
    for (size_t j = 0; j < n; j++) {
      float xh = (x[j] - mu) * rs;
      dx[j] += rs * (dy[j] * w[j] - mg - xh * mgx);
      dw[j] += dy[j] * xh;
    }
    if (db)
      for (size_t j = 0; j < n; j++) db[j] += dy[j];
  }
}

/* Adds the partials of threads 1…used−1 into dw (and db). */
static void add_partials(const NormCtx *c, int used, int with_db) {
  size_t n = c->n, stride = n * (with_db ? 2 : 1);
  for (int t = 1; t < used; t++) {
    const float *p = c->partials + (size_t)(t - 1) * stride;
    for (size_t j = 0; j < n; j++) c->dw[j] += p[j];
    if (with_db)
      for (size_t j = 0; j < n; j++) c->db[j] += p[n + j];
  }
}

/* Scratch for the partials of every thread but the first (nt > 1 threads), zeroed; NULL when
 * out of memory. */
static float *alloc_partials(int nt, size_t n, int with_db) {
  size_t count = (size_t)(nt - 1) * n * (with_db ? 2 : 1);
  return (float *)calloc(count > 0 ? count : 1, sizeof(float));
}

int k_layer_norm_backward(const float *dy, const float *x, const float *w, const float *mean, const float *rstd,
                          size_t rows, size_t n, float *dx, float *dw, float *db) {
  NormCtx c = {.x = x, .w = w, .dy = dy, .mean = mean, .rstd = rstd, .n = n, .dx = dx, .dw = dw, .db = db};
  int with_db = db != NULL;
  double cost = 2.0 * (double)n + 5.0;
  int max_threads = 1, nt = rein_get_threads();
  if ((double)rows * cost >= REIN_PAR_MIN_NS && rows >= 2 && nt > 1) {
    c.partials = alloc_partials(nt, n, with_db);
    if (!c.partials) return -1;
    max_threads = nt;
  }
  int used = rein_parallel_for_tid(rows, cost, max_threads, layer_norm_backward_rows, &c);
  if (c.partials) {
    add_partials(&c, used, with_db);
    free(c.partials);
  }
  return 0;
}

REIN_HOT static void rms_norm_rows(void *vctx, size_t lo, size_t hi) {
  const NormCtx *c = (const NormCtx *)vctx;
  size_t n = c->n;
  const float *restrict w = c->w;
  for (size_t r = lo; r < hi; r++) {
    const float *restrict x = c->x + r * n;
    float *restrict o = c->out + r * n;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t j = 0; j < n; j++) s += x[j] * x[j];
    float rs = 1.0f / sqrtf(s / (float)n + c->eps);
    c->rstdOut[r] = rs;
    for (size_t j = 0; j < n; j++) o[j] = x[j] * rs * w[j];
  }
}

void k_rms_norm(const float *x, const float *w, size_t rows, size_t n, float eps, float *out, float *rstd) {
  NormCtx c = {.x = x, .w = w, .n = n, .eps = eps, .out = out, .rstdOut = rstd};
  rein_parallel_for(rows, 0.8 * (double)n + 5.0, rms_norm_rows, &c);
}

/*
 * y = x · r · w with r = (mean(x²) + eps)^(−1/2):
 *   dx += r · (dy ⊙ w) − x · r³/n · Σ dy ⊙ w ⊙ x,   dw += dy ⊙ x · r.
 */
REIN_HOT static void rms_norm_backward_rows(void *vctx, size_t lo, size_t hi, int tid) {
  const NormCtx *c = (const NormCtx *)vctx;
  size_t n = c->n;
  float *dwp, *dbp;
  thread_accumulators(c, tid, 0, &dwp, &dbp);
  float *restrict dw = dwp;
  const float *restrict w = c->w;
  for (size_t r = lo; r < hi; r++) {
    const float *restrict x = c->x + r * n;
    const float *restrict dy = c->dy + r * n;
    float *restrict dx = c->dx + r * n;
    float rs = c->rstd[r];
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t j = 0; j < n; j++) s += dy[j] * w[j] * x[j];
    float k = s * rs * rs * rs / (float)n;
    for (size_t j = 0; j < n; j++) {
      dx[j] += rs * dy[j] * w[j] - x[j] * k;
      dw[j] += dy[j] * x[j] * rs;
    }
  }
}

int k_rms_norm_backward(const float *dy, const float *x, const float *w, const float *rstd, size_t rows, size_t n,
                        float *dx, float *dw) {
  NormCtx c = {.x = x, .w = w, .dy = dy, .rstd = rstd, .n = n, .dx = dx, .dw = dw};
  double cost = 1.5 * (double)n + 5.0;
  int max_threads = 1, nt = rein_get_threads();
  if ((double)rows * cost >= REIN_PAR_MIN_NS && rows >= 2 && nt > 1) {
    c.partials = alloc_partials(nt, n, 0);
    if (!c.partials) return -1;
    max_threads = nt;
  }
  int used = rein_parallel_for_tid(rows, cost, max_threads, rms_norm_backward_rows, &c);
  if (c.partials) {
    add_partials(&c, used, 0);
    free(c.partials);
  }
  return 0;
}
