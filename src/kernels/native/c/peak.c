/*
 * The machine's measured FMA peak: every thread runs independent chains of vector fused
 * multiply-adds (enough chains to hide the FMA latency on two pipes) for a fixed time.
 * This is the denominator of the benchmark's MFU: what the cores can do at best, measured
 * here rather than taken from a spec sheet (clock speeds on shared VMs vary).
 */
#include <omp.h>

#include "common.h"
#include "kernels.h"

#define CHAINS 12

/*
 * One burst of CHAINS independent FMA chains on vectors of L lanes, as a function `name` compiled
 * for `target`. The vectors must be the machine's own width: on AVX2, a 64-byte vector is two
 * registers, 12 chains need 24 of its 16, and the spills make the loop memory-bound (6 instead of
 * 90 GFLOPS per core measured on an AVX2 EPYC) — the peak, and with it every MFU, would be off
 * tenfold. So each instruction set gets the width that keeps the chains in registers.
 */
#define DEFINE_FMA_BURST(name, L, target)                                                         \
  target static float name(long iters, float seed) {                                            \
    typedef float vec __attribute__((vector_size(4 * (L))));                                     \
    vec acc[CHAINS];                                                                             \
    vec mul, add;                                                                                \
    for (int l = 0; l < (L); l++) {                                                              \
      mul[l] = 0.999999f;                                                                        \
      add[l] = 1e-7f * seed;                                                                     \
    }                                                                                            \
    for (int c = 0; c < CHAINS; c++)                                                             \
      for (int l = 0; l < (L); l++) acc[c][l] = seed + (float)(c * (L) + l) * 1e-3f;             \
    /* a·b + c contracts to one FMA (-ffp-contract=fast); without fast-math the chains cannot */ \
    /* be reassociated or folded, so every FMA is executed. */                                   \
    for (long i = 0; i < iters; i++)                                                             \
      for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * mul + add;                              \
    float s = 0.0f;                                                                              \
    for (int c = 0; c < CHAINS; c++)                                                             \
      for (int l = 0; l < (L); l++) s += acc[c][l];                                              \
    return s;                                                                                    \
  }

#if defined(__x86_64__) && defined(__ELF__)
/* The two levels the hot kernels are cloned for (common.h): AVX-512 and AVX2 with FMA. */
DEFINE_FMA_BURST(fma_burst_512, 16, __attribute__((target("arch=x86-64-v4"))))
DEFINE_FMA_BURST(fma_burst_256, 8, __attribute__((target("arch=x86-64-v3"))))
#endif
DEFINE_FMA_BURST(fma_burst_128, 4, )

/* The lanes of the widest vectors this CPU runs FMAs on, as the hot kernels' clones pick them. */
static int fma_lanes(void) {
#if defined(__x86_64__) && defined(__ELF__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return 16;
  if (__builtin_cpu_supports("x86-64-v3")) return 8;
#endif
  return 4;
}

static float fma_burst(int lanes, long iters, float seed) {
#if defined(__x86_64__) && defined(__ELF__)
  if (lanes == 16) return fma_burst_512(iters, seed);
  if (lanes == 8) return fma_burst_256(iters, seed);
#endif
  return fma_burst_128(iters, seed);
}

/*
 * GFLOPS of `threads` threads running FMA chains: many short bursts (about half a millisecond each) for about
 * `seconds`, and the best burst counts. A burst that another process preempted is slower, so
 * the best one is the closest to what the cores can do, even on a machine that is not idle.
 */
double k_fma_peak_gflops(int threads, double seconds) {
  if (threads < 1) threads = 1;
  const int lanes = fma_lanes();
  const long iters = (1L << 22) / lanes; /* 12·2·2^22 ≈ 100 MFLOP per thread per burst, ~0.5 ms */
  double flops_per_burst = (double)iters * CHAINS * lanes * 2 * (double)threads;
  volatile float sink = 0.0f;
  fma_burst(lanes, iters, 1.0f); /* warm up the clocks */
  double best = 0.0, t0 = omp_get_wtime();
  while (omp_get_wtime() - t0 < seconds) {
    float part = 0.0f;
    double b0 = omp_get_wtime();
#pragma omp parallel num_threads(threads) reduction(+ : part)
    part += fma_burst(lanes, iters, 1.0f + (float)omp_get_thread_num());
    double dt = omp_get_wtime() - b0;
    sink += part;
    if (dt > 0 && flops_per_burst / dt > best) best = flops_per_burst / dt;
  }
  (void)sink;
  return best / 1e9;
}
