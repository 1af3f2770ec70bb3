/*
 * Causal scaled dot-product attention with grouped KV heads, forward and backward.
 *
 * Heads are independent, so the work is split across threads by (batch, head) in the
 * forward pass and by (batch, KV head) in the backward pass (query heads sharing a KV head
 * add into the same dK/dV, so they stay on one thread). Inside a head:
 * - large heads (training, prompt prefill) use three single-threaded sgemms reading the
 *   (B, T, H, D) tensors in place through their leading dimensions, no copies;
 * - small ones (decoding one token against a KV cache) use direct loops, where sgemm's
 *   fixed cost per call would dominate.
 * Only the key columns some query can see are computed: [keyStart, qStart + Tq − 1], and for
 * long query blocks, per block of 32 rows (the causal triangle).
 */
#include <string.h>

#include "blas.h"
#include "common.h"
#include "kernels.h"

typedef struct {
  const float *q, *k, *v, *probsIn, *dOut;
  size_t B, Tq, Tk, Hq, Hkv, D, kvBatchStride;
  int64_t qStart;
  const int32_t *keyStart;
  float scale;
  float *out, *probs, *dq, *dk, *dv;
  float *scratch; /* per thread: scratchPer floats */
  size_t scratchPer;
  int useBlas;
} AttnCtx;

static void sgemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                  const float *b, size_t ldb, float beta, float *c, size_t ldc) {
  cblas_sgemm(REIN_CBLAS_ROW_MAJOR, ta ? REIN_CBLAS_TRANS : REIN_CBLAS_NO_TRANS,
              tb ? REIN_CBLAS_TRANS : REIN_CBLAS_NO_TRANS, (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb,
              beta, c, (int)ldc);
}

/* Softmax over row[lo..hi] inclusive, zeros elsewhere in [0, n). */
REIN_HOT static void masked_softmax_row(float *restrict row, size_t n, size_t lo, size_t hi) {
  float m = -INFINITY;
#pragma omp simd reduction(max : m)
  for (size_t j = lo; j <= hi; j++) m = row[j] > m ? row[j] : m;
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (size_t j = lo; j <= hi; j++) {
    float e = rein_expf(row[j] - m);
    row[j] = e;
    s += e;
  }
  float inv = 1.0f / s;
  for (size_t j = lo; j <= hi; j++) row[j] *= inv;
  for (size_t j = 0; j < lo; j++) row[j] = 0.0f;
  for (size_t j = hi + 1; j < n; j++) row[j] = 0.0f;
}

/* scores[j] = scale·⟨q, k_j⟩ for j in [lo, hi]. */
REIN_HOT static void dot_scores(const float *restrict q, const float *restrict k, size_t ldk, size_t D, float scale,
                                float *restrict row, size_t lo, size_t hi) {
  for (size_t j = lo; j <= hi; j++) {
    const float *restrict kj = k + j * ldk;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t d = 0; d < D; d++) s += q[d] * kj[d];
    row[j] = s * scale;
  }
}

/* o = Σ_j p[j]·v_j over j in [lo, hi]. */
REIN_HOT static void weighted_values(const float *restrict p, const float *restrict v, size_t ldv, size_t D,
                                     float *restrict o, size_t lo, size_t hi) {
  for (size_t d = 0; d < D; d++) o[d] = 0.0f;
  for (size_t j = lo; j <= hi; j++) {
    const float *restrict vj = v + j * ldv;
    float pj = p[j];
    for (size_t d = 0; d < D; d++) o[d] += pj * vj[d];
  }
}

