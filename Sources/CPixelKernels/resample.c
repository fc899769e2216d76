// Written by hand: Pillow's resize must be matched bit for bit (its 22-bit fixed-point weights,
// the 8-bit rounding between the passes), which no SIMD resizer on this machine does (libswscale,
// OpenCV and pillow-simd all round differently). Integer arithmetic only, so the AVX2 and
// AVX-512 loops give the scalar loop's bytes; ResamplerTests checks each path against Pillow.
#include "cpixelkernels.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { PRECISION = 22 };

static inline uint8_t clip8(int32_t v) {
    v >>= PRECISION;
    return v < 0 ? 0 : (v > 255 ? 255 : (uint8_t)v);
}

// ---- scalar (the generic path, and row tails)

static void horizontal_rows_scalar(const uint8_t *src, size_t src_stride, uint8_t *dst, size_t dst_stride,
                                   size_t rows, size_t out_width, const int32_t *first, const int32_t *count,
                                   const int32_t *weights, size_t taps) {
    const int32_t half = 1 << (PRECISION - 1);
    for (size_t r = 0; r < rows; r++) {
        const uint8_t *s = src + r * src_stride;
        uint8_t *d = dst + r * dst_stride;
        for (size_t x = 0; x < out_width; x++) {
            int32_t a0 = half, a1 = half, a2 = half;
            const uint8_t *p = s + (size_t)first[x] * 3;
            const int32_t *k = weights + x * taps;
            for (int32_t t = 0; t < count[x]; t++) {
                a0 += p[3 * t] * k[t];
                a1 += p[3 * t + 1] * k[t];
                a2 += p[3 * t + 2] * k[t];
            }
            d[3 * x] = clip8(a0);
            d[3 * x + 1] = clip8(a1);
            d[3 * x + 2] = clip8(a2);
        }
    }
}

