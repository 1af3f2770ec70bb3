/*
 * Causal scaled dot-product attention with grouped KV heads, forward and backward.
 *
 * Heads are independent, so the work is split across threads by (batch, head) in the
 * forward pass and by (batch, KV head) in the backward pass (query heads sharing a KV head
 * add into the same dK/dV, so they stay on one thread). The loops that call sgemm go
 * parallel only when OpenBLAS shares our OpenMP pool; with its pthreads build they run on
 * the calling thread, which is the only one that calls BLAS (each head's result is the same
 * either way: the same calls on the same data, only on another thread). Inside a head:
 * - large heads (training, prompt prefill) use three single-threaded sgemms reading the
 *   (B, T, H, D) tensors in place through their leading dimensions, no copies;
 * - small ones (decoding one token against a KV cache) use direct loops, where sgemm's
 *   fixed cost per call would dominate.
 * Only the key columns some query can see are computed: [keyStart, qStart + Tq − 1], and for
 * long query blocks, per block of 32 rows (the causal triangle). keyStart is per batch row (left
 * padding) or per query (packed rows: several sequences side by side, each query seeing only its
 * own sequence's keys); a block then computes the columns from its rows' first key on, and each
 * row's softmax masks what lies before its own.
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
  int keyStartPerQuery; /* keyStart holds B·Tq entries, one per query, rather than B */
  float scale;
  float *out, *probs, *dq, *dk, *dv;
  float *scratch; /* per thread: scratchPer floats */
  size_t scratchPer;
  size_t scratchRows; /* loop path: floats of probability rows at the start of a thread's scratch */
  int useBlas;
} AttnCtx;

/* The first key query t of batch row b may see (its row's, or its own with per-query starts). */
static int64_t key_start(const AttnCtx *c, size_t b, size_t t) {
  if (!c->keyStart) return 0;
  int64_t ks = c->keyStartPerQuery ? c->keyStart[b * c->Tq + t] : c->keyStart[b];
  return ks < 0 ? 0 : ks;
}

/* The earliest first key of queries [t0, t1) of batch row b. */
static int64_t min_key_start(const AttnCtx *c, size_t b, size_t t0, size_t t1) {
  if (!c->keyStartPerQuery) return key_start(c, b, t0);
  int64_t ks = key_start(c, b, t0);
  for (size_t t = t0 + 1; t < t1; t++) {
    int64_t s = key_start(c, b, t);
    if (s < ks) ks = s;
  }
  return ks;
}

static void sgemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a, size_t lda,
                  const float *b, size_t ldb, float beta, float *c, size_t ldc) {
  cblas_sgemm(REIN_CBLAS_ROW_MAJOR, ta ? REIN_CBLAS_TRANS : REIN_CBLAS_NO_TRANS,
              tb ? REIN_CBLAS_TRANS : REIN_CBLAS_NO_TRANS, (int)m, (int)n, (int)k, alpha, a, (int)lda, b, (int)ldb,
              beta, c, (int)ldc);
}

/* The thread cap of a loop whose items call sgemm: none (0) when OpenBLAS is the OpenMP build
 * (an sgemm inside our parallel region runs single-threaded there), else 1: the pthreads build
 * is called from the main thread only (its own pool would oversubscribe ours). */
static int blas_max_threads(void) { return rein_blas_shares_pool() ? 0 : 1; }

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

/*
 * The loop path for one query row of every query head in a KV group (decoding, small heads).
 * Scores are computed against Kt, the group's keys transposed to (D, ldt), so the inner loops run
 * over 16 keys at a time with no horizontal sums; outputs accumulate in registers. Each key and
 * value row serves every query head that shares it. `rows[i]` is head i's probability row
 * (length Tk), `qs[i]`/`os[i]` its query and output rows. D is a compile-time constant in the
 * specialised copies below, so the D loops unroll.
 */
REIN_INLINE void group_row(const float *const *qs, float *const *os, float *const *rows, size_t group,
                           const float *restrict Kt, size_t ldt, const float *V, size_t ldkv, size_t Tk, size_t lo,
                           size_t hi, float scale, const size_t D) {
  for (size_t i = 0; i < group; i++) {
    const float *restrict q = qs[i];
    float *restrict row = rows[i];
    for (size_t jb = lo; jb <= hi; jb += 16) {
      float acc[16] = {0};
      for (size_t d = 0; d < D; d++) {
        const float qd = q[d] * scale;
        const float *restrict kt = Kt + d * ldt + jb;
        for (size_t jj = 0; jj < 16; jj++) acc[jj] += qd * kt[jj];
      }
      size_t w = hi + 1 - jb < 16 ? hi + 1 - jb : 16;
      for (size_t jj = 0; jj < w; jj++) row[jb + jj] = acc[jj];
    }
    masked_softmax_row(row, Tk, lo, hi);
  }
  float acc[D];
  for (size_t i = 0; i < group; i++) {
    const float *restrict p = rows[i];
    for (size_t d = 0; d < D; d++) acc[d] = 0.0f;
    for (size_t j = lo; j <= hi; j++) {
      const float *restrict vj = V + j * ldkv;
      const float pj = p[j];
      for (size_t d = 0; d < D; d++) acc[d] += pj * vj[d];
    }
    float *restrict o = os[i];
    for (size_t d = 0; d < D; d++) o[d] = acc[d];
  }
}

