#ifndef CPNGSHIM_H
#define CPNGSHIM_H
#include <stddef.h>
#include <stdint.h>

/// Result of decoding a PNG: samples at the file's own channel layout after palette and
/// low-bit-gray expansion, at 8 or 16 bits (16-bit samples in host byte order).
typedef struct {
    uint8_t *pixels;      /* malloc'ed; caller frees with free() */
    uint32_t width;
    uint32_t height;
    int channels;         /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    int bit_depth;        /* 8 or 16 */
    int color_type;       /* original PNG colour type */
    int source_bit_depth; /* original PNG bit depth */
} cpng_decoded;

/// Decodes a whole PNG. Returns 0 on success, -1 on a libpng error (message in err),
/// -2 when width*height exceeds max_pixels (checked before any pixel allocation).
int cpng_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cpng_decoded *out,
                char *err, size_t errlen);

/// Encodes 8- or 16-bit (host order) samples with 1..4 channels. level is zlib's 0..9;
/// filters is a PNG_FILTER_* mask (0 = libpng's default); strategy is zlib's (0 default, 1 filtered,
/// 2 huffman only, 3 RLE). software and comment are written as tEXt
/// chunks ("Software", "Comment") when non-NULL. On success *out is malloc'ed (caller frees) and 0 is returned.
int cpng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                int bit_depth, int level, int filters, int strategy, const char *software,
                const char *comment, uint8_t **out, size_t *out_size, char *err, size_t errlen);

#endif
