#include "internal.h"

#include <stdlib.h>

camkit_dnnl_op *camkit_dnnl_pool_create(const camkit_pool_shape *s, char *error, size_t error_size) {
    camkit_dnnl_op *op = calloc(1, sizeof *op);
    if (!op) return NULL;
    dnnl_memory_desc_t src_md, dst_md;
    CAMKIT_CHECK(camkit_native_desc(&src_md, s->layout, s->batch, s->channels, s->in_h, s->in_w), "source layout");
    CAMKIT_CHECK(camkit_native_desc(&dst_md, s->layout, s->batch, s->channels, s->out_h, s->out_w), "destination layout");
    dnnl_alg_kind_t alg = s->kind == CAMKIT_POOL_MAX ? dnnl_pooling_max
        : s->kind == CAMKIT_POOL_AVERAGE_INCLUDING_PADS ? dnnl_pooling_avg_include_padding : dnnl_pooling_avg_exclude_padding;
    dnnl_dims_t strides = {s->stride_h, s->stride_w}, kernel = {s->kernel_h, s->kernel_w};
    dnnl_dims_t dilation = {s->dilation_h - 1, s->dilation_w - 1};
    dnnl_dims_t pad_l = {s->pad_top, s->pad_left}, pad_r = {s->pad_bottom, s->pad_right};
    dnnl_pooling_v2_desc_t desc;
    CAMKIT_CHECK(dnnl_pooling_v2_forward_desc_init(&desc, dnnl_forward_inference, alg, &src_md, &dst_md,
                                                   strides, kernel, dilation, pad_l, pad_r), "pooling descriptor");
    CAMKIT_CHECK(camkit_op_init(op, &desc, NULL), "pooling");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_SRC, &src_md), "memory");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_DST, &dst_md), "memory");
    return op;
fail:
    camkit_dnnl_op_destroy(op);
    return NULL;
}