REIN_HOT static void group_row_any(const float *const *qs, float *const *os, float *const *rows, size_t group,
                                   const float *Kt, size_t ldt, const float *V, size_t ldkv, size_t Tk, size_t lo,
                                   size_t hi, float scale, size_t D) {
  switch (D) {
    case 8:
      group_row(qs, os, rows, group, Kt, ldt, V, ldkv, Tk, lo, hi, scale, 8);
      break;
    case 16:
      group_row(qs, os, rows, group, Kt, ldt, V, ldkv, Tk, lo, hi, scale, 16);
      break;
    case 32:
      group_row(qs, os, rows, group, Kt, ldt, V, ldkv, Tk, lo, hi, scale, 32);
      break;
    case 64:
      group_row(qs, os, rows, group, Kt, ldt, V, ldkv, Tk, lo, hi, scale, 64);
      break;
    default:
      group_row(qs, os, rows, group, Kt, ldt, V, ldkv, Tk, lo, hi, scale, D);
  }
}

/* Kt[d·ldt + j] = K[j·ldkv + d] for keys j in [lo, hi]. */
REIN_HOT static void transpose_keys(const float *restrict K, size_t ldkv, size_t D, size_t lo, size_t hi,
                                    float *restrict Kt, size_t ldt) {
  for (size_t j = lo; j <= hi; j++)
    for (size_t d = 0; d < D; d++) Kt[d * ldt + j] = K[j * ldkv + d];
}

/* Row stride of the transposed keys: Tk rounded up to 16, plus 16 so a 16-wide block starting at
 * any key stays inside the row. */
static size_t kt_stride(size_t Tk) { return ((Tk + 15) / 16) * 16 + 16; }

