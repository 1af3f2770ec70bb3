/*
 * N-API glue: one JS function per Backend method, positional arguments only, typed arrays
 * read in place (napi_get_typedarray_info gives the element pointer of a view, offset
 * included), no copies and no allocations. Every argument is checked cheaply, type and
 * length, and a failure throws a JS error naming the kernel and the argument; ids that
 * index memory (gather, scatterAdd, crossEntropy targets) are range-checked so a bad id is
 * an exception, not a crash.
 */
#define NAPI_VERSION 8
#include <limits.h>
#include <node_api.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "common.h"
#include "kernels.h"

#define MAX_ARGS 16

typedef struct {
  napi_env env;
  const char *kernel;
  napi_value argv[MAX_ARGS];
  size_t argc;
  int failed;
} Call;

static void fail(Call *c, int range, const char *fmt, ...) {
  if (c->failed) return;
  c->failed = 1;
  char msg[320];
  int n = snprintf(msg, sizeof msg, "native %s: ", c->kernel);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
  va_end(ap);
  if (range)
    napi_throw_range_error(c->env, NULL, msg);
  else
    napi_throw_type_error(c->env, NULL, msg);
}

static int begin(napi_env env, napi_callback_info info, Call *c, const char *kernel, size_t expected) {
  c->env = env;
  c->kernel = kernel;
  c->failed = 0;
  c->argc = MAX_ARGS;
  napi_get_cb_info(env, info, &c->argc, c->argv, NULL, NULL);
  if (c->argc < expected) {
    fail(c, 0, "expected %zu arguments, got %zu", expected, c->argc);
    return 0;
  }
  return 1;
}

static int is_nullish(Call *c, size_t i) {
  napi_valuetype t;
  if (napi_typeof(c->env, c->argv[i], &t) != napi_ok) return 0;
  return t == napi_null || t == napi_undefined;
}

static const char *array_type_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    default: return "a BigInt array";
  }
}

/* A typed array argument of the wanted type with at least `need` elements (or NULL when
 * nullable and null/undefined). */
static void *typed(Call *c, size_t i, const char *name, napi_typedarray_type want, int64_t need, int nullable,
                   size_t *lenOut) {
  if (c->failed) return NULL;
  const char *wantName = array_type_name(want);
  if (nullable && is_nullish(c, i)) return NULL;
  napi_typedarray_type type;
  size_t len;
  void *data;
  if (napi_get_typedarray_info(c->env, c->argv[i], &type, &len, &data, NULL, NULL) != napi_ok) {
    fail(c, 0, "argument '%s' must be a %s%s", name, wantName, nullable ? " or null" : "");
    return NULL;
  }
  if (type != want) {
    fail(c, 0, "argument '%s' must be a %s, got %s", name, wantName, array_type_name(type));
    return NULL;
  }
  if ((int64_t)len < need) {
    fail(c, 1, "argument '%s' needs at least %lld elements, got %zu", name, (long long)need, len);
    return NULL;
  }
  if (lenOut) *lenOut = len;
  return data;
}

static float *f32(Call *c, size_t i, const char *name, int64_t need) {
  return (float *)typed(c, i, name, napi_float32_array, need, 0, NULL);
}
static float *f32_or_null(Call *c, size_t i, const char *name, int64_t need) {
  return (float *)typed(c, i, name, napi_float32_array, need, 1, NULL);
}
static int32_t *i32(Call *c, size_t i, const char *name, int64_t need) {
  return (int32_t *)typed(c, i, name, napi_int32_array, need, 0, NULL);
}

static double num(Call *c, size_t i, const char *name) {
  if (c->failed) return 0.0;
  double v;
  if (napi_get_value_double(c->env, c->argv[i], &v) != napi_ok) {
    fail(c, 0, "argument '%s' must be a number", name);
    return 0.0;
  }
  return v;
}

/* A non-negative integer (size, stride, count). */
static int64_t size_arg(Call *c, size_t i, const char *name) {
  double v = num(c, i, name);
  if (c->failed) return 0;
  if (!(v >= 0.0) || v != (double)(int64_t)v || v > 9007199254740991.0) {
    fail(c, 1, "argument '%s' must be a non-negative integer, got %g", name, v);
    return 0;
  }
  return (int64_t)v;
}

