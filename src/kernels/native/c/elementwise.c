/*
 * Elementwise kernels: unary ops and their gradients, broadcasting binary ops, the
 * broadcast-reduce (sumToStrides) and where.
 *
 * Strided ops first merge dimensions that are contiguous for every operand and drop
 * size-1 ones, so the common cases, (rows, C) + (C) or a full-size add, become one or
 * two dimensions with a unit-stride inner loop the compiler vectorises.
 */
#include <string.h>

/*
 * FP operations never trap here (no trap is ever enabled), and saying so lets the compiler
 * if-convert rein_expf's selects for AVX2: with trapping math on, GCC vectorises exp, sigmoid,
 * SiLU and GELU only where AVX-512 masks allow it, and runs them scalar on AVX2 — 4.4 ns instead
 * of 0.7 ns per SiLU element on a 2-core AVX2 EPYC. Every op's value is bit-identical either way
 * (the same operations per element). Only this file: elsewhere the flag moved results' last bits.
 */
#pragma GCC optimize("no-trapping-math")

#include "common.h"
#include "kernels.h"

/* ------------------------------------------------------------------ unary */

typedef struct {
  int op;
  const float *x, *y, *dy;
  float *out;
  float param;
} UnaryCtx;

REIN_HOT static void unary_range(void *vctx, size_t lo, size_t hi) {
  const UnaryCtx *c = (const UnaryCtx *)vctx;
  const float *restrict x = c->x;
  float *restrict o = c->out;
  const float p = c->param;
  switch (c->op) {
    case U_NEG:
      for (size_t i = lo; i < hi; i++) o[i] = -x[i];
      break;
    case U_EXP:
      for (size_t i = lo; i < hi; i++) o[i] = rein_expf(x[i]);
      break;
    case U_LOG:
      for (size_t i = lo; i < hi; i++) o[i] = logf(x[i]);
      break;
    case U_TANH:
      for (size_t i = lo; i < hi; i++) o[i] = tanhf(x[i]);
      break;
    case U_SIGMOID:
      for (size_t i = lo; i < hi; i++) o[i] = rein_sigmoidf(x[i]);
      break;
    case U_GELU:
      for (size_t i = lo; i < hi; i++) o[i] = rein_geluf(x[i]);
      break;
    case U_SILU:
      for (size_t i = lo; i < hi; i++) o[i] = x[i] * rein_sigmoidf(x[i]);
      break;
    case U_RELU:
      for (size_t i = lo; i < hi; i++) o[i] = x[i] > 0.0f || x[i] != x[i] ? x[i] : 0.0f; /* NaN stays */
      break;
    case U_SQRT:
      for (size_t i = lo; i < hi; i++) o[i] = sqrtf(x[i]);
      break;
    case U_RSQRT:
      for (size_t i = lo; i < hi; i++) o[i] = 1.0f / sqrtf(x[i]);
      break;
    case U_SQUARE:
      for (size_t i = lo; i < hi; i++) o[i] = x[i] * x[i];
      break;
    case U_ABS:
      for (size_t i = lo; i < hi; i++) o[i] = fabsf(x[i]);
      break;
    case U_POW:
      if (p == 2.0f) {
        for (size_t i = lo; i < hi; i++) o[i] = x[i] * x[i];
      } else if (p == 1.0f) {
        for (size_t i = lo; i < hi; i++) o[i] = x[i];
      } else {
        for (size_t i = lo; i < hi; i++) o[i] = powf(x[i], p);
      }
      break;
    case U_SCALE:
      for (size_t i = lo; i < hi; i++) o[i] = x[i] * p;
      break;
  }
}

/* Rough nanoseconds per element, for the decision to go parallel. */
static double unary_cost(int op) {
  switch (op) {
    case U_LOG:
    case U_TANH:
    case U_POW:
      return 5.0;
    case U_EXP:
    case U_SIGMOID:
    case U_GELU:
    case U_SILU:
      return 1.0;
    default:
      return 0.3;
  }
}

void k_unary(int op, const float *x, float *out, size_t n, float param) {
  UnaryCtx c = {op, x, NULL, NULL, out, param};
  rein_parallel_for(n, unary_cost(op), unary_range, &c);
}

