/*
 * Thread policy: one number, rein_threads, bounds both our OpenMP loops and OpenBLAS.
 * Parallel regions open only when the estimated work pays for waking the pool, so the
 * thousands of tiny calls of token-by-token decoding stay on the calling thread.
 */
#include <omp.h>
#include <stdlib.h>

#include "blas.h"
#include "common.h"

static int g_threads = 0;

int rein_get_threads(void) {
  if (g_threads <= 0) g_threads = omp_get_max_threads();
  return g_threads;
}

void rein_set_threads(int n) {
  if (n < 1) n = 1;
  g_threads = n;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int rein_blas_shares_pool(void) {
#ifdef REIN_BLAS_OPENMP
  return 1;
#else
  return 0;
#endif
}

static int threads_for(size_t n, double ns_per_item, int max_threads) {
  int nt = rein_get_threads();
  if (max_threads > 0 && nt > max_threads) nt = max_threads;
  if (nt <= 1 || n < 2 || (double)n * ns_per_item < REIN_PAR_MIN_NS || omp_in_parallel()) return 1;
  if ((size_t)nt > n) nt = (int)n;
  return nt;
}

void rein_parallel_for(size_t n, double ns_per_item, rein_range_fn fn, void *ctx) {
  if (n == 0) return;
  int nt = threads_for(n, ns_per_item, 0);
  if (nt == 1) {
    fn(ctx, 0, n);
    return;
  }
#pragma omp parallel num_threads(nt)
  {
    size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
    size_t lo = n * t / T, hi = n * (t + 1) / T;
    if (lo < hi) fn(ctx, lo, hi);
  }
}

int rein_parallel_for_tid(size_t n, double ns_per_item, int max_threads, rein_range_tid_fn fn, void *ctx) {
  if (n == 0) return 0;
  int nt = threads_for(n, ns_per_item, max_threads);
  if (nt == 1) {
    fn(ctx, 0, n, 0);
    return 1;
  }
  int used = nt;
#pragma omp parallel num_threads(nt)
  {
    size_t t = (size_t)omp_get_thread_num(), T = (size_t)omp_get_num_threads();
#pragma omp single
    used = (int)T;
    size_t lo = n * t / T, hi = n * (t + 1) / T;
    if (lo < hi) fn(ctx, lo, hi, (int)t);
  }
  return used;
}

/* Grow-only scratch per JS thread: the decoding loop calls attention thousands of times,
 * and a malloc/free pair per call is measurable there. */
static _Thread_local float *g_scratch = NULL;
static _Thread_local size_t g_scratch_len = 0;

float *rein_scratch(size_t floats) {
  if (floats <= g_scratch_len) return g_scratch;
  size_t len = floats < 4096 ? 4096 : floats;
  if (len < g_scratch_len * 2) len = g_scratch_len * 2;
  free(g_scratch);
  g_scratch = (float *)malloc(len * sizeof(float));
  g_scratch_len = g_scratch ? len : 0;
  return g_scratch;
}
