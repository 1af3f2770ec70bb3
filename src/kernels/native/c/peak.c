/*
 * The machine's measured FMA peak: every thread runs independent chains of vector fused
 * multiply-adds (enough chains to hide the FMA latency on two pipes) for a fixed time.
 * This is the denominator of the benchmark's MFU: what the cores can do at best, measured
 * here rather than taken from a spec sheet (clock speeds on shared VMs vary).
 */
#include <omp.h>

#include "common.h"
#include "kernels.h"

typedef float v16 __attribute__((vector_size(64)));
#define CHAINS 12

REIN_HOT static float fma_burst(long iters, float seed) {
  v16 acc[CHAINS];
  v16 mul, add;
  for (int l = 0; l < 16; l++) {
    mul[l] = 0.999999f;
    add[l] = 1e-7f * seed;
  }
  for (int c = 0; c < CHAINS; c++)
    for (int l = 0; l < 16; l++) acc[c][l] = seed + (float)(c * 16 + l) * 1e-3f;
  for (long i = 0; i < iters; i++) {
    /* a·b + c contracts to one FMA (-ffp-contract=fast); without fast-math the chains
     * cannot be reassociated or folded, so every FMA is executed. */
    for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * mul + add;
  }
  float s = 0.0f;
  for (int c = 0; c < CHAINS; c++)
    for (int l = 0; l < 16; l++) s += acc[c][l];
  return s;
}

/*
 * GFLOPS of `threads` threads running FMA chains: many short bursts (about half a millisecond each) for about
 * `seconds`, and the best burst counts. A burst that another process preempted is slower, so
 * the best one is the closest to what the cores can do, even on a machine that is not idle.
 */
double k_fma_peak_gflops(int threads, double seconds) {
  if (threads < 1) threads = 1;
  const long iters = 1 << 18; /* 12·16·2·2^18 ≈ 100 MFLOP per thread per burst, ~0.5 ms */
  double flops_per_burst = (double)iters * CHAINS * 16 * 2 * (double)threads;
  volatile float sink = 0.0f;
  fma_burst(iters, 1.0f); /* warm up the clocks */
  double best = 0.0, t0 = omp_get_wtime();
  while (omp_get_wtime() - t0 < seconds) {
    float part = 0.0f;
    double b0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : part)
    part += fma_burst(iters, 1.0f + (float)omp_get_thread_num());
    double dt = omp_get_wtime() - b0;
    sink += part;
    if (dt > 0 && flops_per_burst / dt > best) best = flops_per_burst / dt;
  }
  (void)sink;
  return best / 1e9;
}
