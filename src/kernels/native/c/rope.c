/*
 * Rotary position embedding on (B, T, H, D), interleaved pairs (x[2i], x[2i+1]) rotated by
 * pos·θ^(−2i/D), or by Llama 3's scaled frequency (the rule of src/kernels/rope-frequencies.ts).
 * cos/sin come from a table kept between calls (angles computed in double, one row per
 * position), so a training step's many rope calls cost one multiply-add pass each instead of
 * B·T·D/2 sincos evaluations.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#include "common.h"
#include "kernels.h"

/* Positions beyond this get their angles computed on the fly instead of tabled. */
#define ROPE_TABLE_MAX_POS (1 << 16)

/* Pair i's angle per position: θ^(−2i/D), scaled as Llama 3 does where s->factor ≠ 1. */
static double frequency(double theta, size_t D, size_t i, const RopeScaling *s) {
  double f = pow(theta, -2.0 * (double)i / (double)D);
  if (s->factor == 1.0) return f;
  double wavelength = 2.0 * M_PI / f;
  if (wavelength < s->originalContext / s->highFreqFactor) return f;
  if (wavelength > s->originalContext / s->lowFreqFactor) return f / s->factor;
  double smooth = (s->originalContext / wavelength - s->lowFreqFactor) / (s->highFreqFactor - s->lowFreqFactor);
  return (1.0 - smooth) * (f / s->factor) + smooth * f;
}

/* Per JS thread (Node workers each get their own); OpenMP workers read it through RopeCtx. */
static _Thread_local struct {
  double theta;
  RopeScaling scaling;
  size_t half; /* D/2 */
  size_t positions; /* rows filled */
  float *cs; /* per position: half cos values then half sin values */
} g_table;

static int table_matches(double theta, const RopeScaling *s, size_t half) {
  return g_table.cs && g_table.theta == theta && g_table.half == half &&
         memcmp(&g_table.scaling, s, sizeof *s) == 0;
}

static int table_ensure(double theta, const RopeScaling *s, size_t half, size_t need) {
  if (table_matches(theta, s, half) && g_table.positions >= need) return 0;
  if (!table_matches(theta, s, half)) g_table.positions = 0;
  size_t rows = need < 256 ? 256 : need;
  if (rows < g_table.positions * 2 && g_table.positions * 2 <= ROPE_TABLE_MAX_POS) rows = g_table.positions * 2;
  float *cs = (float *)realloc(g_table.cs, rows * 2 * half * sizeof(float));
  if (!cs) return -1;
  g_table.cs = cs;
  g_table.theta = theta;
  g_table.scaling = *s;
  g_table.half = half;
  for (size_t p = g_table.positions; p < rows; p++) {
    for (size_t i = 0; i < half; i++) {
      double ang = (double)p * frequency(theta, 2 * half, i, s);
      cs[p * 2 * half + i] = (float)cos(ang);
      cs[p * 2 * half + half + i] = (float)sin(ang);
    }
  }
  g_table.positions = rows;
  return 0;
}

typedef struct {
  const float *x;
  float *out;
  size_t H, D;
  const int32_t *positions;
  double theta;
  const RopeScaling *scaling;
  float sign; /* +1 forward, −1 inverse */
  const float *table; /* cos/sin rows of positions [0, tablePositions) */
  size_t tablePositions;
} RopeCtx;

/* out may be x itself (in-place rope): each pair is read before it is written, so neither
 * pointer is restrict. */
REIN_HOT static void rotate(const float *x, float *out, const float *restrict c, const float *restrict s,
                            size_t half, float sign) {
  for (size_t i = 0; i < half; i++) {
    float x0 = x[2 * i], x1 = x[2 * i + 1];
    float si = sign * s[i];
    out[2 * i] = x0 * c[i] - x1 * si;
    out[2 * i + 1] = x0 * si + x1 * c[i];
  }
}

static void rope_rows(void *vctx, size_t lo, size_t hi) {
  const RopeCtx *c = (const RopeCtx *)vctx;
  size_t half = c->D / 2, rowLen = c->H * c->D;
  float *scratch = NULL;
  for (size_t r = lo; r < hi; r++) {
    int32_t pos = c->positions[r];
    const float *cosv, *sinv;
    if (pos >= 0 && (size_t)pos < c->tablePositions) {
      cosv = c->table + (size_t)pos * 2 * half;
      sinv = cosv + half;
    } else {
      if (!scratch) scratch = (float *)malloc(2 * half * sizeof(float));
      if (!scratch) return; /* cannot happen for sane D; leaves out untouched */
      for (size_t i = 0; i < half; i++) {
        double ang = (double)pos * frequency(c->theta, c->D, i, c->scaling);
        scratch[i] = (float)cos(ang);
        scratch[half + i] = (float)sin(ang);
      }
      cosv = scratch;
      sinv = scratch + half;
    }
    for (size_t h = 0; h < c->H; h++)
      rotate(c->x + r * rowLen + h * c->D, c->out + r * rowLen + h * c->D, cosv, sinv, half, c->sign);
  }
  free(scratch);
}

int k_rope(const float *x, size_t B, size_t T, size_t H, size_t D, const int32_t *positions, double theta,
           const RopeScaling *scaling, int inverse, float *out) {
  size_t rows = B * T, half = D / 2;
  if (rows == 0 || half == 0) return 0;
  int32_t maxPos = -1;
  for (size_t r = 0; r < rows; r++)
    if (positions[r] > maxPos) maxPos = positions[r];
  if (maxPos >= 0 && maxPos < ROPE_TABLE_MAX_POS && table_ensure(theta, scaling, half, (size_t)maxPos + 1) != 0)
    return -1;
  int fits = table_matches(theta, scaling, half);
  RopeCtx c = {x, out, H, D, positions, theta, scaling, inverse ? -1.0f : 1.0f, fits ? g_table.cs : NULL,
               fits ? g_table.positions : 0};
  rein_parallel_for(rows, 0.5 * (double)(H * D) + 10.0, rope_rows, &c);
  return 0;
}
