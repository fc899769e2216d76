#ifndef CDNNLSHIM_H
#define CDNNLSHIM_H
// camkit's kernels from oneDNN: convolutions with their fused activation, pooling, broadcast
// arithmetic and the reorders between the plain NCHW layout and a native one, each created
// once per plan shape. oneDNN's C API needs many structs and status checks per call; this shim
// keeps them in C, so Swift sees opaque operations, plain pointers and one error string.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- process-wide settings

/// Instruction-set caps; set once, before the first operation is created.
typedef enum {
    CAMKIT_ISA_DEFAULT = 0,
    CAMKIT_ISA_AVX2 = 1,
    CAMKIT_ISA_AVX512 = 2,
} camkit_isa;

/// Caps oneDNN's instruction set (call before any other function here). 0 on success.
int camkit_dnnl_set_isa(camkit_isa isa);
/// The instruction set oneDNN's kernels use: "avx512_core", "avx2", "sse41", ...
const char *camkit_dnnl_isa_name(void);
/// Threads for oneDNN's parallel regions started from the calling thread (libgomp's setting).
void camkit_dnnl_set_threads(int threads);

// ---- layouts

/// A native activation layout: CAMKIT_LAYOUT_NHWC or a channel block (nChw8c, nChw16c).
enum {
    CAMKIT_LAYOUT_NHWC = 0,
    CAMKIT_LAYOUT_BLOCK8 = 8,
    CAMKIT_LAYOUT_BLOCK16 = 16,
};
/// The channel-blocked layout this CPU's kernels are written for: 16 with AVX-512, else 8.
int camkit_dnnl_blocked_layout(void);
/// Floats a [n, c, h, w] tensor takes in `layout` (channels padded to the block).
size_t camkit_dnnl_native_count(int layout, int n, int c, int h, int w);

// ---- operations

/// One oneDNN primitive with its stream, own scratchpad and memory objects.
typedef struct camkit_dnnl_op camkit_dnnl_op;

/// Runs `op` on `buffers` (up to six), in the order its constructor names. 0 on success. A pointer is
/// bound to its memory object only when it changes (a plan's buffers never do).
int camkit_dnnl_op_run(camkit_dnnl_op *op, const void *const *buffers);
/// Binds `buffer` to argument `index` now (as a run would). Binding a padded layout writes its
/// padding; weights shared between plans are bound once, under their owner's lock.
int camkit_dnnl_op_bind(camkit_dnnl_op *op, int index, const void *buffer);
/// The implementation oneDNN chose, e.g. "jit:avx512_core" or "brgconv:avx512_core".
const char *camkit_dnnl_op_implementation(const camkit_dnnl_op *op);
void camkit_dnnl_op_destroy(camkit_dnnl_op *op);

typedef enum {
    CAMKIT_ACT_NONE = 0,
    CAMKIT_ACT_RELU = 1,      // alpha: negative slope
    CAMKIT_ACT_CLIP = 2,      // alpha..beta
    CAMKIT_ACT_SIGMOID = 3,
    CAMKIT_ACT_SILU = 4,
    CAMKIT_ACT_HARDSWISH = 5,
    CAMKIT_ACT_TANH = 6,
} camkit_activation;

typedef struct {
    int layout;
    int batch, in_channels, in_h, in_w;
    int out_channels, out_h, out_w;
    int kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w;
    int pad_top, pad_left, pad_bottom, pad_right;
    int groups;
    int has_bias;
    /// 1: the source stays plain NCHW (a stem on 3 channels), the destination is native.
    int plain_source;
    int activation;     // camkit_activation
    float alpha, beta;
    /// 1: the destination already holds a tensor the result is added to (a residual), before
    /// the activation.
    int accumulate;
} camkit_conv_shape;