static int64_t int_arg(Call *c, size_t i, const char *name) {
  double v = num(c, i, name);
  if (c->failed) return 0;
  if (v != (double)(int64_t)v || v > 2147483647.0 || v < -2147483648.0) {
    fail(c, 1, "argument '%s' must be an integer, got %g", name, v);
    return 0;
  }
  return (int64_t)v;
}

static int flag(Call *c, size_t i, const char *name) {
  if (c->failed) return 0;
  bool v;
  if (napi_get_value_bool(c->env, c->argv[i], &v) != napi_ok) {
    fail(c, 0, "argument '%s' must be a boolean", name);
    return 0;
  }
  return v ? 1 : 0;
}

/* Rope's optional Llama 3 scaling: absent, undefined or null is none (factor 1); else an object
 * {factor, lowFreqFactor, highFreqFactor, originalContext} of numbers. */
static RopeScaling scaling_arg(Call *c, size_t i) {
  RopeScaling s = {1.0, 1.0, 1.0, 0.0};
  if (c->failed || i >= c->argc) return s;
  napi_valuetype type;
  napi_typeof(c->env, c->argv[i], &type);
  if (type == napi_undefined || type == napi_null) return s;
  const char *names[4] = {"factor", "lowFreqFactor", "highFreqFactor", "originalContext"};
  double *fields[4] = {&s.factor, &s.lowFreqFactor, &s.highFreqFactor, &s.originalContext};
  for (int k = 0; k < 4; k++) {
    napi_value v;
    if (type != napi_object || napi_get_named_property(c->env, c->argv[i], names[k], &v) != napi_ok ||
        napi_get_value_double(c->env, v, fields[k]) != napi_ok) {
      fail(c, 0, "argument 'scaling' must be null or an object with a number '%s'", names[k]);
      return s;
    }
  }
  return s;
}

static int op_code(Call *c, size_t i, const char *name, int count) {
  int64_t v = int_arg(c, i, name);
  if (!c->failed && (v < 0 || v >= count)) fail(c, 1, "argument '%s': unknown op code %lld", name, (long long)v);
  return (int)v;
}

static napi_value out_of_memory(Call *c) {
  fail(c, 1, "out of memory for scratch buffers");
  return NULL;
}

/* ------------------------------------------------------------------ matmul */

static napi_value js_gemm(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "gemm", 14)) return NULL;
  int ta = flag(&c, 0, "transA"), tb = flag(&c, 1, "transB");
  int64_t m = size_arg(&c, 2, "m"), n = size_arg(&c, 3, "n"), k = size_arg(&c, 4, "k");
  double alpha = num(&c, 5, "alpha");
  int64_t sA = size_arg(&c, 7, "strideA"), sB = size_arg(&c, 9, "strideB");
  double beta = num(&c, 10, "beta");
  int64_t sC = size_arg(&c, 12, "strideC"), batch = size_arg(&c, 13, "batch");
  if (c.failed) return NULL;
  if (m > INT_MAX || n > INT_MAX || k > INT_MAX) {
    fail(&c, 1, "m, n, k must be below 2^31 (got %lld, %lld, %lld)", (long long)m, (long long)n, (long long)k);
    return NULL;
  }
  int live = batch > 0 && m > 0 && n > 0;
  const float *a = f32(&c, 6, "a", live && k > 0 ? (batch - 1) * sA + m * k : 0);
  const float *b = f32(&c, 8, "b", live && k > 0 ? (batch - 1) * sB + k * n : 0);
  float *cc = f32(&c, 11, "c", live ? (batch - 1) * sC + m * n : 0);
  if (c.failed) return NULL;
  k_gemm(ta, tb, m, n, k, (float)alpha, a, sA, b, sB, (float)beta, cc, sC, batch);
  return NULL;
}

/* ------------------------------------------------------------------ elementwise */

static napi_value js_unary(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "unary", 5)) return NULL;
  int op = op_code(&c, 0, "op", U_COUNT);
  int64_t n = size_arg(&c, 3, "n");
  double param = num(&c, 4, "param");
  const float *x = f32(&c, 1, "x", n);
  float *out = f32(&c, 2, "out", n);
  if (c.failed) return NULL;
  k_unary(op, x, out, (size_t)n, (float)param);
  return NULL;
}