static void vertical_scalar(const uint8_t *src, uint8_t *dst, size_t row_bytes, size_t out_rows,
                            const int32_t *first, const int32_t *count, const int32_t *weights, size_t taps,
                            size_t from) {
    const int32_t half = 1 << (PRECISION - 1);
    for (size_t y = 0; y < out_rows; y++) {
        const int32_t *k = weights + y * taps;
        const uint8_t *s = src + (size_t)first[y] * row_bytes;
        for (size_t i = from; i < row_bytes; i++) {
            int32_t a = half;
            for (int32_t t = 0; t < count[y]; t++) a += s[(size_t)t * row_bytes + i] * k[t];
            dst[y * row_bytes + i] = clip8(a);
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// Eight rows of `n` bytes (n a multiple of 16) into a column-major block `stride` rows wide, at
// row `offset`: out[j·stride + offset + r] = row r byte j. SSE2, in every x86-64. The horizontal
// pass then reads, for one tap and channel, the same byte of 8 or 16 rows as contiguous bytes:
// one vector, the weight broadcast.
static void transpose8(const uint8_t *const rows[8], size_t n, uint8_t *out, size_t stride, size_t offset) {
    for (size_t j = 0; j < n; j += 16) {
        __m128i a[8], b[8], c[8];
        for (int r = 0; r < 8; r++) a[r] = _mm_loadu_si128((const __m128i *)(rows[r] + j));
        for (int r = 0; r < 8; r += 2) {
            b[r] = _mm_unpacklo_epi8(a[r], a[r + 1]);
            b[r + 1] = _mm_unpackhi_epi8(a[r], a[r + 1]);
        }
        // b[0]: rows 0,1 bytes 0-7; b[1]: rows 0,1 bytes 8-15; b[2], b[3]: rows 2,3; ...
        c[0] = _mm_unpacklo_epi16(b[0], b[2]); c[1] = _mm_unpackhi_epi16(b[0], b[2]);
        c[2] = _mm_unpacklo_epi16(b[1], b[3]); c[3] = _mm_unpackhi_epi16(b[1], b[3]);
        c[4] = _mm_unpacklo_epi16(b[4], b[6]); c[5] = _mm_unpackhi_epi16(b[4], b[6]);
        c[6] = _mm_unpacklo_epi16(b[5], b[7]); c[7] = _mm_unpackhi_epi16(b[5], b[7]);
        // c[0..3]: rows 0-3, bytes 0-3, 4-7, 8-11, 12-15; c[4..7]: rows 4-7, the same bytes.
        // Each unpack below holds two columns of the eight rows, one in each half.
        for (int q = 0; q < 4; q++) {
            __m128i even = _mm_unpacklo_epi32(c[q], c[q + 4]), odd = _mm_unpackhi_epi32(c[q], c[q + 4]);
            uint8_t *o = out + (j + 4 * (size_t)q) * stride + offset;
            _mm_storel_epi64((__m128i *)o, even);
            _mm_storeh_pd((double *)(o + stride), _mm_castsi128_pd(even));
            _mm_storel_epi64((__m128i *)(o + 2 * stride), odd);
            _mm_storeh_pd((double *)(o + 3 * stride), _mm_castsi128_pd(odd));
        }
    }
}

// Scratch for one block of `block` rows transposed, and as much again for rows copied by
// `transpose_block`: (the taps' bytes rounded up to 16) × block, twice. Plain malloc (the loops
// load and store unaligned): aligned_alloc's split chunks fragmented the heap over thousands of
// photos (peak RSS grew ~20 MB per 1,000 photos).
static uint8_t *block_buffer(size_t in_bytes, size_t block, size_t *padded) {
    *padded = (in_bytes + 15) & ~(size_t)15;
    return malloc(*padded * block * 2);
}

// Rows r0 ..< r0 + block of `total` transposed into `out` (out[j·block + r]). The transpose reads
// `padded` bytes from each row's start; a row where that would run past the last row's end is
// first copied, zero-padded, to `spare` (the bytes past the taps' reach are never used).
static void transpose_block(const uint8_t *src, size_t src_stride, size_t total, size_t r0, size_t block,
                            size_t in_bytes, size_t padded, uint8_t *spare, uint8_t *out) {
    const uint8_t *rows[16];
    for (size_t r = 0; r < block; r++) {
        rows[r] = src + (r0 + r) * src_stride;
        if ((r0 + r) * src_stride + padded > total * src_stride) {
            memset(spare + r * padded, 0, padded);
            memcpy(spare + r * padded, rows[r], in_bytes);
            rows[r] = spare + r * padded;
        }
    }
    for (size_t g = 0; g < block; g += 8) transpose8(rows + g, padded, out, block, g);
}

// One output column of a block: the three channels' sums of `block` rows, clipped, stored.
static void store_column(uint8_t *d, size_t dst_stride, const int32_t *v0, const int32_t *v1, const int32_t *v2,
                         size_t block) {
    for (size_t r = 0; r < block; r++, d += dst_stride) {
        d[0] = clip8(v0[r]); d[1] = clip8(v1[r]); d[2] = clip8(v2[r]);
    }
}

#define T2 __attribute__((target("avx2")))

T2 static void horizontal_avx2(const uint8_t *src, size_t src_stride, uint8_t *dst, size_t dst_stride,
                               size_t rows, size_t out_width, const int32_t *first, const int32_t *count,
                               const int32_t *weights, size_t taps, size_t in_bytes) {
    size_t padded;
    uint8_t *block = block_buffer(in_bytes, 8, &padded), *spare = block + padded * 8;
    const __m256i half = _mm256_set1_epi32(1 << (PRECISION - 1));
    size_t r0 = 0;
    for (; r0 + 8 <= rows; r0 += 8) {
        transpose_block(src, src_stride, rows, r0, 8, in_bytes, padded, spare, block);
        for (size_t x = 0; x < out_width; x++) {
            __m256i a0 = half, a1 = half, a2 = half;
            const uint8_t *p = block + (size_t)first[x] * 24;
            const int32_t *k = weights + x * taps;
            for (int32_t t = 0; t < count[x]; t++, p += 24) {
                const __m256i w = _mm256_set1_epi32(k[t]);
                a0 = _mm256_add_epi32(a0, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)), w));
                a1 = _mm256_add_epi32(a1, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 8))), w));
                a2 = _mm256_add_epi32(a2, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 16))), w));
            }
            int32_t v[3][8];
            _mm256_storeu_si256((__m256i *)v[0], a0);
            _mm256_storeu_si256((__m256i *)v[1], a1);
            _mm256_storeu_si256((__m256i *)v[2], a2);
            store_column(dst + r0 * dst_stride + x * 3, dst_stride, v[0], v[1], v[2], 8);
        }
    }
    free(block);
    horizontal_rows_scalar(src + r0 * src_stride, src_stride, dst + r0 * dst_stride, dst_stride, rows - r0,
                           out_width, first, count, weights, taps);
}