REIN_HOT static void unary_backward_range(void *vctx, size_t lo, size_t hi) {
  const UnaryCtx *c = (const UnaryCtx *)vctx;
  const float *restrict x = c->x;
  const float *restrict y = c->y;
  const float *restrict dy = c->dy;
  float *restrict dx = c->out;
  const float p = c->param;
  switch (c->op) {
    case U_NEG:
      for (size_t i = lo; i < hi; i++) dx[i] -= dy[i];
      break;
    case U_EXP:
      for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * y[i];
      break;
    case U_LOG:
      for (size_t i = lo; i < hi; i++) dx[i] += dy[i] / x[i];
      break;
    case U_TANH:
      for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
      break;
    case U_SIGMOID:
      for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * y[i] * (1.0f - y[i]);
      break;
    case U_GELU:
      for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * rein_gelu_grad(x[i]);
      break;
    case U_SILU:
      for (size_t i = lo; i < hi; i++) {
        float s = rein_sigmoidf(x[i]);
        dx[i] += dy[i] * (s + x[i] * s * (1.0f - s));
      }
      break;
    case U_RELU:
      for (size_t i = lo; i < hi; i++) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
      break;
    case U_SQRT:
      for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * 0.5f / y[i];
      break;
    case U_RSQRT: /* d x^(−1/2) = −½ x^(−3/2) = −½ y³ */
      for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * -0.5f * y[i] * y[i] * y[i];
      break;
    case U_SQUARE:
      for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * 2.0f * x[i];
      break;
    case U_ABS:
      for (size_t i = lo; i < hi; i++) dx[i] += x[i] > 0.0f ? dy[i] : (x[i] < 0.0f ? -dy[i] : 0.0f);
      break;
    case U_POW:
      if (p == 2.0f) {
        for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * 2.0f * x[i];
      } else if (p == 1.0f) {
        for (size_t i = lo; i < hi; i++) dx[i] += dy[i];
      } else {
        for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * p * powf(x[i], p - 1.0f);
      }
      break;
    case U_SCALE:
      for (size_t i = lo; i < hi; i++) dx[i] += dy[i] * p;
      break;
  }
}

void k_unary_backward(int op, const float *x, const float *y, const float *dy, float *dx, size_t n, float param) {
  UnaryCtx c = {op, x, y, dy, dx, param};
  rein_parallel_for(n, unary_cost(op) + 0.2, unary_backward_range, &c);
}

/* ------------------------------------------------------------------ strided layouts */

/* A broadcast layout after merging: dims outermost first, strides of two operands. */
typedef struct {
  int rank;
  size_t shape[REIN_MAX_RANK];
  int64_t sa[REIN_MAX_RANK], sb[REIN_MAX_RANK];
} Layout;

/*
 * Drops size-1 dimensions and merges neighbours d, d+1 whenever both operands step
 * through them as one (stride_d = stride_{d+1}·shape_{d+1}). Always leaves rank ≥ 1.
 */
static void layout_merge(Layout *L, const int32_t *shape, const int32_t *sa, const int32_t *sb, int rank) {
  L->rank = 0;
  for (int d = 0; d < rank; d++) {
    if (shape[d] == 1) continue;
    int r = L->rank;
    if (r > 0 && L->sa[r - 1] == (int64_t)sa[d] * shape[d] && L->sb[r - 1] == (int64_t)sb[d] * shape[d]) {
      L->shape[r - 1] *= (size_t)shape[d];
      L->sa[r - 1] = sa[d];
      L->sb[r - 1] = sb[d];
      continue;
    }
    L->shape[r] = (size_t)shape[d];
    L->sa[r] = sa[d];
    L->sb[r] = sb[d];
    L->rank++;
  }
  if (L->rank == 0) {
    L->rank = 1;
    L->shape[0] = 1;
    L->sa[0] = 0;
    L->sb[0] = 0;
  }
}

/* Offsets of the operands at the start of outer row `row` (all dims but the last). */
static void layout_row_offsets(const Layout *L, size_t row, int64_t *oa, int64_t *ob, size_t *idx) {
  *oa = 0;
  *ob = 0;
  for (int d = L->rank - 2; d >= 0; d--) {
    size_t i = row % L->shape[d];
    row /= L->shape[d];
    idx[d] = i;
    *oa += (int64_t)i * L->sa[d];
    *ob += (int64_t)i * L->sb[d];
  }
}

/* Advances the outer multi-index by one row, updating both offsets. */
static inline void layout_next_row(const Layout *L, size_t *idx, int64_t *oa, int64_t *ob) {
  for (int d = L->rank - 2; d >= 0; d--) {
    idx[d]++;
    *oa += L->sa[d];
    *ob += L->sb[d];
    if (idx[d] < L->shape[d]) return;
    *oa -= (int64_t)L->shape[d] * L->sa[d];
    *ob -= (int64_t)L->shape[d] * L->sb[d];
    idx[d] = 0;
  }
}

/* ------------------------------------------------------------------ binary */

typedef struct {
  int op;
  const float *a, *b;
  float *out;
  Layout L;
  size_t chunks, chunkLen; /* each row split into `chunks` pieces of chunkLen */
} BinaryCtx;