static napi_value js_unary_backward(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "unaryBackward", 7)) return NULL;
  int op = op_code(&c, 0, "op", U_COUNT);
  int64_t n = size_arg(&c, 5, "n");
  double param = num(&c, 6, "param");
  const float *x = f32(&c, 1, "x", n);
  const float *y = f32(&c, 2, "y", n);
  const float *dy = f32(&c, 3, "dy", n);
  float *dx = f32(&c, 4, "dx", n);
  if (c.failed) return NULL;
  k_unary_backward(op, x, y, dy, dx, (size_t)n, (float)param);
  return NULL;
}

/* Reads a rank-r shape and checks it; returns the element count, or −1 after throwing. */
static int64_t shape_arg(Call *c, size_t i, const char *name, const int32_t **shapeOut, int *rankOut) {
  size_t rank = 0;
  const int32_t *shape = (const int32_t *)typed(c, i, name, napi_int32_array, 0, 0, &rank);
  if (c->failed) return -1;
  if (rank > REIN_MAX_RANK) {
    fail(c, 1, "argument '%s' has rank %zu, at most %d is supported", name, rank, REIN_MAX_RANK);
    return -1;
  }
  int64_t total = 1;
  for (size_t d = 0; d < rank; d++) {
    if (shape[d] < 0) {
      fail(c, 1, "argument '%s' has a negative size %d at dim %zu", name, shape[d], d);
      return -1;
    }
    total *= shape[d];
  }
  *shapeOut = shape;
  *rankOut = (int)rank;
  return total;
}

/* Elements a strided operand must hold: 1 + Σ (shape_d − 1)·stride_d (0 if empty). */
static int64_t strided_need(Call *c, size_t i, const char *name, const int32_t *shape, int rank, int64_t total,
                            const int32_t **stridesOut) {
  const int32_t *s = i32(c, i, name, rank);
  if (c->failed) return -1;
  int64_t need = 1;
  for (int d = 0; d < rank; d++) {
    if (s[d] < 0) {
      fail(c, 1, "argument '%s' has a negative stride %d at dim %d", name, s[d], d);
      return -1;
    }
    need += (int64_t)(shape[d] - 1) * s[d];
  }
  *stridesOut = s;
  return total == 0 ? 0 : need;
}

static napi_value js_binary(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "binary", 7)) return NULL;
  int op = op_code(&c, 0, "op", B_COUNT);
  const int32_t *shape = NULL, *as = NULL, *bs = NULL;
  int rank;
  int64_t total = shape_arg(&c, 6, "shape", &shape, &rank);
  if (c.failed) return NULL;
  int64_t needA = strided_need(&c, 2, "aStrides", shape, rank, total, &as);
  int64_t needB = strided_need(&c, 4, "bStrides", shape, rank, total, &bs);
  const float *a = f32(&c, 1, "a", needA);
  const float *b = f32(&c, 3, "b", needB);
  float *out = f32(&c, 5, "out", total);
  if (c.failed) return NULL;
  k_binary(op, a, as, b, bs, out, shape, rank);
  return NULL;
}

static napi_value js_sum_to_strides(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "sumToStrides", 4)) return NULL;
  const int32_t *shape = NULL, *os = NULL;
  int rank;
  int64_t total = shape_arg(&c, 1, "shape", &shape, &rank);
  if (c.failed) return NULL;
  int64_t needOut = strided_need(&c, 3, "outStrides", shape, rank, total, &os);
  const float *x = f32(&c, 0, "x", total);
  float *out = f32(&c, 2, "out", needOut);
  if (c.failed) return NULL;
  k_sum_to_strides(x, shape, rank, out, os);
  return NULL;
}

static napi_value js_where(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "where", 5)) return NULL;
  int64_t n = size_arg(&c, 4, "n");
  const float *mask = f32(&c, 0, "mask", n);
  const float *a = f32(&c, 1, "a", n);
  const float *b = f32(&c, 2, "b", n);
  float *out = f32(&c, 3, "out", n);
  if (c.failed) return NULL;
  k_where(mask, a, b, out, (size_t)n);
  return NULL;
}

