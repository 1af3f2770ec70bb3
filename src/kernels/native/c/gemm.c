/*
 * Batched GEMM on cblas_sgemm. Transposes are BLAS flags, never copies.
 *
 * A batch is either run item after item with OpenBLAS threading each product, or split
 * across our OpenMP threads with each sgemm single-threaded (OpenBLAS's OpenMP build does
 * that by itself inside a parallel region). Splitting the batch wins for small products
 * (attention per head, where sgemm's own threading costs more than it saves) and whenever
 * the batch divides evenly among the threads.
 */
#include <string.h>

#include "blas.h"
#include "common.h"
#include "kernels.h"

typedef struct {
  int transA, transB, m, n, k;
  float alpha, beta;
  const float *a, *b;
  float *c;
  int64_t strideA, strideB, strideC;
} GemmCtx;

static void gemm_one(const GemmCtx *g, size_t i) {
  int lda = g->transA ? g->m : g->k;
  int ldb = g->transB ? g->k : g->n;
  cblas_sgemm(REIN_CBLAS_ROW_MAJOR, g->transA ? REIN_CBLAS_TRANS : REIN_CBLAS_NO_TRANS,
              g->transB ? REIN_CBLAS_TRANS : REIN_CBLAS_NO_TRANS, g->m, g->n, g->k, g->alpha,
              g->a + (int64_t)i * g->strideA, lda > 0 ? lda : 1, g->b + (int64_t)i * g->strideB, ldb > 0 ? ldb : 1,
              g->beta, g->c + (int64_t)i * g->strideC, g->n);
}

static void gemm_range(void *ctx, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; i++) gemm_one((const GemmCtx *)ctx, i);
}

/* C = beta·C for the k = 0 case; beta = 0 writes zeros whatever C held. */
static void scale_c(float *c, size_t count, float beta) {
  if (beta == 0.0f) {
    memset(c, 0, count * sizeof(float));
  } else if (beta != 1.0f) {
    for (size_t i = 0; i < count; i++) c[i] *= beta;
  }
}

void k_gemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t strideA,
            const float *b, int64_t strideB, float beta, float *c, int64_t strideC, int64_t batch) {
  if (m == 0 || n == 0 || batch == 0) return;
  if (k == 0) {
    /* Every item shares C when strideC is 0; scaling it once per item keeps that meaning. */
    for (int64_t i = 0; i < batch; i++) scale_c(c + i * strideC, (size_t)(m * n), beta);
    return;
  }
  GemmCtx g = {transA, transB, (int)m, (int)n, (int)k, alpha, beta, a, b, c, strideA, strideB, strideC};
  int nt = rein_get_threads();
  double flops = 2.0 * (double)m * (double)n * (double)k;
  int disjoint = strideC >= m * n; /* items write separate outputs: safe to run them at once */
  if (batch > 1 && nt > 1 && disjoint && rein_blas_shares_pool() && (flops < 4e6 || batch % nt == 0)) {
    /* ~40 GFLOPS per thread for small sgemms is the cost estimate used to decide on threads. */
    rein_parallel_for((size_t)batch, flops / 40.0 + 200.0, gemm_range, &g);
    return;
  }
  gemm_range(&g, 0, (size_t)batch);
}
