#include "internal.h"

#include <stdlib.h>

static dnnl_alg_kind_t activation_kind(int activation) {
    switch (activation) {
    case CAMKIT_ACT_RELU: return dnnl_eltwise_relu;
    case CAMKIT_ACT_CLIP: return dnnl_eltwise_clip_v2;
    case CAMKIT_ACT_SIGMOID: return dnnl_eltwise_logistic;
    case CAMKIT_ACT_SILU: return dnnl_eltwise_swish;
    case CAMKIT_ACT_HARDSWISH: return dnnl_eltwise_hardswish;
    case CAMKIT_ACT_TANH: return dnnl_eltwise_tanh;
    default: return dnnl_alg_kind_undef;
    }
}

dnnl_status_t camkit_conv_descs(const camkit_conv_shape *s, dnnl_memory_desc_t *src, dnnl_memory_desc_t *dst,
                                dnnl_memory_desc_t *weights_any, dnnl_memory_desc_t *plain_weights) {
    dnnl_status_t st;
    if (s->plain_source) st = camkit_plain_desc(src, s->batch, s->in_channels, s->in_h, s->in_w);
    else st = camkit_native_desc(src, s->layout, s->batch, s->in_channels, s->in_h, s->in_w);
    if (st != dnnl_success) return st;
    if ((st = camkit_native_desc(dst, s->layout, s->batch, s->out_channels, s->out_h, s->out_w)) != dnnl_success) return st;
    int g = s->groups;
    if (g > 1) {
        dnnl_dims_t wd = {g, s->out_channels / g, s->in_channels / g, s->kernel_h, s->kernel_w};
        if ((st = dnnl_memory_desc_init_by_tag(weights_any, 5, wd, dnnl_f32, dnnl_format_tag_any)) != dnnl_success) return st;
        return dnnl_memory_desc_init_by_tag(plain_weights, 5, wd, dnnl_f32, dnnl_goihw);
    }
    dnnl_dims_t wd = {s->out_channels, s->in_channels, s->kernel_h, s->kernel_w};
    if ((st = dnnl_memory_desc_init_by_tag(weights_any, 4, wd, dnnl_f32, dnnl_format_tag_any)) != dnnl_success) return st;
    return dnnl_memory_desc_init_by_tag(plain_weights, 4, wd, dnnl_f32, dnnl_oihw);
}

/// Appends `s`'s fused activation to `post_ops` (nothing when it has none).
static dnnl_status_t append_activation(dnnl_post_ops_t post_ops, const camkit_conv_shape *s) {
    if (s->activation == CAMKIT_ACT_NONE) return dnnl_success;
    dnnl_alg_kind_t kind = activation_kind(s->activation);
    if (kind == dnnl_alg_kind_undef) return dnnl_unimplemented;
    return dnnl_post_ops_append_eltwise(post_ops, 1.0f, kind, s->alpha, s->beta);
}

/// A convolution, and when `dw` is given the depthwise convolution it feeds, fused as oneDNN's
/// depthwise post-op: sum, activation, then (with `dw`) the depthwise and its activation.
static camkit_dnnl_op *conv_create(const camkit_conv_shape *s, const camkit_conv_shape *dw, char *error, size_t error_size) {
    camkit_dnnl_op *op = calloc(1, sizeof *op);
    dnnl_post_ops_t post_ops = NULL;
    dnnl_primitive_attr_t attr = NULL;
    if (!op) return NULL;
    dnnl_memory_desc_t src_md, dst_md, weights_any, bias_md, dw_bias_md;
    CAMKIT_CHECK(camkit_conv_descs(s, &src_md, &dst_md, &weights_any, &op->plain_weights), "layouts");
    dnnl_dims_t bd = {s->out_channels};
    CAMKIT_CHECK(dnnl_memory_desc_init_by_tag(&bias_md, 1, bd, dnnl_f32, dnnl_x), "bias layout");
    dnnl_dims_t strides = {s->stride_h, s->stride_w};
    dnnl_dims_t dilates = {s->dilation_h - 1, s->dilation_w - 1};
    dnnl_dims_t pad_l = {s->pad_top, s->pad_left}, pad_r = {s->pad_bottom, s->pad_right};
    dnnl_convolution_desc_t desc;
    CAMKIT_CHECK(dnnl_dilated_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct,
                                                            &src_md, &weights_any, s->has_bias ? &bias_md : NULL, &dst_md,
                                                            strides, dilates, pad_l, pad_r), "convolution descriptor");
    CAMKIT_CHECK(dnnl_primitive_attr_create(&attr), "attribute creation");
    if (s->activation != CAMKIT_ACT_NONE || s->accumulate || dw) {
        CAMKIT_CHECK(dnnl_post_ops_create(&post_ops), "post-op creation");
        if (s->accumulate) CAMKIT_CHECK(dnnl_post_ops_append_sum(post_ops, 1.0f), "fused residual sum");
        CAMKIT_CHECK(append_activation(post_ops, s), "fused activation");
        if (dw) {
            CAMKIT_CHECK(dnnl_post_ops_append_dw(post_ops, dnnl_f32, dnnl_f32, dnnl_f32, dw->kernel_h, dw->stride_h, dw->pad_top,
                                                 0, 0, NULL), "fused depthwise convolution");
            CAMKIT_CHECK(append_activation(post_ops, dw), "fused depthwise activation");
        }
        CAMKIT_CHECK(dnnl_primitive_attr_set_post_ops(attr, post_ops), "post-ops");
    }
    CAMKIT_CHECK(camkit_op_init(op, &desc, attr), "convolution");
    // Run order: source, packed weights, destination, bias (then the depthwise's packed
    // weights and bias). With a depthwise post-op the destination is the depthwise's output.
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_SRC, &src_md), "memory");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_WEIGHTS, dnnl_primitive_desc_query_md(op->pd, dnnl_query_weights_md, 0)), "memory");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_DST, dnnl_primitive_desc_query_md(op->pd, dnnl_query_dst_md, 0)), "memory");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_BIAS, &bias_md), "memory");
    if (dw) {
        const dnnl_memory_desc_t *dst = dnnl_primitive_desc_query_md(op->pd, dnnl_query_dst_md, 0);
        if (dst->dims[2] != dw->out_h || dst->dims[3] != dw->out_w) {
            camkit_set_error(error, error_size, "fused depthwise output size", dnnl_unimplemented);
            goto fail;
        }
        dnnl_dims_t dd = {dw->out_channels};
        CAMKIT_CHECK(dnnl_memory_desc_init_by_tag(&dw_bias_md, 1, dd, dnnl_f32, dnnl_x), "bias layout");
        CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS, camkit_dnnl_dw_packed_desc(op)), "memory");
        CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_BIAS, &dw_bias_md), "memory");
    }
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    dnnl_primitive_attr_destroy(attr);
    return op;
