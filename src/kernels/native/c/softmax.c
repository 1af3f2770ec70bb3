/*
 * The softmax family along the last axis, and fused cross-entropy. Each row is one pass
 * for its maximum, one for the exponentials and their sum, one to scale: rows are split
 * across threads when there is enough of them.
 */
#include "common.h"
#include "kernels.h"

typedef struct {
  const float *x, *y, *dy;
  const int32_t *targets;
  const float *dLoss;
  size_t n;
  int32_t ignoreIndex;
  float *out;
} RowCtx;

REIN_INLINE float row_max(const float *restrict x, size_t n) {
  float m = -INFINITY;
#pragma omp simd reduction(max : m)
  for (size_t j = 0; j < n; j++) m = x[j] > m ? x[j] : m;
  return m;
}

/* Σ exp(x − m), optionally writing the exponentials to e. */
REIN_INLINE float row_sum_exp(const float *restrict x, size_t n, float m, float *restrict e) {
  float s = 0.0f;
  if (e) {
#pragma omp simd reduction(+ : s)
    for (size_t j = 0; j < n; j++) {
      float v = rein_expf(x[j] - m);
      e[j] = v;
      s += v;
    }
  } else {
#pragma omp simd reduction(+ : s)
    for (size_t j = 0; j < n; j++) s += rein_expf(x[j] - m);
  }
  return s;
}

REIN_HOT static void softmax_rows(void *vctx, size_t lo, size_t hi) {
  const RowCtx *c = (const RowCtx *)vctx;
  size_t n = c->n;
  for (size_t r = lo; r < hi; r++) {
    const float *x = c->x + r * n;
    float *restrict o = c->out + r * n;
    float m = row_max(x, n);
    float inv = 1.0f / row_sum_exp(x, n, m, o);
    for (size_t j = 0; j < n; j++) o[j] *= inv;
  }
}

REIN_HOT static void softmax_backward_rows(void *vctx, size_t lo, size_t hi) {
  const RowCtx *c = (const RowCtx *)vctx;
  size_t n = c->n;
  for (size_t r = lo; r < hi; r++) {
    const float *restrict y = c->y + r * n;
    const float *restrict dy = c->dy + r * n;
    float *restrict dx = c->out + r * n;
    float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
    for (size_t j = 0; j < n; j++) dot += dy[j] * y[j];
    for (size_t j = 0; j < n; j++) dx[j] += y[j] * (dy[j] - dot);
  }
}

REIN_HOT static void log_softmax_rows(void *vctx, size_t lo, size_t hi) {
  const RowCtx *c = (const RowCtx *)vctx;
  size_t n = c->n;
  for (size_t r = lo; r < hi; r++) {
    const float *restrict x = c->x + r * n;
    float *restrict o = c->out + r * n;
    float m = row_max(x, n);
    float lse = m + logf(row_sum_exp(x, n, m, NULL));
    for (size_t j = 0; j < n; j++) o[j] = x[j] - lse;
  }
}

REIN_HOT static void log_softmax_backward_rows(void *vctx, size_t lo, size_t hi) {
  const RowCtx *c = (const RowCtx *)vctx;
  size_t n = c->n;
  for (size_t r = lo; r < hi; r++) {
    const float *restrict y = c->y + r * n;
    const float *restrict dy = c->dy + r * n;
    float *restrict dx = c->out + r * n;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t j = 0; j < n; j++) s += dy[j];
    for (size_t j = 0; j < n; j++) dx[j] += dy[j] - rein_expf(y[j]) * s;
  }
}

REIN_HOT static void cross_entropy_rows(void *vctx, size_t lo, size_t hi) {
  const RowCtx *c = (const RowCtx *)vctx;
  size_t n = c->n;
  for (size_t r = lo; r < hi; r++) {
    int32_t t = c->targets[r];
    if (t == c->ignoreIndex) {
      c->out[r] = 0.0f;
      continue;
    }
    const float *x = c->x + r * n;
    float m = row_max(x, n);
    float lse = m + logf(row_sum_exp(x, n, m, NULL));
    c->out[r] = lse - x[t];
  }
}

REIN_HOT static void cross_entropy_backward_rows(void *vctx, size_t lo, size_t hi) {
  const RowCtx *c = (const RowCtx *)vctx;
  size_t n = c->n;
  for (size_t r = lo; r < hi; r++) {
    int32_t t = c->targets[r];
    if (t == c->ignoreIndex) continue;
    const float *restrict x = c->x + r * n;
    float *restrict dx = c->out + r * n;
    float g = c->dLoss[r];
    float m = row_max(x, n);
    float scale = g / row_sum_exp(x, n, m, NULL);
    for (size_t j = 0; j < n; j++) dx[j] += rein_expf(x[j] - m) * scale;
    dx[t] -= g;
  }
}

/* Nanoseconds per row element, for the decision to go parallel. */
#define ROW_COST 1.0

void k_softmax(const float *x, size_t rows, size_t n, float *out) {
  RowCtx c = {.x = x, .n = n, .out = out};
  rein_parallel_for(rows, ROW_COST * (double)n, softmax_rows, &c);
}

void k_softmax_backward(const float *y, const float *dy, size_t rows, size_t n, float *dx) {
  RowCtx c = {.y = y, .dy = dy, .n = n, .out = dx};
  rein_parallel_for(rows, 0.5 * (double)n, softmax_backward_rows, &c);
}

void k_log_softmax(const float *x, size_t rows, size_t n, float *out) {
  RowCtx c = {.x = x, .n = n, .out = out};
  rein_parallel_for(rows, ROW_COST * (double)n, log_softmax_rows, &c);
}

void k_log_softmax_backward(const float *y, const float *dy, size_t rows, size_t n, float *dx) {
  RowCtx c = {.y = y, .dy = dy, .n = n, .out = dx};
  rein_parallel_for(rows, ROW_COST * (double)n, log_softmax_backward_rows, &c);
}

void k_cross_entropy(const float *logits, const int32_t *targets, size_t rows, size_t vocab, int32_t ignoreIndex,
                     float *losses) {
  RowCtx c = {.x = logits, .targets = targets, .n = vocab, .ignoreIndex = ignoreIndex, .out = losses};
  rein_parallel_for(rows, ROW_COST * (double)vocab, cross_entropy_rows, &c);
}

void k_cross_entropy_backward(const float *logits, const int32_t *targets, const float *dLoss, size_t rows,
                              size_t vocab, int32_t ignoreIndex, float *dLogits) {
  RowCtx c = {.x = logits, .targets = targets, .dLoss = dLoss, .n = vocab, .ignoreIndex = ignoreIndex,
              .out = dLogits};
  rein_parallel_for(rows, 1.5 * (double)vocab, cross_entropy_backward_rows, &c);
}
