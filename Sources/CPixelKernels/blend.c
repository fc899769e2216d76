// Written by hand: the overlay's blend is this project's own (a colour table premultiplied by
// alpha, integer rounding that the golden overlays pin), and it touches every pixel of every
// overlay. The vector loops work on the row's bytes as they lie (R, G, B interleaved): each
// group of 16 (AVX-512) or 8 (AVX2) bytes gathers its table entries through a fixed pattern of
// pixel indices and channels, so no pixel is ever deinterleaved.
#include "cpixelkernels.h"

// The colour index must be the scalar loop's float: a multiply, then an add, never fused.
#pragma STDC FP_CONTRACT OFF

// The table entry of a map value v ≥ 0: min(v, 1)·255 rounded (as OpenCV's applyColorMap on
// uint8(v·255)), times 3 channels.
static inline int colour_index(float v) {
    float c = v > 1.0f ? 1.0f : v;
    return (int)(c * 255.0f + 0.5f) * 3;
}

static void blend_scalar(uint8_t *row, const float *values, size_t from, size_t width, const int32_t *heat,
                         int32_t keep, float cut) {
    for (size_t x = from; x < width; x++) {
        float v = values[x];
        if (!(v >= 0.0f) || !(v >= cut)) continue;
        int i = colour_index(v);
        uint8_t *p = row + 3 * x;
        p[0] = (uint8_t)((p[0] * keep + heat[i]) >> 8);
        p[1] = (uint8_t)((p[1] * keep + heat[i + 1]) >> 8);
        p[2] = (uint8_t)((p[2] * keep + heat[i + 2]) >> 8);
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define T2 __attribute__((target("avx2")))
#define T512 __attribute__((target("avx512f,avx512bw")))

T512 static void blend_avx512(uint8_t *row, const float *values, size_t width, const int32_t *heat, int32_t keep,
                              float cut) {
    // Byte j of 48 (16 pixels) is pixel j / 3, channel j % 3; three groups of 16 bytes.
    const __m512i pixel[3] = {
        _mm512_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5),
        _mm512_setr_epi32(5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10),
        _mm512_setr_epi32(10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15),
    };
    const __m512i channel[3] = {
        _mm512_setr_epi32(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0),
        _mm512_setr_epi32(1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1),
        _mm512_setr_epi32(2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2),
    };
    const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f), cutv = _mm512_set1_ps(cut);
    const __m512 scale = _mm512_set1_ps(255.0f), halfv = _mm512_set1_ps(0.5f);
    const __m512i keepv = _mm512_set1_epi32(keep), three = _mm512_set1_epi32(3);
    size_t x = 0;
    for (; x + 16 <= width; x += 16) {
        __m512 v = _mm512_loadu_ps(values + x);
        __mmask16 pass = _mm512_cmp_ps_mask(v, zero, _CMP_GE_OQ) & _mm512_cmp_ps_mask(v, cutv, _CMP_GE_OQ);
        if (!pass) continue;
        // min(v, 1) as the scalar loop's v > 1 ? 1 : v, then ×255, +0.5, truncate, ×3.
        __m512 c = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(v, one, _CMP_GT_OQ), v, one);
        __m512i index = _mm512_mullo_epi32(_mm512_cvttps_epi32(_mm512_add_ps(_mm512_mul_ps(c, scale), halfv)), three);
        __m512i passed = _mm512_maskz_mov_epi32(pass, _mm512_set1_epi32(-1));
        uint8_t *p = row + 3 * x;
        for (int g = 0; g < 3; g++) {
            __mmask16 m = _mm512_test_epi32_mask(_mm512_permutexvar_epi32(pixel[g], passed), _mm512_permutexvar_epi32(pixel[g], passed));
            __m512i at = _mm512_add_epi32(_mm512_permutexvar_epi32(pixel[g], index), channel[g]);
            __m512i h = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, at, heat, 4);
            __m512i src = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p + 16 * g)));
            __m512i out = _mm512_srli_epi32(_mm512_add_epi32(_mm512_mullo_epi32(src, keepv), h), 8);
            _mm_storeu_si128((__m128i *)(p + 16 * g), _mm512_cvtepi32_epi8(_mm512_mask_blend_epi32(m, src, out)));
        }
    }
    blend_scalar(row, values, x, width, heat, keep, cut);
}