#define BIN_LOOP(EXPR)                                                   \
  do {                                                                   \
    if (sa == 1 && sb == 1) {                                            \
      for (size_t j = 0; j < len; j++) {                                 \
        float x = pa[j], y = pb[j];                                      \
        po[j] = (EXPR);                                                  \
      }                                                                  \
    } else if (sa == 1 && sb == 0) {                                     \
      const float y = pb[0];                                             \
      for (size_t j = 0; j < len; j++) {                                 \
        float x = pa[j];                                                 \
        po[j] = (EXPR);                                                  \
      }                                                                  \
    } else if (sa == 0 && sb == 1) {                                     \
      const float x = pa[0];                                             \
      for (size_t j = 0; j < len; j++) {                                 \
        float y = pb[j];                                                 \
        po[j] = (EXPR);                                                  \
      }                                                                  \
    } else {                                                             \
      for (size_t j = 0; j < len; j++) {                                 \
        float x = pa[(int64_t)j * sa], y = pb[(int64_t)j * sb];          \
        po[j] = (EXPR);                                                  \
      }                                                                  \
    }                                                                    \
  } while (0)

/* No restrict: out may alias a or b (in-place elementwise, see backend.ts); GCC still
 * vectorises behind a runtime overlap check. */
REIN_HOT static void binary_row(int op, const float *pa, int64_t sa, const float *pb, int64_t sb, float *po,
                                size_t len) {
  switch (op) {
    case B_ADD:
      BIN_LOOP(x + y);
      break;
    case B_SUB:
      BIN_LOOP(x - y);
      break;
    case B_MUL:
      BIN_LOOP(x * y);
      break;
    case B_DIV:
      BIN_LOOP(x / y);
      break;
    case B_MAX:
      BIN_LOOP(x > y || x != x ? x : y);
      break;
    case B_MIN:
      BIN_LOOP(x < y || x != x ? x : y);
      break;
  }
}

/* Work items are (row, column chunk) pairs: a tensor that merges to one long row (a full-size
 * add) is still split across threads. */
static void binary_range(void *vctx, size_t lo, size_t hi) {
  const BinaryCtx *c = (const BinaryCtx *)vctx;
  const Layout *L = &c->L;
  size_t len = L->shape[L->rank - 1];
  int64_t sa = L->sa[L->rank - 1], sb = L->sb[L->rank - 1];
  size_t chunks = c->chunks, chunkLen = c->chunkLen;
  size_t idx[REIN_MAX_RANK];
  int64_t oa, ob;
  size_t row = lo / chunks;
  layout_row_offsets(L, row, &oa, &ob, idx);
  for (size_t item = lo; item < hi;) {
    size_t j0 = (item % chunks) * chunkLen;
    size_t j1 = j0 + chunkLen < len ? j0 + chunkLen : len;
    binary_row(c->op, c->a + oa + (int64_t)j0 * sa, sa, c->b + ob + (int64_t)j0 * sb, sb, c->out + row * len + j0,
               j1 - j0);
    item++;
    if (item % chunks == 0 && item < hi) {
      row++;
      layout_next_row(L, idx, &oa, &ob);
    }
  }
}

void k_binary(int op, const float *a, const int32_t *aStrides, const float *b, const int32_t *bStrides, float *out,
              const int32_t *shape, int rank) {
  BinaryCtx c;
  c.op = op;
  c.a = a;
  c.b = b;
  c.out = out;
  for (int d = 0; d < rank; d++)
    if (shape[d] == 0) return;
  layout_merge(&c.L, shape, aStrides, bStrides, rank);
  size_t len = c.L.shape[c.L.rank - 1];
  size_t rows = 1;
  for (int d = 0; d < c.L.rank - 1; d++) rows *= c.L.shape[d];
  rein_column_chunks(rows, len, &c.chunks, &c.chunkLen);
  rein_parallel_for(rows * c.chunks, 0.4 * (double)c.chunkLen + 5.0, binary_range, &c);
}

/* ------------------------------------------------------------------ sumToStrides */

/*
 * out[Σ idx·outStrides] += x[idx]. Parallel only along a dimension whose out stride is not
 * zero: different indices there reach different outputs (out is a contiguous tensor with
 * zero strides for summed dimensions), so threads never add into the same element.
 */
typedef struct {
  const float *x;
  float *out;
  Layout L; /* sa: x strides (contiguous), sb: out strides */
  int split; /* the dimension the threads share out */
} SumCtx;

