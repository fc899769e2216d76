#ifndef CDNNLSHIM_H
#define CDNNLSHIM_H
// camkit's convolutions through oneDNN: a convolution with its fused activation, created once
// per plan shape, and the reorders between the plain NCHW layout and oneDNN's native one.
// The C API of oneDNN needs many structs and status checks per call; this shim keeps them in
// C so Swift sees only opaque handles and one error string.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set paths oneDNN may use; set once, before the first convolution.
typedef enum {
    CAMKIT_ISA_DEFAULT = 0,
    CAMKIT_ISA_AVX2 = 1,
    CAMKIT_ISA_AVX512 = 2,
} camkit_isa;

/// Caps oneDNN's instruction set (call before any other function here). 0 on success.
int camkit_dnnl_set_isa(camkit_isa isa);
/// The instruction set oneDNN's kernels use: "avx512_core", "avx2", "sse41", ...
const char *camkit_dnnl_isa_name(void);
/// Whether oneDNN has its AVX2 (or better) kernels on this CPU.
int camkit_dnnl_has_avx2(void);
/// Threads for oneDNN's parallel regions started from the calling thread.
void camkit_dnnl_set_threads(int threads);

/// The native activation layout: 0 = nhwc, otherwise the channel block (8 or 16, nChw8c/nChw16c).
int camkit_dnnl_native_block(void);

typedef struct {
    int batch, in_channels, in_h, in_w;
    int out_channels, out_h, out_w;
    int kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w;
    int pad_top, pad_left, pad_bottom, pad_right;
    int groups;
    int has_bias;
    /// 1: the source stays plain NCHW (a stem on 3 channels), the destination is native.
    int plain_source;
    /// 0 none, otherwise an activation code of camkit_activation.
    int activation;
    float alpha, beta;
} camkit_conv_shape;

typedef enum {
    CAMKIT_ACT_NONE = 0,
    CAMKIT_ACT_RELU = 1,      // alpha: negative slope
    CAMKIT_ACT_CLIP = 2,      // alpha..beta
    CAMKIT_ACT_SIGMOID = 3,
    CAMKIT_ACT_SILU = 4,
    CAMKIT_ACT_HARDSWISH = 5,
    CAMKIT_ACT_TANH = 6,
} camkit_activation;

typedef struct camkit_dnnl_conv camkit_dnnl_conv;

/// Creates the convolution for `shape` (native layout in and out). Returns NULL and writes
/// the reason into `error` when oneDNN has no implementation.
camkit_dnnl_conv *camkit_dnnl_conv_create(const camkit_conv_shape *shape, char *error, size_t error_size);
/// Floats the packed weights take.
size_t camkit_dnnl_conv_packed_weight_count(const camkit_dnnl_conv *conv);
/// Packs `weights` ([M, C/group, kh, kw], plain) into `packed` (packed_weight_count floats).
int camkit_dnnl_conv_pack_weights(const camkit_dnnl_conv *conv, const float *weights, float *packed);
/// Runs the convolution. `packed` from pack_weights; `bias` may be NULL when has_bias is 0.
int camkit_dnnl_conv_run(camkit_dnnl_conv *conv, const float *src, const float *packed, const float *bias, float *dst);
/// Bytes of a packing record: how a convolution lays out its weights, plain and packed.
size_t camkit_dnnl_packing_size(void);
/// Writes `conv`'s packing record into `record` (camkit_dnnl_packing_size bytes).
void camkit_dnnl_conv_packing(const camkit_dnnl_conv *conv, void *record);
/// Whether `conv` packs its weights as `record` says.
int camkit_dnnl_conv_has_packing(const camkit_dnnl_conv *conv, const void *record);
/// The implementation oneDNN chose, e.g. "jit:avx512_core".
const char *camkit_dnnl_conv_implementation(const camkit_dnnl_conv *conv);
void camkit_dnnl_conv_destroy(camkit_dnnl_conv *conv);

/// Floats a [n, c, h, w] tensor takes in the native layout (channels padded to the block).
size_t camkit_dnnl_native_count(int n, int c, int h, int w);

typedef struct camkit_dnnl_reorder camkit_dnnl_reorder;
/// A reorder of a [n, c, h, w] tensor: plain → native when to_native is 1, else native → plain.
camkit_dnnl_reorder *camkit_dnnl_reorder_create(int n, int c, int h, int w, int to_native, char *error, size_t error_size);
int camkit_dnnl_reorder_run(camkit_dnnl_reorder *reorder, const float *src, float *dst);
void camkit_dnnl_reorder_destroy(camkit_dnnl_reorder *reorder);

#ifdef __cplusplus
}
#endif
#endif
