/*
 * Layout kernels: axis reductions, permutes, row copies (slice/concat and their
 * gradients), and the embedding gather / scatter-add.
 */
#include <string.h>

#include "common.h"
#include "kernels.h"

/* ------------------------------------------------------------------ reduce */

typedef struct {
  int op;
  const float *x;
  size_t outer, len, inner;
  float *out;
  int32_t *argmax;
} ReduceCtx;

/* One (outer) slab with inner = 1: reduce a contiguous row. */
REIN_HOT static void reduce_rows(void *vctx, size_t lo, size_t hi) {
  const ReduceCtx *c = (const ReduceCtx *)vctx;
  size_t len = c->len;
  for (size_t o = lo; o < hi; o++) {
    const float *restrict x = c->x + o * len;
    if (c->op == R_SUM) {
      float s = 0.0f;
#pragma omp simd reduction(+ : s)
      for (size_t j = 0; j < len; j++) s += x[j];
      c->out[o] = s;
    } else {
      /* Like the js reference: start from the first element, the first maximum wins. An empty
       * axis (len = 0) gives −∞ and −1 here; the tensor layer's max and argmax reject it first. */
      float best = len > 0 ? x[0] : -INFINITY;
      int32_t at = len > 0 ? 0 : -1;
      for (size_t j = 1; j < len; j++) {
        if (x[j] > best) {
          best = x[j];
          at = (int32_t)j;
        }
      }
      c->out[o] = best;
      if (c->argmax) c->argmax[o] = at;
    }
  }
}

/* Columns [lo, hi) of slab o, inner > 1: walk the axis adding or comparing vectors. */
REIN_HOT static void reduce_columns(const ReduceCtx *c, size_t o, size_t lo, size_t hi) {
  size_t len = c->len, inner = c->inner, w = hi - lo;
  const float *x = c->x + o * len * inner + lo;
  float *restrict out = c->out + o * inner + lo;
  int32_t *am = c->argmax ? c->argmax + o * inner + lo : NULL;
  if (len == 0) {
    for (size_t j = 0; j < w; j++) out[j] = c->op == R_SUM ? 0.0f : -INFINITY;
    if (am)
      for (size_t j = 0; j < w; j++) am[j] = -1;
    return;
  }
  memcpy(out, x, w * sizeof(float));
  if (am)
    for (size_t j = 0; j < w; j++) am[j] = 0;
  for (size_t l = 1; l < len; l++) {
    const float *restrict xl = x + l * inner;
    if (c->op == R_SUM) {
      for (size_t j = 0; j < w; j++) out[j] += xl[j];
    } else if (am) {
      for (size_t j = 0; j < w; j++) {
        if (xl[j] > out[j]) {
          out[j] = xl[j];
          am[j] = (int32_t)l;
        }
      }
    } else {
      for (size_t j = 0; j < w; j++) out[j] = xl[j] > out[j] ? xl[j] : out[j];
    }
  }
}

static void reduce_slabs(void *vctx, size_t lo, size_t hi) {
  const ReduceCtx *c = (const ReduceCtx *)vctx;
  for (size_t o = lo; o < hi; o++) reduce_columns(c, o, 0, c->inner);
}

static void reduce_inner_split(void *vctx, size_t lo, size_t hi) {
  const ReduceCtx *c = (const ReduceCtx *)vctx;
  reduce_columns(c, 0, lo, hi);
}

void k_reduce(int op, const float *x, size_t outer, size_t len, size_t inner, float *out, int32_t *argmax) {
  ReduceCtx c = {op, x, outer, len, inner, out, argmax};
  if (outer == 0 || inner == 0) return;
  double per_elem = 0.4;
  if (inner == 1) {
    rein_parallel_for(outer, per_elem * (double)len + 2.0, reduce_rows, &c);
  } else if (outer >= 2) {
    rein_parallel_for(outer, per_elem * (double)(len * inner) + 2.0, reduce_slabs, &c);
  } else {
    rein_parallel_for(inner, per_elem * (double)len + 0.5, reduce_inner_split, &c);
  }
}

/* ------------------------------------------------------------------ permute */

typedef struct {
  const float *x;
  float *out;
  int rank;
  size_t shape[REIN_MAX_RANK]; /* output shape, merged */
  int64_t stride[REIN_MAX_RANK]; /* input stride of each output dim */
} PermuteCtx;

REIN_HOT static void permute_rows(void *vctx, size_t lo, size_t hi) {
  const PermuteCtx *c = (const PermuteCtx *)vctx;
  int r = c->rank;
  size_t len = c->shape[r - 1];
  int64_t s = c->stride[r - 1];
  size_t idx[REIN_MAX_RANK];
  int64_t off = 0;
  size_t row = lo;
  for (int d = r - 2; d >= 0; d--) {
    idx[d] = row % c->shape[d];
    row /= c->shape[d];
    off += (int64_t)idx[d] * c->stride[d];
  }
  for (size_t row_i = lo; row_i < hi; row_i++) {
    float *restrict o = c->out + row_i * len;
    const float *restrict x = c->x + off;
    if (s == 1) {
      memcpy(o, x, len * sizeof(float));
    } else {
      for (size_t j = 0; j < len; j++) o[j] = x[(int64_t)j * s];
    }
    for (int d = r - 2; d >= 0; d--) {
      idx[d]++;
      off += c->stride[d];
      if (idx[d] < c->shape[d]) break;
      off -= (int64_t)c->shape[d] * c->stride[d];
      idx[d] = 0;
    }
  }
}