static napi_value js_dropout(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "dropout", 7)) return NULL;
  int64_t n = size_arg(&c, 1, "n");
  double key = num(&c, 2, "key"), dropBelow = num(&c, 3, "dropBelow"), keepScale = num(&c, 4, "keepScale");
  if (!c.failed && !(key >= 0 && key < 4294967296.0 && key == floor(key)))
    fail(&c, 2, "argument 'key' must be a whole number in [0, 2^32), got %g", key);
  const float *x = f32(&c, 0, "x", n);
  float *mask = f32(&c, 5, "mask", n);
  float *out = f32(&c, 6, "out", n);
  if (c.failed) return NULL;
  k_dropout(x, (size_t)n, (uint32_t)key, dropBelow, (float)keepScale, mask, out);
  return NULL;
}

/* ------------------------------------------------------------------ layout */

static napi_value js_reduce(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "reduce", 7)) return NULL;
  int op = op_code(&c, 0, "op", R_COUNT);
  int64_t outer = size_arg(&c, 2, "outer"), len = size_arg(&c, 3, "len"), inner = size_arg(&c, 4, "inner");
  const float *x = f32(&c, 1, "x", outer * len * inner);
  float *out = f32(&c, 5, "out", outer * inner);
  int32_t *am = NULL;
  if (!c.failed && !is_nullish(&c, 6)) am = i32(&c, 6, "argmax", outer * inner);
  if (c.failed) return NULL;
  k_reduce(op, x, (size_t)outer, (size_t)len, (size_t)inner, out, op == R_MAX ? am : NULL);
  return NULL;
}

static napi_value js_permute(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "permute", 4)) return NULL;
  const int32_t *shape;
  int rank;
  int64_t total = shape_arg(&c, 1, "shape", &shape, &rank);
  const int32_t *perm = i32(&c, 2, "perm", rank);
  if (c.failed) return NULL;
  int seen = 0;
  for (int d = 0; d < rank; d++) {
    if (perm[d] < 0 || perm[d] >= rank || (seen >> perm[d]) & 1) {
      fail(&c, 1, "argument 'perm' is not a permutation of 0..%d", rank - 1);
      return NULL;
    }
    seen |= 1 << perm[d];
  }
  const float *x = f32(&c, 0, "x", total);
  float *out = f32(&c, 3, "out", total);
  if (c.failed) return NULL;
  k_permute(x, shape, perm, rank, out);
  return NULL;
}

static napi_value js_copy_rows(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "copyRows", 9)) return NULL;
  int64_t srcOff = size_arg(&c, 1, "srcOff"), srcStride = size_arg(&c, 2, "srcStride");
  int64_t dstOff = size_arg(&c, 4, "dstOff"), dstStride = size_arg(&c, 5, "dstStride");
  int64_t rows = size_arg(&c, 6, "rows"), len = size_arg(&c, 7, "len");
  int acc = flag(&c, 8, "accumulate");
  int live = rows > 0 && len > 0;
  float *src = f32(&c, 0, "src", live ? srcOff + (rows - 1) * srcStride + len : 0);
  float *dst = f32(&c, 3, "dst", live ? dstOff + (rows - 1) * dstStride + len : 0);
  if (c.failed || !live) return NULL;
  k_copy_rows(src + srcOff, (size_t)srcStride, dst + dstOff, (size_t)dstStride, (size_t)rows, (size_t)len, acc);
  return NULL;
}

/* Checks every id indexes a row of a table with `rows` rows. */
static int check_ids(Call *c, const char *name, const int32_t *ids, size_t count, int64_t rows) {
  for (size_t i = 0; i < count; i++) {
    if (ids[i] < 0 || ids[i] >= rows) {
      fail(c, 1, "argument '%s'[%zu] = %d is outside the table's %lld rows", name, i, ids[i], (long long)rows);
      return 0;
    }
  }
  return 1;
}

static napi_value js_gather(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "gather", 4)) return NULL;
  int64_t dim = size_arg(&c, 2, "dim");
  size_t tableLen = 0, count = 0;
  const float *table = (const float *)typed(&c, 0, "table", napi_float32_array, 0, 0, &tableLen);
  const int32_t *ids = (const int32_t *)typed(&c, 1, "ids", napi_int32_array, 0, 0, &count);
  float *out = f32(&c, 3, "out", (int64_t)count * dim);
  if (c.failed) return NULL;
  if (dim == 0) return NULL;
  if (!check_ids(&c, "ids", ids, count, (int64_t)tableLen / dim)) return NULL;
  k_gather(table, ids, count, (size_t)dim, out);
  return NULL;
}