/* Loop path over one (batch row, KV head): every query head of the group, every query row. */
static void attention_group_loops(const AttnCtx *c, size_t b, size_t g, float *scratch) {
  size_t Tq = c->Tq, Tk = c->Tk, D = c->D, group = c->Hq / c->Hkv;
  size_t ldkv = c->Hkv * D;
  const float *K = c->k + b * c->kvBatchStride + g * D;
  const float *V = c->v + b * c->kvBatchStride + g * D;
  int64_t ks = min_key_start(c, b, 0, Tq);
  int64_t last = c->qStart + (int64_t)Tq - 1;
  if (last > (int64_t)Tk - 1) last = (int64_t)Tk - 1;
  if (last < ks) last = ks - 1; /* nothing visible: every row below is zeroed */
  size_t ldt = kt_stride(Tk);
  float *Kt = scratch + c->scratchRows; /* (D, ldt) after the probability rows */
  if (last >= ks) transpose_keys(K, ldkv, D, (size_t)ks, (size_t)last, Kt, ldt);
  enum { MAX_GROUP_STACK = 64 };
  const float *qbuf[MAX_GROUP_STACK];
  float *obuf[MAX_GROUP_STACK], *rbuf[MAX_GROUP_STACK];
  for (size_t h0 = g * group; h0 < (g + 1) * group; h0 += MAX_GROUP_STACK) {
    size_t n = (g + 1) * group - h0 < MAX_GROUP_STACK ? (g + 1) * group - h0 : MAX_GROUP_STACK;
    for (size_t t = 0; t < Tq; t++) {
      for (size_t i = 0; i < n; i++) {
        size_t h = h0 + i;
        qbuf[i] = c->q + ((b * Tq + t) * c->Hq + h) * D;
        obuf[i] = c->out + ((b * Tq + t) * c->Hq + h) * D;
        rbuf[i] = c->probs ? c->probs + ((b * c->Hq + h) * Tq + t) * Tk : scratch + i * Tk;
      }
      int64_t lo = key_start(c, b, t), hi = c->qStart + (int64_t)t;
      if (hi > last) hi = last;
      if (hi < lo) {
        for (size_t i = 0; i < n; i++) {
          memset(rbuf[i], 0, Tk * sizeof(float));
          memset(obuf[i], 0, D * sizeof(float));
        }
        continue;
      }
      group_row_any(qbuf, obuf, rbuf, n, Kt, ldt, V, ldkv, Tk, (size_t)lo, (size_t)hi, c->scale, D);
    }
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
  int64_t ks = min_key_start(c, b, 0, Tq);
  int64_t last = c->qStart + (int64_t)Tq - 1; /* the last key any query here sees */
  if (last > (int64_t)Tk - 1) last = (int64_t)Tk - 1;
  if (last < ks) {
    for (size_t t = 0; t < Tq; t++) {
      memset(O + t * ldq, 0, D * sizeof(float));
      memset(P + t * Tk, 0, Tk * sizeof(float));
    }
    return;
  }
  /* Causal blocks of query rows: block [t0, t1) sees keys up to qStart + t1 − 1 at most, so
   * the products skip the masked upper triangle (about 40% of the work at T = 128). */
  size_t block = Tq >= 64 ? 32 : Tq;
  for (size_t t0 = 0; t0 < Tq; t0 += block) {
    size_t t1 = t0 + block < Tq ? t0 + block : Tq;
    int64_t blast = c->qStart + (int64_t)t1 - 1;
    if (blast > last) blast = last;
    int64_t bks = min_key_start(c, b, t0, t1);
    if (blast < bks) { /* no row of this block sees a key */
      for (size_t t = t0; t < t1; t++) {
        memset(P + t * Tk, 0, Tk * sizeof(float));
        memset(O + t * ldq, 0, D * sizeof(float));
      }
      continue;
    }
    size_t j0 = (size_t)bks, cols = (size_t)(blast - bks + 1);
    sgemm(0, 1, t1 - t0, cols, D, c->scale, Q + t0 * ldq, ldq, K + j0 * ldkv, ldkv, 0.0f, P + t0 * Tk + j0, Tk);
    for (size_t t = t0; t < t1; t++) {
      float *row = P + t * Tk;
      int64_t lo = key_start(c, b, t), hi = c->qStart + (int64_t)t;
      if (hi > last) hi = last;
      if (hi < lo)
        memset(row, 0, Tk * sizeof(float));
      else
        masked_softmax_row(row, Tk, (size_t)lo, (size_t)hi);
    }
    sgemm(0, 0, t1 - t0, D, cols, 1.0f, P + t0 * Tk + j0, Tk, V + j0 * ldkv, ldkv, 0.0f, O + t0 * ldq, ldq);
  }
}

static void attention_range(void *vctx, size_t lo, size_t hi, int tid) {
  const AttnCtx *c = (const AttnCtx *)vctx;
  if (!c->useBlas) {
    for (size_t i = lo; i < hi; i++)
      attention_group_loops(c, i / c->Hkv, i % c->Hkv, c->scratch + (size_t)tid * c->scratchPer);
    return;
  }
  for (size_t i = lo; i < hi; i++) {
    size_t b = i / c->Hq, h = i % c->Hq;
    float *P = c->probs ? c->probs + i * c->Tq * c->Tk : c->scratch + (size_t)tid * c->scratchPer;
    attention_head(c, b, h, P);
  }
}

int k_attention(const float *q, const float *k, const float *v, size_t B, size_t Tq, size_t Tk, size_t Hq,
                size_t Hkv, size_t D, size_t kvBatchStride, int64_t qStart, const int32_t *keyStart,
                int keyStartPerQuery, float scale, float *out, float *probs) {
  size_t items = B * Hq;
  if (items == 0 || Tq == 0 || D == 0) return 0;
  if (Tk == 0) {
    memset(out, 0, B * Tq * Hq * D * sizeof(float));
    return 0;
  }
  AttnCtx c = {.q = q, .k = k, .v = v, .B = B, .Tq = Tq, .Tk = Tk, .Hq = Hq, .Hkv = Hkv, .D = D,
               .kvBatchStride = kvBatchStride, .qStart = qStart, .keyStart = keyStart,
               .keyStartPerQuery = keyStart != NULL && keyStartPerQuery, .scale = scale,
               .out = out, .probs = probs};
  double flops = 4.0 * (double)Tq * (double)Tk * (double)D;
  c.useBlas = Tq >= 8 && D >= 16 && flops >= 65536.0;
  size_t group = Hq / Hkv;
  if (c.useBlas && !probs) {
    c.scratchPer = Tq * Tk; /* a (Tq, Tk) block per thread */
  } else if (!c.useBlas) {
    /* per thread: a probability row per query head of a group (unless probs holds them), then
     * the group's transposed keys */
    c.scratchRows = probs ? 0 : (group < 64 ? group : 64) * Tk;
    c.scratchPer = c.scratchRows + D * kt_stride(Tk);
  }
  if (c.scratchPer > 0) {
    c.scratch = rein_scratch(c.scratchPer * (size_t)rein_get_threads());
    if (!c.scratch) return -1;
  }
  if (c.useBlas)
    rein_parallel_for_tid(items, flops / 20.0 + 100.0, blas_max_threads(), attention_range, &c);
  else
    rein_parallel_for_tid(B * Hkv, (double)group * flops / 4.0 + 100.0, 0, attention_range, &c);
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
  rein_parallel_for_tid(items, flops / 20.0 + 100.0, blas_max_threads(), attention_backward_range, &c);
  return 0;
}