T2 static void blend_avx2(uint8_t *row, const float *values, size_t width, const int32_t *heat, int32_t keep,
                          float cut) {
    // Byte j of 24 (8 pixels) is pixel j / 3, channel j % 3; three groups of 8 bytes.
    const __m256i pixel[3] = {
        _mm256_setr_epi32(0, 0, 0, 1, 1, 1, 2, 2),
        _mm256_setr_epi32(2, 3, 3, 3, 4, 4, 4, 5),
        _mm256_setr_epi32(5, 5, 6, 6, 6, 7, 7, 7),
    };
    const __m256i channel[3] = {
        _mm256_setr_epi32(0, 1, 2, 0, 1, 2, 0, 1),
        _mm256_setr_epi32(2, 0, 1, 2, 0, 1, 2, 0),
        _mm256_setr_epi32(1, 2, 0, 1, 2, 0, 1, 2),
    };
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), cutv = _mm256_set1_ps(cut);
    const __m256 scale = _mm256_set1_ps(255.0f), halfv = _mm256_set1_ps(0.5f);
    const __m256i keepv = _mm256_set1_epi32(keep), three = _mm256_set1_epi32(3);
    const __m256i gather = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    size_t x = 0;
    for (; x + 8 <= width; x += 8) {
        __m256 v = _mm256_loadu_ps(values + x);
        __m256 passf = _mm256_and_ps(_mm256_cmp_ps(v, zero, _CMP_GE_OQ), _mm256_cmp_ps(v, cutv, _CMP_GE_OQ));
        if (_mm256_testz_ps(passf, passf)) continue;
        __m256 c = _mm256_blendv_ps(v, one, _mm256_cmp_ps(v, one, _CMP_GT_OQ));
        __m256i index = _mm256_mullo_epi32(_mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(c, scale), halfv)), three);
        __m256i passed = _mm256_castps_si256(passf);
        uint8_t *p = row + 3 * x;
        for (int g = 0; g < 3; g++) {
            __m256i m = _mm256_permutevar8x32_epi32(passed, pixel[g]);
            __m256i at = _mm256_add_epi32(_mm256_permutevar8x32_epi32(index, pixel[g]), channel[g]);
            __m256i h = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), heat, at, m, 4);
            __m256i src = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 8 * g)));
            __m256i out = _mm256_srli_epi32(_mm256_add_epi32(_mm256_mullo_epi32(src, keepv), h), 8);
            __m256i r = _mm256_blendv_epi8(src, out, m);
            // Eight values 0...255 to eight bytes: pack to 16 and 8 bits, then the two
            // 128-bit lanes' first four bytes side by side.
            __m256i packed = _mm256_packus_epi16(_mm256_packus_epi32(r, r), _mm256_setzero_si256());
            _mm_storel_epi64((__m128i *)(p + 8 * g), _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(packed, gather)));
        }
    }
    blend_scalar(row, values, x, width, heat, keep, cut);
}
#endif

void camkit_px_blend_row(int level, uint8_t *row, const float *values, size_t width, const int32_t *heat,
                         int32_t keep, float cut) {
#if defined(__x86_64__)
    if (level == CAMKIT_PX_AVX512 && camkit_px_supported(level)) { blend_avx512(row, values, width, heat, keep, cut); return; }
    if (level >= CAMKIT_PX_AVX2 && camkit_px_supported(CAMKIT_PX_AVX2)) { blend_avx2(row, values, width, heat, keep, cut); return; }
#endif
    blend_scalar(row, values, 0, width, heat, keep, cut);
}