static napi_value js_scatter_add(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "scatterAdd", 4)) return NULL;
  int64_t dim = size_arg(&c, 2, "dim");
  size_t tableLen = 0, count = 0;
  float *dTable = (float *)typed(&c, 0, "dTable", napi_float32_array, 0, 0, &tableLen);
  const int32_t *ids = (const int32_t *)typed(&c, 1, "ids", napi_int32_array, 0, 0, &count);
  const float *dOut = f32(&c, 3, "dOut", (int64_t)count * dim);
  if (c.failed) return NULL;
  if (dim == 0) return NULL;
  if (!check_ids(&c, "ids", ids, count, (int64_t)tableLen / dim)) return NULL;
  k_scatter_add(dTable, ids, count, (size_t)dim, dOut);
  return NULL;
}

/* ------------------------------------------------------------------ softmax family */

typedef void (*RowsFn)(const float *, size_t, size_t, float *);
typedef void (*RowsBackFn)(const float *, const float *, size_t, size_t, float *);

static napi_value rows_forward(napi_env env, napi_callback_info info, const char *name, RowsFn fn) {
  Call c;
  if (!begin(env, info, &c, name, 4)) return NULL;
  int64_t rows = size_arg(&c, 1, "rows"), n = size_arg(&c, 2, "n");
  const float *x = f32(&c, 0, "x", rows * n);
  float *out = f32(&c, 3, "out", rows * n);
  if (c.failed) return NULL;
  fn(x, (size_t)rows, (size_t)n, out);
  return NULL;
}

static napi_value rows_backward(napi_env env, napi_callback_info info, const char *name, RowsBackFn fn) {
  Call c;
  if (!begin(env, info, &c, name, 5)) return NULL;
  int64_t rows = size_arg(&c, 2, "rows"), n = size_arg(&c, 3, "n");
  const float *y = f32(&c, 0, "y", rows * n);
  const float *dy = f32(&c, 1, "dy", rows * n);
  float *dx = f32(&c, 4, "dx", rows * n);
  if (c.failed) return NULL;
  fn(y, dy, (size_t)rows, (size_t)n, dx);
  return NULL;
}

static napi_value js_softmax(napi_env env, napi_callback_info info) {
  return rows_forward(env, info, "softmax", k_softmax);
}
static napi_value js_softmax_backward(napi_env env, napi_callback_info info) {
  return rows_backward(env, info, "softmaxBackward", k_softmax_backward);
}
static napi_value js_log_softmax(napi_env env, napi_callback_info info) {
  return rows_forward(env, info, "logSoftmax", k_log_softmax);
}
static napi_value js_log_softmax_backward(napi_env env, napi_callback_info info) {
  return rows_backward(env, info, "logSoftmaxBackward", k_log_softmax_backward);
}

static int check_targets(Call *c, const int32_t *t, size_t rows, int64_t vocab, int32_t ignore) {
  for (size_t r = 0; r < rows; r++) {
    if (t[r] != ignore && (t[r] < 0 || t[r] >= vocab)) {
      fail(c, 1, "argument 'targets'[%zu] = %d is outside the vocabulary of %lld (ignoreIndex %d)", r, t[r],
           (long long)vocab, ignore);
      return 0;
    }
  }
  return 1;
}

static napi_value js_cross_entropy(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "crossEntropy", 6)) return NULL;
  int64_t rows = size_arg(&c, 2, "rows"), vocab = size_arg(&c, 3, "vocab");
  int32_t ignore = (int32_t)int_arg(&c, 4, "ignoreIndex");
  const float *logits = f32(&c, 0, "logits", rows * vocab);
  const int32_t *targets = i32(&c, 1, "targets", rows);
  float *losses = f32(&c, 5, "losses", rows);
  if (c.failed || !check_targets(&c, targets, (size_t)rows, vocab, ignore)) return NULL;
  k_cross_entropy(logits, targets, (size_t)rows, (size_t)vocab, ignore, losses);
  return NULL;
}

