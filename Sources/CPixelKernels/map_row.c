// Written by hand: the overlay samples camkit's map at every pixel of the photo, and its values
// must be the scalar loop's floats (the golden overlays and records pin them), so the vector
// loops do the same multiplies and adds in the same order, the taps' reads as gathers.
#include "cpixelkernels.h"

#pragma STDC FP_CONTRACT OFF

static void columns_scalar(const float *row, const int32_t *x0, const int32_t *x1, const float *fx,
                           const uint8_t *inside, size_t from, size_t width, float *out) {
    for (size_t x = from; x < width; x++)
        out[x] = inside[x] ? row[x0[x]] * (1.0f - fx[x]) + row[x1[x]] * fx[x] : -1.0f;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f,avx512bw")))
static void columns_avx512(const float *row, const int32_t *x0, const int32_t *x1, const float *fx,
                           const uint8_t *inside, size_t width, float *out) {
    const __m512 one = _mm512_set1_ps(1.0f), minus = _mm512_set1_ps(-1.0f);
    size_t x = 0;
    for (; x + 16 <= width; x += 16) {
        __m512i flags = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(inside + x)));
        __mmask16 in = _mm512_test_epi32_mask(flags, flags);
        __m512 f = _mm512_loadu_ps(fx + x);
        __m512 a = _mm512_mask_i32gather_ps(minus, in, _mm512_loadu_si512(x0 + x), row, 4);
        __m512 b = _mm512_mask_i32gather_ps(minus, in, _mm512_loadu_si512(x1 + x), row, 4);
        __m512 v = _mm512_add_ps(_mm512_mul_ps(a, _mm512_sub_ps(one, f)), _mm512_mul_ps(b, f));
        _mm512_storeu_ps(out + x, _mm512_mask_blend_ps(in, minus, v));
    }
    columns_scalar(row, x0, x1, fx, inside, x, width, out);
}

__attribute__((target("avx2")))
static void columns_avx2(const float *row, const int32_t *x0, const int32_t *x1, const float *fx,
                         const uint8_t *inside, size_t width, float *out) {
    const __m256 one = _mm256_set1_ps(1.0f), minus = _mm256_set1_ps(-1.0f);
    size_t x = 0;
    for (; x + 8 <= width; x += 8) {
        __m256 in = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(inside + x))),
                                                           _mm256_setzero_si256()));
        __m256 f = _mm256_loadu_ps(fx + x);
        __m256 a = _mm256_mask_i32gather_ps(minus, row, _mm256_loadu_si256((const __m256i *)(x0 + x)), in, 4);
        __m256 b = _mm256_mask_i32gather_ps(minus, row, _mm256_loadu_si256((const __m256i *)(x1 + x)), in, 4);
        __m256 v = _mm256_add_ps(_mm256_mul_ps(a, _mm256_sub_ps(one, f)), _mm256_mul_ps(b, f));
        _mm256_storeu_ps(out + x, _mm256_blendv_ps(minus, v, in));
    }
    columns_scalar(row, x0, x1, fx, inside, x, width, out);
}
#endif

void camkit_px_map_row(int level, const float *top, const float *bottom, float fy, size_t in_width, float *scratch,
                       const int32_t *x0, const int32_t *x1, const float *fx, const uint8_t *inside, size_t width,
                       float *out) {
    const float gy = 1.0f - fy;
    for (size_t i = 0; i < in_width; i++) scratch[i] = top[i] * gy + bottom[i] * fy;
#if defined(__x86_64__)
    if (level == CAMKIT_PX_AVX512 && camkit_px_supported(level)) { columns_avx512(scratch, x0, x1, fx, inside, width, out); return; }
    if (level >= CAMKIT_PX_AVX2 && camkit_px_supported(CAMKIT_PX_AVX2)) { columns_avx2(scratch, x0, x1, fx, inside, width, out); return; }
#endif
    columns_scalar(scratch, x0, x1, fx, inside, 0, width, out);
}