#define T512 __attribute__((target("avx512f,avx512bw")))

T512 static void horizontal_avx512(const uint8_t *src, size_t src_stride, uint8_t *dst, size_t dst_stride,
                                   size_t rows, size_t out_width, const int32_t *first, const int32_t *count,
                                   const int32_t *weights, size_t taps, size_t in_bytes) {
    size_t padded;
    uint8_t *block = block_buffer(in_bytes, 16, &padded), *spare = block + padded * 16;
    const __m512i half = _mm512_set1_epi32(1 << (PRECISION - 1));
    size_t r0 = 0;
    for (; r0 + 16 <= rows; r0 += 16) {
        transpose_block(src, src_stride, rows, r0, 16, in_bytes, padded, spare, block);
        for (size_t x = 0; x < out_width; x++) {
            __m512i a0 = half, a1 = half, a2 = half;
            const uint8_t *p = block + (size_t)first[x] * 48;
            const int32_t *k = weights + x * taps;
            for (int32_t t = 0; t < count[x]; t++, p += 48) {
                const __m512i w = _mm512_set1_epi32(k[t]);
                a0 = _mm512_add_epi32(a0, _mm512_mullo_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)p)), w));
                a1 = _mm512_add_epi32(a1, _mm512_mullo_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p + 16))), w));
                a2 = _mm512_add_epi32(a2, _mm512_mullo_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p + 32))), w));
            }
            int32_t v[3][16];
            _mm512_storeu_si512(v[0], a0);
            _mm512_storeu_si512(v[1], a1);
            _mm512_storeu_si512(v[2], a2);
            store_column(dst + r0 * dst_stride + x * 3, dst_stride, v[0], v[1], v[2], 16);
        }
    }
    free(block);
    horizontal_rows_scalar(src + r0 * src_stride, src_stride, dst + r0 * dst_stride, dst_stride, rows - r0,
                           out_width, first, count, weights, taps);
}

// Vertical: 32 bytes of a row at a time, the taps' rows summed in eight-lane accumulators.
T2 static void vertical_avx2(const uint8_t *src, uint8_t *dst, size_t row_bytes, size_t out_rows,
                             const int32_t *first, const int32_t *count, const int32_t *weights, size_t taps) {
    const __m256i half = _mm256_set1_epi32(1 << (PRECISION - 1));
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    size_t whole = row_bytes & ~(size_t)31;
    for (size_t y = 0; y < out_rows; y++) {
        const int32_t *k = weights + y * taps;
        const uint8_t *s = src + (size_t)first[y] * row_bytes;
        for (size_t i = 0; i < whole; i += 32) {
            __m256i a0 = half, a1 = half, a2 = half, a3 = half;
            const uint8_t *p = s + i;
            for (int32_t t = 0; t < count[y]; t++, p += row_bytes) {
                const __m256i w = _mm256_set1_epi32(k[t]);
                a0 = _mm256_add_epi32(a0, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)p)), w));
                a1 = _mm256_add_epi32(a1, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 8))), w));
                a2 = _mm256_add_epi32(a2, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 16))), w));
                a3 = _mm256_add_epi32(a3, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(p + 24))), w));
            }
            // >> 22, then saturate to int16 and to 0...255 (= clip8); the packs interleave
            // 128-bit lanes, the permutation undoes it.
            __m256i ab = _mm256_packs_epi32(_mm256_srai_epi32(a0, PRECISION), _mm256_srai_epi32(a1, PRECISION));
            __m256i cd = _mm256_packs_epi32(_mm256_srai_epi32(a2, PRECISION), _mm256_srai_epi32(a3, PRECISION));
            __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), order);
            _mm256_storeu_si256((__m256i *)(dst + y * row_bytes + i), bytes);
        }
    }
    if (whole < row_bytes) vertical_scalar(src, dst, row_bytes, out_rows, first, count, weights, taps, whole);
}

