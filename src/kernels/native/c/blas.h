/*
 * The few CBLAS/OpenBLAS entry points rein calls, declared here rather than through
 * <cblas.h>: Debian ships that header only with the pthreads variant, while we link the
 * OpenMP variant when it is installed. The enum values are fixed by the CBLAS standard.
 */
#ifndef REIN_BLAS_H
#define REIN_BLAS_H

enum { REIN_CBLAS_ROW_MAJOR = 101, REIN_CBLAS_NO_TRANS = 111, REIN_CBLAS_TRANS = 112 };

void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

#endif