static napi_value js_cross_entropy_backward(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "crossEntropyBackward", 7)) return NULL;
  int64_t rows = size_arg(&c, 3, "rows"), vocab = size_arg(&c, 4, "vocab");
  int32_t ignore = (int32_t)int_arg(&c, 5, "ignoreIndex");
  const float *logits = f32(&c, 0, "logits", rows * vocab);
  const int32_t *targets = i32(&c, 1, "targets", rows);
  const float *dLoss = f32(&c, 2, "dLoss", rows);
  float *dLogits = f32(&c, 6, "dLogits", rows * vocab);
  if (c.failed || !check_targets(&c, targets, (size_t)rows, vocab, ignore)) return NULL;
  k_cross_entropy_backward(logits, targets, dLoss, (size_t)rows, (size_t)vocab, ignore, dLogits);
  return NULL;
}

/* ------------------------------------------------------------------ norms */

static napi_value js_layer_norm(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "layerNorm", 9)) return NULL;
  int64_t rows = size_arg(&c, 3, "rows"), n = size_arg(&c, 4, "n");
  double eps = num(&c, 5, "eps");
  const float *x = f32(&c, 0, "x", rows * n);
  const float *w = f32(&c, 1, "w", n);
  const float *b = f32_or_null(&c, 2, "b", n);
  float *out = f32(&c, 6, "out", rows * n);
  float *mean = f32(&c, 7, "mean", rows);
  float *rstd = f32(&c, 8, "rstd", rows);
  if (c.failed) return NULL;
  k_layer_norm(x, w, b, (size_t)rows, (size_t)n, (float)eps, out, mean, rstd);
  return NULL;
}

static napi_value js_layer_norm_backward(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "layerNormBackward", 10)) return NULL;
  int64_t rows = size_arg(&c, 5, "rows"), n = size_arg(&c, 6, "n");
  const float *dy = f32(&c, 0, "dy", rows * n);
  const float *x = f32(&c, 1, "x", rows * n);
  const float *w = f32(&c, 2, "w", n);
  const float *mean = f32(&c, 3, "mean", rows);
  const float *rstd = f32(&c, 4, "rstd", rows);
  float *dx = f32(&c, 7, "dx", rows * n);
  float *dw = f32(&c, 8, "dw", n);
  float *db = f32_or_null(&c, 9, "db", n);
  if (c.failed) return NULL;
  if (k_layer_norm_backward(dy, x, w, mean, rstd, (size_t)rows, (size_t)n, dx, dw, db) != 0) return out_of_memory(&c);
  return NULL;
}

static napi_value js_rms_norm(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "rmsNorm", 7)) return NULL;
  int64_t rows = size_arg(&c, 2, "rows"), n = size_arg(&c, 3, "n");
  double eps = num(&c, 4, "eps");
  const float *x = f32(&c, 0, "x", rows * n);
  const float *w = f32(&c, 1, "w", n);
  float *out = f32(&c, 5, "out", rows * n);
  float *rstd = f32(&c, 6, "rstd", rows);
  if (c.failed) return NULL;
  k_rms_norm(x, w, (size_t)rows, (size_t)n, (float)eps, out, rstd);
  return NULL;
}

static napi_value js_rms_norm_backward(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "rmsNormBackward", 8)) return NULL;
  int64_t rows = size_arg(&c, 4, "rows"), n = size_arg(&c, 5, "n");
  const float *dy = f32(&c, 0, "dy", rows * n);
  const float *x = f32(&c, 1, "x", rows * n);
  const float *w = f32(&c, 2, "w", n);
  const float *rstd = f32(&c, 3, "rstd", rows);
  float *dx = f32(&c, 6, "dx", rows * n);
  float *dw = f32(&c, 7, "dw", n);
  if (c.failed) return NULL;
  if (k_rms_norm_backward(dy, x, w, rstd, (size_t)rows, (size_t)n, dx, dw) != 0) return out_of_memory(&c);
  return NULL;
}

/* ------------------------------------------------------------------ attention */