T512 static void vertical_avx512(const uint8_t *src, uint8_t *dst, size_t row_bytes, size_t out_rows,
                                 const int32_t *first, const int32_t *count, const int32_t *weights, size_t taps) {
    const __m512i half = _mm512_set1_epi32(1 << (PRECISION - 1));
    const __m512i zero = _mm512_setzero_si512();
    size_t whole = row_bytes & ~(size_t)63;
    for (size_t y = 0; y < out_rows; y++) {
        const int32_t *k = weights + y * taps;
        const uint8_t *s = src + (size_t)first[y] * row_bytes;
        for (size_t i = 0; i < whole; i += 64) {
            __m512i a[4] = {half, half, half, half};
            const uint8_t *p = s + i;
            for (int32_t t = 0; t < count[y]; t++, p += row_bytes) {
                const __m512i w = _mm512_set1_epi32(k[t]);
                for (int q = 0; q < 4; q++)
                    a[q] = _mm512_add_epi32(a[q], _mm512_mullo_epi32(_mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(p + 16 * q))), w));
            }
            // >> 22, negatives to 0, then unsigned saturation to 255 (= clip8).
            for (int q = 0; q < 4; q++) {
                __m512i v = _mm512_max_epi32(_mm512_srai_epi32(a[q], PRECISION), zero);
                _mm_storeu_si128((__m128i *)(dst + y * row_bytes + i + 16 * q), _mm512_cvtusepi32_epi8(v));
            }
        }
    }
    if (whole < row_bytes) vertical_scalar(src, dst, row_bytes, out_rows, first, count, weights, taps, whole);
}
#endif

// The CPU's answer per level, asked once: the blend and the map sampling check it for every row.
static int supported_levels(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int mask = 1 << CAMKIT_PX_SCALAR;
    if (__builtin_cpu_supports("avx2")) mask |= 1 << CAMKIT_PX_AVX2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) mask |= 1 << CAMKIT_PX_AVX512;
    return mask;
#else
    return 1 << CAMKIT_PX_SCALAR;
#endif
}

int camkit_px_supported(int level) {
    static _Atomic int known = 0;   // 0: not asked yet (the scalar bit is always set after)
    int mask = atomic_load_explicit(&known, memory_order_relaxed);
    if (mask == 0) {
        mask = supported_levels();
        atomic_store_explicit(&known, mask, memory_order_relaxed);
    }
    return level >= 0 && level <= CAMKIT_PX_AVX512 && (mask >> level & 1);
}

void camkit_rs_horizontal(int level, const uint8_t *src, size_t src_stride, uint8_t *dst, size_t dst_stride,
                          size_t rows, size_t out_width, const int32_t *first, const int32_t *count,
                          const int32_t *weights, size_t taps) {
    // The source bytes a row's taps reach (the transposes copy only these).
    size_t in_bytes = 0;
    for (size_t x = 0; x < out_width; x++) {
        size_t end = ((size_t)first[x] + (size_t)count[x]) * 3;
        if (end > in_bytes) in_bytes = end;
    }
#if defined(__x86_64__)
    if (level == CAMKIT_PX_AVX512 && camkit_px_supported(level)) {
        horizontal_avx512(src, src_stride, dst, dst_stride, rows, out_width, first, count, weights, taps, in_bytes);
        return;
    }
    if (level >= CAMKIT_PX_AVX2 && camkit_px_supported(CAMKIT_PX_AVX2)) {
        horizontal_avx2(src, src_stride, dst, dst_stride, rows, out_width, first, count, weights, taps, in_bytes);
        return;
    }
#endif
    (void)in_bytes;
    horizontal_rows_scalar(src, src_stride, dst, dst_stride, rows, out_width, first, count, weights, taps);
}

void camkit_rs_vertical(int level, const uint8_t *src, uint8_t *dst, size_t row_bytes, size_t out_rows,
                        const int32_t *first, const int32_t *count, const int32_t *weights, size_t taps) {
#if defined(__x86_64__)
    if (level == CAMKIT_PX_AVX512 && camkit_px_supported(level)) {
        vertical_avx512(src, dst, row_bytes, out_rows, first, count, weights, taps);
        return;
    }
    if (level >= CAMKIT_PX_AVX2 && camkit_px_supported(CAMKIT_PX_AVX2)) {
        vertical_avx2(src, dst, row_bytes, out_rows, first, count, weights, taps);
        return;
    }
#endif
    vertical_scalar(src, dst, row_bytes, out_rows, first, count, weights, taps, 0);
}