/// A convolution; run with (source, packed weights, destination, bias), bias NULL when
/// has_bias is 0. NULL with the reason in `error` when oneDNN has no kernel for it.
camkit_dnnl_op *camkit_dnnl_conv_create(const camkit_conv_shape *shape, char *error, size_t error_size);
/// A 1×1 convolution `pointwise` fused with the depthwise convolution `depthwise` that reads
/// its output (oneDNN's depthwise post-op: the depthwise rows are made from the 1×1's rows as
/// they are computed, so the 1×1's output is never written whole). Both may have an activation;
/// `pointwise` may not accumulate. Run with (source, packed weights, depthwise output, bias,
/// packed depthwise weights, depthwise bias); the depthwise bias may not be NULL. NULL when oneDNN
/// cannot fuse them.
camkit_dnnl_op *camkit_dnnl_conv_dw_create(const camkit_conv_shape *pointwise, const camkit_conv_shape *depthwise,
                                           char *error, size_t error_size);
/// Floats the packed depthwise weights of a fused convolution take.
size_t camkit_dnnl_conv_dw_packed_weight_count(const camkit_dnnl_op *conv);
/// Packs a fused convolution's depthwise weights ([C, 1, kh, kw], plain) into `packed`. 0 on success.
int camkit_dnnl_conv_dw_pack_weights(camkit_dnnl_op *conv, const float *weights, float *packed);
/// The input gradient of the convolution `shape` describes (its activation, bias and
/// accumulation ignored): run with (output gradient, packed weights, input gradient), which it
/// overwrites. Its weights are packed for it like a forward convolution's (the functions below).
camkit_dnnl_op *camkit_dnnl_conv_backward_data_create(const camkit_conv_shape *shape, char *error, size_t error_size);
/// Floats the packed weights take.
size_t camkit_dnnl_conv_packed_weight_count(const camkit_dnnl_op *conv);
/// Packs `weights` ([M, C/group, kh, kw], plain) into `packed`. 0 on success.
int camkit_dnnl_conv_pack_weights(camkit_dnnl_op *conv, const float *weights, float *packed);
/// Bytes of a packing record: how a convolution lays out its weights, plain and packed.
size_t camkit_dnnl_packing_size(void);
/// Writes `conv`'s packing record into `record`.
void camkit_dnnl_conv_packing(const camkit_dnnl_op *conv, void *record);
/// Whether `conv` packs its weights as `record` says.
int camkit_dnnl_conv_has_packing(const camkit_dnnl_op *conv, const void *record);

/// A reorder of a [n, c, h, w] tensor, plain → native when to_native is 1, else native → plain;
/// run with (source, destination).
camkit_dnnl_op *camkit_dnnl_reorder_create(int layout, int n, int c, int h, int w, int to_native, char *error, size_t error_size);

typedef enum {
    CAMKIT_POOL_MAX = 0,
    CAMKIT_POOL_AVERAGE_INCLUDING_PADS = 1,
    CAMKIT_POOL_AVERAGE_EXCLUDING_PADS = 2,
} camkit_pool_kind;

typedef struct {
    int layout, kind;
    int batch, channels, in_h, in_w, out_h, out_w;
    int kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w;
    int pad_top, pad_left, pad_bottom, pad_right;
} camkit_pool_shape;

/// Pooling on the native layout; run with (source, destination).
camkit_dnnl_op *camkit_dnnl_pool_create(const camkit_pool_shape *shape, char *error, size_t error_size);

typedef enum {
    CAMKIT_BINARY_ADD = 0,
    CAMKIT_BINARY_SUB = 1,
    CAMKIT_BINARY_MUL = 2,
    CAMKIT_BINARY_DIV = 3,
} camkit_binary_op;

/// a ∘ b on the native layout, a of [n, c, h, w] and b of [n, c, 1, 1] (one value per channel,
/// as a squeeze-and-excite scale); run with (a, b, destination).
camkit_dnnl_op *camkit_dnnl_channel_binary_create(int layout, int op, int n, int c, int h, int w, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif
#endif