static napi_value js_rope(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "rope", 9)) return NULL;
  int64_t B = size_arg(&c, 1, "B"), T = size_arg(&c, 2, "T"), H = size_arg(&c, 3, "H"), D = size_arg(&c, 4, "D");
  double theta = num(&c, 6, "theta");
  int inverse = flag(&c, 7, "inverse");
  RopeScaling scaling = scaling_arg(&c, 9);
  if (!c.failed && D % 2 != 0) fail(&c, 1, "argument 'D' must be even, got %lld", (long long)D);
  const float *x = f32(&c, 0, "x", B * T * H * D);
  const int32_t *pos = i32(&c, 5, "positions", B * T);
  float *out = f32(&c, 8, "out", B * T * H * D);
  if (c.failed) return NULL;
  if (k_rope(x, (size_t)B, (size_t)T, (size_t)H, (size_t)D, pos, theta, &scaling, inverse, out) != 0)
    return out_of_memory(&c);
  return NULL;
}

static int check_heads(Call *c, int64_t Hq, int64_t Hkv) {
  if (c->failed) return 0;
  if (Hkv == 0 || Hq % Hkv != 0) {
    fail(c, 1, "Hq (%lld) must be a multiple of Hkv (%lld)", (long long)Hq, (long long)Hkv);
    return 0;
  }
  return 1;
}

static napi_value js_attention(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "attention", 15)) return NULL;
  int64_t B = size_arg(&c, 3, "B"), Tq = size_arg(&c, 4, "Tq"), Tk = size_arg(&c, 5, "Tk");
  int64_t Hq = size_arg(&c, 6, "Hq"), Hkv = size_arg(&c, 7, "Hkv"), D = size_arg(&c, 8, "D");
  int64_t kvStride = size_arg(&c, 9, "kvBatchStride"), qStart = size_arg(&c, 10, "qStart");
  double scale = num(&c, 12, "scale");
  if (!check_heads(&c, Hq, Hkv)) return NULL;
  int64_t kvNeed = B > 0 ? (B - 1) * kvStride + Tk * Hkv * D : 0;
  const float *q = f32(&c, 0, "q", B * Tq * Hq * D);
  const float *k = f32(&c, 1, "k", kvNeed);
  const float *v = f32(&c, 2, "v", kvNeed);
  /* keyStart: one entry per batch row, or (B·Tq entries, Tq > 1) one per query */
  const int32_t *keyStart = NULL;
  size_t keyStartLen = 0;
  if (!c.failed && !is_nullish(&c, 11))
    keyStart = (const int32_t *)typed(&c, 11, "keyStart", napi_int32_array, B, 0, &keyStartLen);
  int perQuery = Tq > 1 && (int64_t)keyStartLen == B * Tq;
  float *out = f32(&c, 13, "out", B * Tq * Hq * D);
  float *probs = f32_or_null(&c, 14, "probs", B * Hq * Tq * Tk);
  if (c.failed) return NULL;
  if (k_attention(q, k, v, (size_t)B, (size_t)Tq, (size_t)Tk, (size_t)Hq, (size_t)Hkv, (size_t)D, (size_t)kvStride,
                  qStart, keyStart, perQuery, (float)scale, out, probs) != 0)
    return out_of_memory(&c);
  return NULL;
}

static napi_value js_attention_backward(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "attentionBackward", 15)) return NULL;
  int64_t B = size_arg(&c, 5, "B"), Tq = size_arg(&c, 6, "Tq"), Tk = size_arg(&c, 7, "Tk");
  int64_t Hq = size_arg(&c, 8, "Hq"), Hkv = size_arg(&c, 9, "Hkv"), D = size_arg(&c, 10, "D");
  double scale = num(&c, 11, "scale");
  if (!check_heads(&c, Hq, Hkv)) return NULL;
  int64_t qn = B * Tq * Hq * D, kvn = B * Tk * Hkv * D;
  const float *q = f32(&c, 0, "q", qn);
  const float *k = f32(&c, 1, "k", kvn);
  const float *v = f32(&c, 2, "v", kvn);
  const float *probs = f32(&c, 3, "probs", B * Hq * Tq * Tk);
  const float *dOut = f32(&c, 4, "dOut", qn);
  float *dq = f32(&c, 12, "dq", qn);
  float *dk = f32(&c, 13, "dk", kvn);
  float *dv = f32(&c, 14, "dv", kvn);
  if (c.failed) return NULL;
  if (k_attention_backward(q, k, v, probs, dOut, (size_t)B, (size_t)Tq, (size_t)Tk, (size_t)Hq, (size_t)Hkv,
                           (size_t)D, (float)scale, dq, dk, dv) != 0)
    return out_of_memory(&c);
  return NULL;
}

