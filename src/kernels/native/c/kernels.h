/*
 * The C kernels behind src/kernels/backend.ts, one function per Backend method with the
 * same positional arguments (op names arrive as the enum codes below). Arguments have been
 * checked by the N-API glue (addon.c): types, lengths and index ranges.
 */
#ifndef REIN_KERNELS_H
#define REIN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* Same order as UNARY_OPS / BINARY_OPS / REDUCE_OPS in backend.ts. */
enum {
  U_NEG, U_EXP, U_LOG, U_TANH, U_SIGMOID, U_GELU, U_SILU, U_RELU, U_SQRT, U_RSQRT, U_SQUARE, U_ABS, U_POW, U_SCALE,
  U_COUNT
};
enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_COUNT };
enum { R_SUM, R_MAX, R_COUNT };

#define REIN_MAX_RANK 8

void k_gemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha, const float *a, int64_t strideA,
            const float *b, int64_t strideB, float beta, float *c, int64_t strideC, int64_t batch);

void k_unary(int op, const float *x, float *out, size_t n, float param);
void k_unary_backward(int op, const float *x, const float *y, const float *dy, float *dx, size_t n, float param);
void k_binary(int op, const float *a, const int32_t *aStrides, const float *b, const int32_t *bStrides, float *out,
              const int32_t *shape, int rank);
void k_sum_to_strides(const float *x, const int32_t *shape, int rank, float *out, const int32_t *outStrides);
void k_where(const float *mask, const float *a, const float *b, float *out, size_t n);
void k_dropout(const float *x, size_t n, uint32_t key, double dropBelow, float keepScale, float *mask, float *out);

void k_reduce(int op, const float *x, size_t outer, size_t len, size_t inner, float *out, int32_t *argmax);
void k_permute(const float *x, const int32_t *shape, const int32_t *perm, int rank, float *out);
void k_copy_rows(const float *src, size_t srcStride, float *dst, size_t dstStride, size_t rows, size_t len,
                 int accumulate);
void k_gather(const float *table, const int32_t *ids, size_t count, size_t dim, float *out);
void k_scatter_add(float *dTable, const int32_t *ids, size_t count, size_t dim, const float *dOut);

void k_softmax(const float *x, size_t rows, size_t n, float *out);
void k_softmax_backward(const float *y, const float *dy, size_t rows, size_t n, float *dx);
void k_log_softmax(const float *x, size_t rows, size_t n, float *out);
void k_log_softmax_backward(const float *y, const float *dy, size_t rows, size_t n, float *dx);
void k_cross_entropy(const float *logits, const int32_t *targets, size_t rows, size_t vocab, int32_t ignoreIndex,
                     float *losses);
void k_cross_entropy_backward(const float *logits, const int32_t *targets, const float *dLoss, size_t rows,
                              size_t vocab, int32_t ignoreIndex, float *dLogits);

void k_layer_norm(const float *x, const float *w, const float *b, size_t rows, size_t n, float eps, float *out,
                  float *mean, float *rstd);
void k_rms_norm(const float *x, const float *w, size_t rows, size_t n, float eps, float *out, float *rstd);
/* Both return 0, or −1 when the per-thread partial sums of dw (and db) could not be allocated
 * (nothing is written then). */
int k_layer_norm_backward(const float *dy, const float *x, const float *w, const float *mean, const float *rstd,
                          size_t rows, size_t n, float *dx, float *dw, float *db);
int k_rms_norm_backward(const float *dy, const float *x, const float *w, const float *rstd, size_t rows, size_t n,
                        float *dx, float *dw);

/* Llama 3's rope frequency scaling; factor 1 means none (the other fields are then ignored). */
typedef struct {
  double factor, lowFreqFactor, highFreqFactor, originalContext;
} RopeScaling;

/* Returns 0, or −1 when the cos/sin table could not be allocated. */
int k_rope(const float *x, size_t B, size_t T, size_t H, size_t D, const int32_t *positions, double theta,
           const RopeScaling *scaling, int inverse, float *out);

/* Both return 0, or −1 when scratch memory could not be allocated. */
int k_attention(const float *q, const float *k, const float *v, size_t B, size_t Tq, size_t Tk, size_t Hq,
                size_t Hkv, size_t D, size_t kvBatchStride, int64_t qStart, const int32_t *keyStart,
                int keyStartPerQuery, float scale, float *out, float *probs);
int k_attention_backward(const float *q, const float *k, const float *v, const float *probs, const float *dOut,
                         size_t B, size_t Tq, size_t Tk, size_t Hq, size_t Hkv, size_t D, float scale, float *dq,
                         float *dk, float *dv);

void k_adamw(float *p, const float *g, float *m, float *v, size_t n, double lr, double beta1, double beta2,
             double eps, double weightDecay, double step);
double k_sum_squares(const float *x, size_t n);

/* Measured vector-FMA throughput of `threads` threads, GFLOPS (the benchmark's MFU peak). */
double k_fma_peak_gflops(int threads, double seconds);

#endif
