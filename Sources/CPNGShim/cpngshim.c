// Why C: libpng reports errors by longjmp from inside its callbacks. A longjmp across Swift
// frames is undefined behaviour, so every setjmp and every call that may longjmp lives here.
#include "cpngshim.h"
#include <png.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    char *err;
    size_t errlen;
} read_ctx;

typedef struct {
    uint8_t *buf;
    size_t size;
    size_t cap;
    int failed;
    char *err;
    size_t errlen;
} write_ctx;

static void copy_message(char *dst, size_t len, const char *msg) {
    if (dst == NULL || len == 0) return;
    strncpy(dst, msg ? msg : "unknown libpng error", len - 1);
    dst[len - 1] = 0;
}

static void on_read_error(png_structp png, png_const_charp msg) {
    read_ctx *ctx = (read_ctx *)png_get_error_ptr(png);
    copy_message(ctx->err, ctx->errlen, msg);
    png_longjmp(png, 1);
}

static void on_write_error(png_structp png, png_const_charp msg) {
    write_ctx *ctx = (write_ctx *)png_get_error_ptr(png);
    copy_message(ctx->err, ctx->errlen, msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    (void)png; (void)msg; /* warnings (e.g. a bad ancillary chunk) do not stop decoding */
}

static void read_from_memory(png_structp png, png_bytep out, png_size_t count) {
    read_ctx *ctx = (read_ctx *)png_get_io_ptr(png);
    if (count > ctx->size - ctx->offset) {
        png_error(png, "truncated file: unexpected end of data");
    }
    memcpy(out, ctx->data + ctx->offset, count);
    ctx->offset += count;
}

static int check_signature(const uint8_t *data, size_t size, char *err, size_t errlen) {
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        copy_message(err, errlen, "not a PNG signature");
        return -1;
    }
    return 0;
}

int cpng_decode(const uint8_t *data, size_t size, uint64_t max_pixels, cpng_decoded *out,
                char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    if (check_signature(data, size, err, errlen) != 0) return -1;
    read_ctx ctx = { data, size, 0, err, errlen };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_read_error, on_warning);
    if (!png) { copy_message(err, errlen, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); copy_message(err, errlen, "out of memory"); return -1; }
    /* volatile: modified between setjmp and a possible longjmp */
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &ctx, read_from_memory);
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);
    uint32_t w = png_get_image_width(png, info);
    uint32_t h = png_get_image_height(png, info);
    int color_type = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (w == 0 || h == 0) { copy_message(err, errlen, "image has zero width or height"); png_longjmp(png, 1); }
    if ((uint64_t)w * (uint64_t)h > max_pixels) {
        png_destroy_read_struct(&png, &info, NULL);
        out->width = w; out->height = h;
        return -2;
    }
    /* Palette -> RGB(A), gray 1/2/4 -> 8 (bit replication: 0/255, 0/85/170/255, x*17),
       tRNS -> alpha channel (the caller drops alpha). No gamma, no colour management. */
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16) png_set_swap(png); /* host (little-endian) order for Swift */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    int out_depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    pixels = (uint8_t *)malloc(rowbytes * (size_t)h);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)h);
    if (!pixels || !rows) { copy_message(err, errlen, "out of memory"); png_longjmp(png, 1); }
    for (uint32_t y = 0; y < h; y++) rows[y] = pixels + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->pixels = pixels;
    out->width = w;
    out->height = h;
    out->channels = channels;
    out->bit_depth = out_depth;
    out->color_type = color_type;
    out->source_bit_depth = depth;
    return 0;
}

static void write_to_memory(png_structp png, png_bytep data, png_size_t length) {
    write_ctx *ctx = (write_ctx *)png_get_io_ptr(png);
    if (ctx->size + length > ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap : 65536;
        while (cap < ctx->size + length) cap *= 2;
        uint8_t *grown = (uint8_t *)realloc(ctx->buf, cap);
        if (!grown) png_error(png, "out of memory");
        ctx->buf = grown;
        ctx->cap = cap;
    }
    memcpy(ctx->buf + ctx->size, data, length);
    ctx->size += length;
}

static void flush_memory(png_structp png) { (void)png; }

int cpng_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                int bit_depth, int level, int filters, int strategy, const char *software,
                const char *comment, uint8_t **out, size_t *out_size, char *err, size_t errlen) {
    *out = NULL;
    *out_size = 0;
    int color_type;
    switch (channels) {
    case 1: color_type = PNG_COLOR_TYPE_GRAY; break;
    case 2: color_type = PNG_COLOR_TYPE_GRAY_ALPHA; break;
    case 3: color_type = PNG_COLOR_TYPE_RGB; break;
    case 4: color_type = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default: copy_message(err, errlen, "unsupported channel count"); return -1;
    }
    if (bit_depth != 8 && bit_depth != 16) { copy_message(err, errlen, "unsupported bit depth"); return -1; }
    write_ctx ctx = { NULL, 0, 0, 0, err, errlen };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_write_error, on_warning);
    if (!png) { copy_message(err, errlen, "out of memory"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); copy_message(err, errlen, "out of memory"); return -1; }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(ctx.buf);
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, &ctx, write_to_memory, flush_memory);
    png_set_compression_level(png, level);
    png_set_compression_strategy(png, strategy);
    if (filters != 0) png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    png_set_IHDR(png, info, width, height, bit_depth, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_text texts[2];
    int ntexts = 0;
    memset(texts, 0, sizeof(texts));
    if (software) {
        texts[ntexts].compression = PNG_TEXT_COMPRESSION_NONE;
        texts[ntexts].key = (png_charp)"Software";
        texts[ntexts].text = (png_charp)software;
        ntexts++;
    }
    if (comment) {
        texts[ntexts].compression = PNG_TEXT_COMPRESSION_NONE;
        texts[ntexts].key = (png_charp)"Comment";
        texts[ntexts].text = (png_charp)comment;
        ntexts++;
    }
    if (ntexts > 0) png_set_text(png, info, texts, ntexts);
    png_write_info(png, info);
    if (bit_depth == 16) png_set_swap(png);
    size_t rowbytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) { copy_message(err, errlen, "out of memory"); png_longjmp(png, 1); }
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)(pixels + (size_t)y * rowbytes);
    png_write_image(png, rows);
    png_write_end(png, info);
    free(rows);
    png_destroy_write_struct(&png, &info);
    *out = ctx.buf;
    *out_size = ctx.size;
    return 0;
}