static void attention_head(const AttnCtx *c, size_t b, size_t h, float *P) {
  size_t Tq = c->Tq, Tk = c->Tk, D = c->D;
  size_t g = h / (c->Hq / c->Hkv);
  size_t ldq = c->Hq * D, ldkv = c->Hkv * D;
  const float *Q = c->q + (b * Tq * c->Hq + h) * D;
  const float *K = c->k + b * c->kvBatchStride + g * D;
  const float *V = c->v + b * c->kvBatchStride + g * D;
  float *O = c->out + (b * Tq * c->Hq + h) * D;
  int64_t ks = c->keyStart ? c->keyStart[b] : 0;
  if (ks < 0) ks = 0;
  int64_t last = c->qStart + (int64_t)Tq - 1; /* the last key any query here sees */
  if (last > (int64_t)Tk - 1) last = (int64_t)Tk - 1;
  if (last < ks) {
    for (size_t t = 0; t < Tq; t++) {
      memset(O + t * ldq, 0, D * sizeof(float));
      memset(P + t * Tk, 0, Tk * sizeof(float));
    }
    return;
  }
  size_t j0 = (size_t)ks;
  if (c->useBlas) {
    /* Causal blocks of query rows: block [t0, t1) sees keys up to qStart + t1 − 1 at most, so
     * the products skip the masked upper triangle (about 40% of the work at T = 128). */
    size_t block = Tq >= 64 ? 32 : Tq;
    for (size_t t0 = 0; t0 < Tq; t0 += block) {
      size_t t1 = t0 + block < Tq ? t0 + block : Tq;
      int64_t blast = c->qStart + (int64_t)t1 - 1;
      if (blast > last) blast = last;
      if (blast < ks) { /* no row of this block sees a key */
        for (size_t t = t0; t < t1; t++) {
          memset(P + t * Tk, 0, Tk * sizeof(float));
          memset(O + t * ldq, 0, D * sizeof(float));
        }
        continue;
      }
      size_t cols = (size_t)(blast - ks + 1);
      sgemm(0, 1, t1 - t0, cols, D, c->scale, Q + t0 * ldq, ldq, K + j0 * ldkv, ldkv, 0.0f, P + t0 * Tk + j0, Tk);
      for (size_t t = t0; t < t1; t++) {
        float *row = P + t * Tk;
        int64_t hi = c->qStart + (int64_t)t;
        if (hi > last) hi = last;
        if (hi < ks)
          memset(row, 0, Tk * sizeof(float));
        else
          masked_softmax_row(row, Tk, j0, (size_t)hi);
      }
      sgemm(0, 0, t1 - t0, D, cols, 1.0f, P + t0 * Tk + j0, Tk, V + j0 * ldkv, ldkv, 0.0f, O + t0 * ldq, ldq);
    }
    return;
  }
  for (size_t t = 0; t < Tq; t++) {
    float *row = P + t * Tk;
    int64_t hi = c->qStart + (int64_t)t;
    if (hi > last) hi = last;
    if (hi < ks) {
      memset(row, 0, Tk * sizeof(float));
      memset(O + t * ldq, 0, D * sizeof(float));
      continue;
    }
    dot_scores(Q + t * ldq, K, ldkv, D, c->scale, row, j0, (size_t)hi);
    masked_softmax_row(row, Tk, j0, (size_t)hi);
    weighted_values(row, V, ldkv, D, O + t * ldq, j0, (size_t)hi);
  }
}

static void attention_range(void *vctx, size_t lo, size_t hi, int tid) {
  const AttnCtx *c = (const AttnCtx *)vctx;
  for (size_t i = lo; i < hi; i++) {
    size_t b = i / c->Hq, h = i % c->Hq;
    float *P = c->probs ? c->probs + i * c->Tq * c->Tk : c->scratch + (size_t)tid * c->scratchPer;
    attention_head(c, b, h, P);
  }
}

int k_attention(const float *q, const float *k, const float *v, size_t B, size_t Tq, size_t Tk, size_t Hq,
                size_t Hkv, size_t D, size_t kvBatchStride, int64_t qStart, const int32_t *keyStart, float scale,
                float *out, float *probs) {
  size_t items = B * Hq;
  if (items == 0 || Tq == 0 || D == 0) return 0;
  if (Tk == 0) {
    memset(out, 0, B * Tq * Hq * D * sizeof(float));
    return 0;
  }
  AttnCtx c = {.q = q, .k = k, .v = v, .B = B, .Tq = Tq, .Tk = Tk, .Hq = Hq, .Hkv = Hkv, .D = D,
               .kvBatchStride = kvBatchStride, .qStart = qStart, .keyStart = keyStart, .scale = scale,
               .out = out, .probs = probs};
  double flops = 4.0 * (double)Tq * (double)Tk * (double)D;
  c.useBlas = Tq >= 8 && D >= 16 && flops >= 65536.0;
  if (!probs) {
    c.scratchPer = Tq * Tk;
    c.scratch = rein_scratch(c.scratchPer * (size_t)rein_get_threads());
    if (!c.scratch) return -1;
  }
  rein_parallel_for_tid(items, flops / (c.useBlas ? 20.0 : 4.0) + 100.0, 0, attention_range, &c);
  return 0;
}

/*
 * Backward of one KV head of one batch row, over the query heads that read it. With
 * P = softmax(scale·QKᵀ) and dP = dO·Vᵀ:
 *   dV += Pᵀ·dO,  dS = P ⊙ (dP − rowsum(dP ⊙ P)),  dQ += scale·dS·K,  dK += scale·dSᵀ·Q.
 * Columns where every row of P is 0 (masked) contribute nothing and are skipped.
 */