void k_permute(const float *x, const int32_t *shape, const int32_t *perm, int rank, float *out) {
  int64_t xs[REIN_MAX_RANK];
  size_t total = 1;
  for (int d = rank - 1; d >= 0; d--) {
    xs[d] = (int64_t)total;
    total *= (size_t)shape[d];
  }
  if (total == 0) return;
  PermuteCtx c;
  c.x = x;
  c.out = out;
  c.rank = 0;
  /* Output dims in order; merge a dim into the previous one when the input steps through
   * both as one, drop size-1 dims. */
  for (int d = 0; d < rank; d++) {
    size_t n = (size_t)shape[perm[d]];
    int64_t s = xs[perm[d]];
    if (n == 1) continue;
    if (c.rank > 0 && c.stride[c.rank - 1] == s * (int64_t)n) {
      c.shape[c.rank - 1] *= n;
      c.stride[c.rank - 1] = s;
      continue;
    }
    c.shape[c.rank] = n;
    c.stride[c.rank] = s;
    c.rank++;
  }
  if (c.rank == 0) {
    out[0] = x[0];
    return;
  }
  size_t len = c.shape[c.rank - 1];
  rein_parallel_for(total / len, (c.stride[c.rank - 1] == 1 ? 0.15 : 1.0) * (double)len + 5.0, permute_rows, &c);
}

/* ------------------------------------------------------------------ copyRows */

typedef struct {
  const float *src;
  float *dst;
  size_t srcStride, dstStride, len;
  size_t chunks, chunkLen; /* each row split into `chunks` pieces (a single long row still splits) */
  int accumulate;
} CopyCtx;

REIN_HOT static void copy_rows_range(void *vctx, size_t lo, size_t hi) {
  const CopyCtx *c = (const CopyCtx *)vctx;
  for (size_t item = lo; item < hi; item++) {
    size_t r = item / c->chunks, j0 = (item % c->chunks) * c->chunkLen;
    size_t w = j0 + c->chunkLen < c->len ? c->chunkLen : c->len - j0;
    const float *restrict s = c->src + r * c->srcStride + j0;
    float *restrict d = c->dst + r * c->dstStride + j0;
    if (c->accumulate) {
      for (size_t j = 0; j < w; j++) d[j] += s[j];
    } else {
      memmove(d, s, w * sizeof(float));
    }
  }
}

void k_copy_rows(const float *src, size_t srcStride, float *dst, size_t dstStride, size_t rows, size_t len,
                 int accumulate) {
  if (len == 0 || rows == 0) return;
  CopyCtx c = {src, dst, srcStride, dstStride, len, 1, len, accumulate};
  rein_column_chunks(rows, len, &c.chunks, &c.chunkLen);
  rein_parallel_for(rows * c.chunks, 0.2 * (double)c.chunkLen + 5.0, copy_rows_range, &c);
}

/* ------------------------------------------------------------------ gather / scatterAdd */

typedef struct {
  const float *table;
  float *dTable;
  const int32_t *ids;
  size_t count, dim;
  const float *dOut;
  float *out;
} EmbedCtx;

static void gather_range(void *vctx, size_t lo, size_t hi) {
  const EmbedCtx *c = (const EmbedCtx *)vctx;
  for (size_t i = lo; i < hi; i++)
    memcpy(c->out + i * c->dim, c->table + (size_t)c->ids[i] * c->dim, c->dim * sizeof(float));
}

void k_gather(const float *table, const int32_t *ids, size_t count, size_t dim, float *out) {
  EmbedCtx c = {table, NULL, ids, count, dim, NULL, out};
  rein_parallel_for(count, 0.15 * (double)dim + 5.0, gather_range, &c);
}

/* Threads share out columns, so repeated ids never race: each thread owns its columns of
 * every table row. */
REIN_HOT static void scatter_range(void *vctx, size_t lo, size_t hi) {
  const EmbedCtx *c = (const EmbedCtx *)vctx;
  size_t w = hi - lo;
  for (size_t i = 0; i < c->count; i++) {
    float *restrict d = c->dTable + (size_t)c->ids[i] * c->dim + lo;
    const float *restrict s = c->dOut + i * c->dim + lo;
    for (size_t j = 0; j < w; j++) d[j] += s[j];
  }
}

void k_scatter_add(float *dTable, const int32_t *ids, size_t count, size_t dim, const float *dOut) {
  EmbedCtx c = {NULL, dTable, ids, count, dim, dOut, NULL};
  if (count == 0) return;
  rein_parallel_for(dim, 0.3 * (double)count, scatter_range, &c);
}
