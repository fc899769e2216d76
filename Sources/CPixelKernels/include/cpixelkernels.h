#ifndef CPIXELKERNELS_H
#define CPIXELKERNELS_H
// Pixel loops on whole rows: the two passes of Pillow's 8-bit resize (Resampler.swift computes
// the weights) and the overlay's colour blend (Overlay.swift). Exact integer arithmetic (and,
// for the blend's colour index, the same float operations in the same order as the scalar
// loop), so every instruction set gives the same bytes. The caller names the level (camkit's
// CPU path, chosen at run time); nothing here looks at the build machine.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CAMKIT_PX_SCALAR = 0,
    CAMKIT_PX_AVX2 = 1,
    CAMKIT_PX_AVX512 = 2,
} camkit_px_level;

/// 1 when this CPU runs `level`'s instructions (AVX-512 F+BW; AVX2; scalar always).
int camkit_px_supported(int level);

/// Horizontal pass over `rows` RGB rows: dst[r][x][c] = clip8((2^21 + Σ_t src[r][(first[x]+t)·3+c]
/// · weights[x·taps+t]) >> 22), t < count[x]. Rows are `src_stride` / `dst_stride` bytes apart.
void camkit_rs_horizontal(int level, const uint8_t *src, size_t src_stride, uint8_t *dst, size_t dst_stride,
                          size_t rows, size_t out_width, const int32_t *first, const int32_t *count,
                          const int32_t *weights, size_t taps);

/// Vertical pass: dst row y = clip8((2^21 + Σ_t src row (first[y]+t) · weights[y·taps+t]) >> 22)
/// byte by byte, for `out_rows` rows of `row_bytes` bytes (src and dst rows contiguous).
void camkit_rs_vertical(int level, const uint8_t *src, uint8_t *dst, size_t row_bytes, size_t out_rows,
                        const int32_t *first, const int32_t *count, const int32_t *weights, size_t taps);

/// One overlay row blended in place: where values[x] ≥ 0 and ≥ cut, with
/// i = 3·(int)(min(values[x], 1)·255 + 0.5), each channel c of pixel x becomes
/// (row[3x+c]·keep + heat[i+c]) >> 8 (heat: 256 × 3 colours premultiplied by α·256, plus 128).
void camkit_px_blend_row(int level, uint8_t *row, const float *values, size_t width, const int32_t *heat,
                         int32_t keep, float cut);

/// One row of a map sampled bilinearly (PhotoMap.row): scratch[i] = top[i]·(1 − fy) + bottom[i]·fy
/// for i < in_width, then out[x] = scratch[x0[x]]·(1 − fx[x]) + scratch[x1[x]]·fx[x] where
/// inside[x] is 1, else −1. Multiplies and adds in that order, never fused.
void camkit_px_map_row(int level, const float *top, const float *bottom, float fy, size_t in_width, float *scratch,
                       const int32_t *x0, const int32_t *x1, const float *fx, const uint8_t *inside, size_t width,
                       float *out);

#ifdef __cplusplus
}
#endif
#endif