static void attention_backward_group(const AttnCtx *c, size_t b, size_t g, float *S) {
  size_t Tq = c->Tq, Tk = c->Tk, D = c->D, group = c->Hq / c->Hkv;
  size_t ldq = c->Hq * D, ldkv = c->Hkv * D;
  const float *K = c->k + (b * Tk * c->Hkv + g) * D;
  const float *V = c->v + (b * Tk * c->Hkv + g) * D;
  float *dK = c->dk + (b * Tk * c->Hkv + g) * D;
  float *dV = c->dv + (b * Tk * c->Hkv + g) * D;
  for (size_t h = g * group; h < (g + 1) * group; h++) {
    const float *P = c->probsIn + ((b * c->Hq + h) * Tq) * Tk;
    size_t off = (b * Tq * c->Hq + h) * D;
    const float *Q = c->q + off, *dO = c->dOut + off;
    float *dQ = c->dq + off;
    /* Causal blocks of query rows (as in the forward pass), each over the key columns where
     * some row of the block has a nonzero probability. */
    size_t block = Tq >= 64 ? 32 : Tq;
    for (size_t t0 = 0; t0 < Tq; t0 += block) {
      size_t t1 = t0 + block < Tq ? t0 + block : Tq, rows = t1 - t0;
      size_t j0 = Tk, j1 = 0; /* nonzero columns [j0, j1) */
      for (size_t t = t0; t < t1; t++) {
        const float *row = P + t * Tk;
        size_t lo = 0, hi = Tk;
        while (lo < hi && row[lo] == 0.0f) lo++;
        while (hi > lo && row[hi - 1] == 0.0f) hi--;
        if (lo < hi) {
          if (lo < j0) j0 = lo;
          if (hi > j1) j1 = hi;
        }
      }
      if (j0 >= j1) continue;
      size_t n = j1 - j0;
      const float *Pb = P + t0 * Tk + j0;
      const float *dOb = dO + t0 * ldq, *Qb = Q + t0 * ldq;
      sgemm(1, 0, n, D, rows, 1.0f, Pb, Tk, dOb, ldq, 1.0f, dV + j0 * ldkv, ldkv);
      sgemm(0, 1, rows, n, D, 1.0f, dOb, ldq, V + j0 * ldkv, ldkv, 0.0f, S, n);
      for (size_t t = 0; t < rows; t++) {
        const float *restrict p = Pb + t * Tk;
        float *restrict s = S + t * n;
        float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
        for (size_t j = 0; j < n; j++) dot += s[j] * p[j];
        for (size_t j = 0; j < n; j++) s[j] = p[j] * (s[j] - dot);
      }
      sgemm(0, 0, rows, D, n, c->scale, S, n, K + j0 * ldkv, ldkv, 1.0f, dQ + t0 * ldq, ldq);
      sgemm(1, 0, n, D, rows, c->scale, S, n, Qb, ldq, 1.0f, dK + j0 * ldkv, ldkv);
    }
  }
}

static void attention_backward_range(void *vctx, size_t lo, size_t hi, int tid) {
  const AttnCtx *c = (const AttnCtx *)vctx;
  for (size_t i = lo; i < hi; i++)
    attention_backward_group(c, i / c->Hkv, i % c->Hkv, c->scratch + (size_t)tid * c->scratchPer);
}

int k_attention_backward(const float *q, const float *k, const float *v, const float *probs, const float *dOut,
                         size_t B, size_t Tq, size_t Tk, size_t Hq, size_t Hkv, size_t D, float scale, float *dq,
                         float *dk, float *dv) {
  size_t items = B * Hkv;
  if (items == 0 || Tq == 0 || Tk == 0 || D == 0) return 0;
  AttnCtx c = {.q = q, .k = k, .v = v, .probsIn = probs, .dOut = dOut, .B = B, .Tq = Tq, .Tk = Tk, .Hq = Hq,
               .Hkv = Hkv, .D = D, .scale = scale, .dq = dq, .dk = dk, .dv = dv};
  c.scratchPer = Tq * Tk;
  c.scratch = rein_scratch(c.scratchPer * (size_t)rein_get_threads());
  if (!c.scratch) return -1;
  double flops = 8.0 * (double)(Hq / Hkv) * (double)Tq * (double)Tk * (double)D;
  rein_parallel_for_tid(items, flops / 20.0 + 100.0, 0, attention_backward_range, &c);
  return 0;
}