fail:
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    camkit_dnnl_op_destroy(op);
    return NULL;
}

camkit_dnnl_op *camkit_dnnl_conv_create(const camkit_conv_shape *s, char *error, size_t error_size) {
    return conv_create(s, NULL, error, error_size);
}

camkit_dnnl_op *camkit_dnnl_conv_dw_create(const camkit_conv_shape *pointwise, const camkit_conv_shape *depthwise,
                                           char *error, size_t error_size) {
    return conv_create(pointwise, depthwise, error, error_size);
}

static const dnnl_memory_desc_t *packed_desc(const camkit_dnnl_op *op) {
    return dnnl_primitive_desc_query_md(op->pd, dnnl_query_weights_md, 0);
}

size_t camkit_dnnl_conv_packed_weight_count(const camkit_dnnl_op *op) {
    return dnnl_memory_desc_get_size(packed_desc(op)) / sizeof(float);
}

/// Reorders `from` (layout `from_md`) into `to` (layout `to_md`). 0 on success.
static int reorder_once(const dnnl_memory_desc_t *from_md, const dnnl_memory_desc_t *to_md, const float *from, float *to) {
    camkit_dnnl_op *reorder = calloc(1, sizeof *reorder);
    if (!reorder) return 1;
    int status = 1;
    if (camkit_reorder_init(reorder, from_md, to_md) == dnnl_success) {
        const void *buffers[2] = {from, to};
        status = camkit_dnnl_op_run(reorder, buffers);
    }
    camkit_dnnl_op_destroy(reorder);
    return status;
}

int camkit_dnnl_conv_pack_weights(camkit_dnnl_op *op, const float *weights, float *packed) {
    return reorder_once(&op->plain_weights, packed_desc(op), weights, packed);
}

const dnnl_memory_desc_t *camkit_dnnl_dw_packed_desc(const camkit_dnnl_op *op) {
    return dnnl_primitive_desc_query_md(op->pd, dnnl_query_exec_arg_md, DNNL_ARG_ATTR_POST_OP_DW | DNNL_ARG_WEIGHTS);
}

size_t camkit_dnnl_conv_dw_packed_weight_count(const camkit_dnnl_op *op) {
    return dnnl_memory_desc_get_size(camkit_dnnl_dw_packed_desc(op)) / sizeof(float);
}

int camkit_dnnl_conv_dw_pack_weights(camkit_dnnl_op *op, const float *weights, float *packed) {
    const dnnl_memory_desc_t *to = camkit_dnnl_dw_packed_desc(op);
    dnnl_memory_desc_t plain;
    if (to->ndims != 5) return 1;
    // [channels, 1, 1, kh, kw]: one group per channel, as the ONNX weights are laid out.
    if (dnnl_memory_desc_init_by_tag(&plain, 5, to->dims, dnnl_f32, dnnl_goihw) != dnnl_success) return 1;
    return reorder_once(&plain, to, weights, packed);
}

size_t camkit_dnnl_packing_size(void) { return 2 * sizeof(dnnl_memory_desc_t); }

void camkit_dnnl_conv_packing(const camkit_dnnl_op *op, void *record) {
    dnnl_memory_desc_t *r = record;
    r[0] = op->plain_weights;
    r[1] = *packed_desc(op);
}

int camkit_dnnl_conv_has_packing(const camkit_dnnl_op *op, const void *record) {
    const dnnl_memory_desc_t *r = record;
    return dnnl_memory_desc_equal(&r[0], &op->plain_weights) && dnnl_memory_desc_equal(&r[1], packed_desc(op));
}