/* ------------------------------------------------------------------ optimiser */

static napi_value js_adamw(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "adamw", 11)) return NULL;
  int64_t n = size_arg(&c, 4, "n");
  double lr = num(&c, 5, "lr"), b1 = num(&c, 6, "beta1"), b2 = num(&c, 7, "beta2"), eps = num(&c, 8, "eps");
  double wd = num(&c, 9, "weightDecay"), step = num(&c, 10, "step");
  if (!c.failed && !(step >= 1.0)) fail(&c, 1, "argument 'step' must be at least 1, got %g", step);
  float *p = f32(&c, 0, "p", n);
  const float *g = f32(&c, 1, "g", n);
  float *m = f32(&c, 2, "m", n);
  float *v = f32(&c, 3, "v", n);
  if (c.failed) return NULL;
  k_adamw(p, g, m, v, (size_t)n, lr, b1, b2, eps, wd, step);
  return NULL;
}

static napi_value js_sum_squares(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "sumSquares", 2)) return NULL;
  int64_t n = size_arg(&c, 1, "n");
  const float *x = f32(&c, 0, "x", n);
  if (c.failed) return NULL;
  napi_value r;
  napi_create_double(env, k_sum_squares(x, (size_t)n), &r);
  return r;
}

/* ------------------------------------------------------------------ runtime controls */

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "setThreads", 1)) return NULL;
  int64_t n = size_arg(&c, 0, "threads");
  if (!c.failed && (n < 1 || n > 1024)) fail(&c, 1, "argument 'threads' must be in 1..1024, got %lld", (long long)n);
  if (c.failed) return NULL;
  rein_set_threads((int)n);
  return NULL;
}

static napi_value js_get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_int32(env, rein_get_threads(), &r);
  return r;
}

static void set_string(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value ? value : "", NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

/* { blasConfig, blasCore, blasOpenmp, threads }: what the addon was built and runs with. */
static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value obj, v;
  napi_create_object(env, &obj);
  set_string(env, obj, "blasConfig", openblas_get_config());
  set_string(env, obj, "blasCore", openblas_get_corename());
  napi_get_boolean(env, rein_blas_shares_pool(), &v);
  napi_set_named_property(env, obj, "blasOpenmp", v);
  napi_create_int32(env, rein_get_threads(), &v);
  napi_set_named_property(env, obj, "threads", v);
  return obj;
}

static napi_value js_fma_peak(napi_env env, napi_callback_info info) {
  Call c;
  if (!begin(env, info, &c, "fmaPeakGflops", 2)) return NULL;
  int64_t threads = size_arg(&c, 0, "threads");
  double seconds = num(&c, 1, "seconds");
  if (c.failed) return NULL;
  napi_value r;
  napi_create_double(env, k_fma_peak_gflops((int)threads, seconds), &r);
  return r;
}

/* ------------------------------------------------------------------ module */

#define FN(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      FN("gemm", js_gemm),
      FN("unary", js_unary),
      FN("dropout", js_dropout),
      FN("unaryBackward", js_unary_backward),
      FN("binary", js_binary),
      FN("sumToStrides", js_sum_to_strides),
      FN("where", js_where),
      FN("reduce", js_reduce),
      FN("permute", js_permute),
      FN("copyRows", js_copy_rows),
      FN("gather", js_gather),
      FN("scatterAdd", js_scatter_add),
      FN("softmax", js_softmax),
      FN("softmaxBackward", js_softmax_backward),
      FN("logSoftmax", js_log_softmax),
      FN("logSoftmaxBackward", js_log_softmax_backward),
      FN("crossEntropy", js_cross_entropy),
      FN("crossEntropyBackward", js_cross_entropy_backward),
      FN("layerNorm", js_layer_norm),
      FN("layerNormBackward", js_layer_norm_backward),
      FN("rmsNorm", js_rms_norm),
      FN("rmsNormBackward", js_rms_norm_backward),
      FN("rope", js_rope),
      FN("attention", js_attention),
      FN("attentionBackward", js_attention_backward),
      FN("adamw", js_adamw),
      FN("sumSquares", js_sum_squares),
      FN("setThreads", js_set_threads),
      FN("getThreads", js_get_threads),
      FN("info", js_info),
      FN("fmaPeakGflops", js_fma_peak),
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
