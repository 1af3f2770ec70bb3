/*
 * Shared pieces of rein's native kernels: threading policy, portable SIMD dispatch and the
 * branch-free float math the fused loops use.
 *
 * Threading: one OpenMP pool for everything. When OpenBLAS is its OpenMP build
 * (REIN_BLAS_OPENMP), sgemm runs on that same libgomp pool, so our loops and BLAS never
 * hold more than `rein_threads` busy threads between them; sgemm called inside one of our
 * parallel regions runs single-threaded (OpenBLAS checks omp_in_parallel()).
 */
#ifndef REIN_COMMON_H
#define REIN_COMMON_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Hot loops are compiled for three x86-64 levels and picked at load time (GCC/clang
 * function multiversioning through an ifunc). This keeps AVX-512 on machines that have it
 * without -march=native, so a build copied to an older x86-64 still runs.
 * OpenMP-outlined bodies do not inherit target_clones, so parallel regions only call
 * REIN_HOT functions, never contain the hot loop themselves.
 */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__has_attribute)
#if __has_attribute(target_clones) && defined(__ELF__)
#define REIN_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
#endif
#ifndef REIN_HOT
#define REIN_HOT
#endif

#define REIN_INLINE static inline __attribute__((always_inline))

/* ------------------------------------------------------------------ threads */

/** Threads our loops (and OpenBLAS) may use; set by rein_set_threads. */
int rein_get_threads(void);
void rein_set_threads(int n);
/* Below this many estimated nanoseconds of work a call runs inline: waking a spinning
 * pool costs a few microseconds, a sleeping one tens. */
#define REIN_PAR_MIN_NS 30000.0

/** 1 when OpenBLAS shares our OpenMP pool (its OpenMP build), 0 for its pthreads build. */
int rein_blas_shares_pool(void);

/** A loop body over items [lo, hi). */
typedef void (*rein_range_fn)(void *ctx, size_t lo, size_t hi);

/**
 * Runs fn over [0, n) split into contiguous chunks, one per thread, when the estimated work
 * (n · ns_per_item nanoseconds) pays for waking the pool; inline on the caller otherwise.
 * Tiny calls (the decoding workload makes thousands) therefore never touch OpenMP.
 */
void rein_parallel_for(size_t n, double ns_per_item, rein_range_fn fn, void *ctx);

/** Like rein_parallel_for but fn also gets the thread index, for per-thread scratch. */
typedef void (*rein_range_tid_fn)(void *ctx, size_t lo, size_t hi, int tid);
/** Returns the number of chunks (threads) used, so callers can reduce per-thread partials. */
int rein_parallel_for_tid(size_t n, double ns_per_item, int max_threads, rein_range_tid_fn fn, void *ctx);

/**
 * How a loop over `rows` rows of `len` elements splits into items: each row into `*chunks` column
 * ranges of `*chunkLen` elements (the last may be shorter). Rows stay whole (1 chunk) unless there
 * are too few rows to share among threads and they are long: then chunks of at least 8192
 * elements, at most 64 per row.
 */
REIN_INLINE void rein_column_chunks(size_t rows, size_t len, size_t *chunks, size_t *chunkLen) {
  const size_t minChunk = 8192;
  *chunks = 1;
  *chunkLen = len;
  if (rows < 8 && len >= 2 * minChunk) {
    *chunks = len / minChunk;
    if (*chunks > 64) *chunks = 64;
    *chunkLen = (len + *chunks - 1) / *chunks;
    *chunks = (len + *chunkLen - 1) / *chunkLen;
  }
}

/** Scratch of at least `floats` floats owned by the calling JS thread, reused across calls
 * (contents undefined); NULL if it cannot be allocated. Never free it. */
float *rein_scratch(size_t floats);

/* ------------------------------------------------------------------ float math */

/*
 * exp(x) for float32, branch-free so loops vectorise: x = n·ln2 + r with |r| ≤ ln2/2,
 * e^r by Cephes' degree-6 expf polynomial (error about 1 ulp on that range), 2^n by
 * building the exponent bits. exp(−inf) = 0 (masked attention scores rely on it),
 * exp(+inf) = +inf, NaN stays NaN; inputs below −87.3 flush to 0 instead of denormals.
 */
REIN_INLINE float rein_expf(float x) {
  const float hi = 88.72283905f, lo = -87.33654475f;
  float xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  float n = nearbyintf(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  /* 2^n for n in [−126, 128]: 2^128 is not a float, so that one case is built as 2^127·2. */
  int32_t ni = (int32_t)n;
  int32_t big = ni > 127;
  union {
    float f;
    int32_t i;
  } s;
  s.i = (ni + 127 - big) << 23;
  float y = p * s.f;
  y = big ? y * 2.0f : y;
  y = x < lo ? 0.0f : y;
  y = x > hi ? INFINITY : y;
  return x != x ? x : y;
}

/** The logistic function 1 / (1 + e^−x). */
REIN_INLINE float rein_sigmoidf(float x) { return 1.0f / (1.0f + rein_expf(-x)); }

/** √(2/π), the GELU tanh-approximation constant. */
#define REIN_GELU_K 0.7978845608028654f
#define REIN_GELU_C 0.044715f

/*
 * GELU (tanh approximation) without cancellation: 0.5·x·(1 + tanh u) = x·σ(2u),
 * u = √(2/π)(x + 0.044715x³).
 */
REIN_INLINE float rein_geluf(float x) {
  float u = REIN_GELU_K * (x + REIN_GELU_C * x * x * x);
  return x * rein_sigmoidf(2.0f * u);
}

/* d/dx of rein_geluf: with s = σ(2u), tanh u = 2s − 1 and 1 − tanh²u = 4s(1 − s), so
 * d = s + 2x·s(1 − s)·u′,  u′ = √(2/π)(1 + 3·0.044715x²). */
REIN_INLINE float rein_gelu_grad(float x) {
  float u = REIN_GELU_K * (x + REIN_GELU_C * x * x * x);
  float s = rein_sigmoidf(2.0f * u);
  float du = REIN_GELU_K * (1.0f + 3.0f * REIN_GELU_C * x * x);
  return s + 2.0f * x * s * (1.0f - s) * du;
}

#endif