REIN_HOT static void sum_inner(const float *restrict x, float *restrict o, int64_t so, size_t len) {
  if (so == 1) {
    for (size_t j = 0; j < len; j++) o[j] += x[j];
  } else if (so == 0) {
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (size_t j = 0; j < len; j++) s += x[j];
    o[0] += s;
  } else {
    for (size_t j = 0; j < len; j++) o[(int64_t)j * so] += x[j];
  }
}

static void sum_range(void *vctx, size_t lo, size_t hi) {
  const SumCtx *c = (const SumCtx *)vctx;
  const Layout *L = &c->L;
  int r = L->rank;
  size_t begin[REIN_MAX_RANK], end[REIN_MAX_RANK], idx[REIN_MAX_RANK];
  for (int d = 0; d < r; d++) {
    begin[d] = 0;
    end[d] = L->shape[d];
  }
  begin[c->split] = lo;
  end[c->split] = hi;
  int64_t ox = 0, oo = 0;
  for (int d = 0; d < r; d++) {
    idx[d] = begin[d];
    ox += (int64_t)begin[d] * L->sa[d];
    oo += (int64_t)begin[d] * L->sb[d];
  }
  size_t len = end[r - 1] - begin[r - 1];
  for (;;) {
    sum_inner(c->x + ox, c->out + oo, L->sb[r - 1], len);
    int d = r - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      ox += L->sa[d];
      oo += L->sb[d];
      if (idx[d] < end[d]) break;
      ox -= (int64_t)(end[d] - begin[d]) * L->sa[d];
      oo -= (int64_t)(end[d] - begin[d]) * L->sb[d];
      idx[d] = begin[d];
    }
    if (d < 0) return;
  }
}

void k_sum_to_strides(const float *x, const int32_t *shape, int rank, float *out, const int32_t *outStrides) {
  int32_t xs[REIN_MAX_RANK];
  size_t total = 1;
  for (int d = rank - 1; d >= 0; d--) {
    xs[d] = (int32_t)total;
    total *= (size_t)shape[d];
  }
  if (total == 0) return;
  SumCtx c;
  c.x = x;
  c.out = out;
  layout_merge(&c.L, shape, xs, outStrides, rank);
  /* The largest dimension that is not summed over is shared among threads. */
  c.split = c.L.rank - 1;
  size_t best = 0;
  for (int d = 0; d < c.L.rank; d++) {
    if (c.L.sb[d] != 0 && c.L.shape[d] > best) {
      best = c.L.shape[d];
      c.split = d;
    }
  }
  if (best < 2) {
    sum_range(&c, 0, c.L.shape[c.split]);
    return;
  }
  rein_parallel_for(c.L.shape[c.split], 0.3 * (double)total / (double)best, sum_range, &c);
}

/* ------------------------------------------------------------------ where */

typedef struct {
  const float *mask, *a, *b;
  float *out;
} WhereCtx;

REIN_HOT static void where_range(void *vctx, size_t lo, size_t hi) {
  const WhereCtx *c = (const WhereCtx *)vctx;
  const float *restrict m = c->mask;
  const float *restrict a = c->a;
  const float *restrict b = c->b;
  float *restrict o = c->out;
  for (size_t i = lo; i < hi; i++) o[i] = m[i] != 0.0f ? a[i] : b[i];
}

void k_where(const float *mask, const float *a, const float *b, float *out, size_t n) {
  WhereCtx c = {mask, a, b, out};
  rein_parallel_for(n, 0.4, where_range, &c);
}

/* ------------------------------------------------------------------ dropout */

typedef struct {
  const float *x;
  uint32_t key;
  double dropBelow;
  float keepScale;
  float *mask, *out;
} DropoutCtx;

/* Element i's bits: key + i·0x9e3779b9 through lowbias32's mixer, as js/elementwise.ts computes them. */
REIN_HOT static void dropout_range(void *vctx, size_t lo, size_t hi) {
  const DropoutCtx *c = (const DropoutCtx *)vctx;
  const float *restrict x = c->x;
  float *restrict m = c->mask;
  float *restrict o = c->out;
  for (size_t i = lo; i < hi; i++) {
    uint32_t h = c->key + (uint32_t)i * 0x9e3779b9u;
    h ^= h >> 16;
    h *= 0x21f0aaadu;
    h ^= h >> 15;
    h *= 0x735a2d97u;
    h ^= h >> 15;
    float keep = (double)h < c->dropBelow ? 0.0f : c->keepScale;
    m[i] = keep;
    o[i] = x[i] * keep;
  }
}

void k_dropout(const float *x, size_t n, uint32_t key, double dropBelow, float keepScale, float *mask, float *out) {
  DropoutCtx c = {x, key, dropBelow, keepScale, mask, out};
  rein_parallel_for(n, 1.0, dropout_range, &c);
}
