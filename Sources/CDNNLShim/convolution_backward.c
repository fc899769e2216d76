#include "internal.h"

#include <stdlib.h>

// The input gradient of a convolution (oneDNN's backward-data primitive): gradient plans run
// their backward pass on the same native layout, and the same kernel family, as the forward.
camkit_dnnl_op *camkit_dnnl_conv_backward_data_create(const camkit_conv_shape *s, char *error, size_t error_size) {
    camkit_dnnl_op *op = calloc(1, sizeof *op);
    dnnl_primitive_desc_t hint = NULL;
    dnnl_primitive_attr_t attr = NULL;
    if (!op) return NULL;
    dnnl_engine_t engine = camkit_engine();
    if (!engine) { camkit_set_error(error, error_size, "engine", dnnl_runtime_error); goto fail; }
    dnnl_memory_desc_t src_md, dst_md, weights_any;
    CAMKIT_CHECK(camkit_conv_descs(s, &src_md, &dst_md, &weights_any, &op->plain_weights), "layouts");
    dnnl_dims_t strides = {s->stride_h, s->stride_w};
    dnnl_dims_t dilates = {s->dilation_h - 1, s->dilation_w - 1};
    dnnl_dims_t pad_l = {s->pad_top, s->pad_left}, pad_r = {s->pad_bottom, s->pad_right};
    // oneDNN picks a backward kernel that matches a forward one: the forward descriptor is its hint.
    dnnl_convolution_desc_t forward, backward;
    CAMKIT_CHECK(dnnl_dilated_convolution_forward_desc_init(&forward, dnnl_forward_training, dnnl_convolution_direct,
                                                            &src_md, &weights_any, NULL, &dst_md, strides, dilates, pad_l, pad_r),
                 "convolution descriptor");
    CAMKIT_CHECK(dnnl_primitive_desc_create(&hint, &forward, NULL, engine, NULL), "forward hint");
    CAMKIT_CHECK(dnnl_dilated_convolution_backward_data_desc_init(&backward, dnnl_convolution_direct, &src_md, &weights_any, &dst_md,
                                                                  strides, dilates, pad_l, pad_r), "backward-data descriptor");
    CAMKIT_CHECK(dnnl_primitive_attr_create(&attr), "attribute creation");
    CAMKIT_CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    CAMKIT_CHECK(dnnl_primitive_desc_create(&op->pd, &backward, attr, engine, hint), "backward-data convolution");
    CAMKIT_CHECK(camkit_op_adopt(op), "backward-data primitive");
    // Run order: output gradient, packed weights, input gradient.
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_DIFF_DST, &dst_md), "memory");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_WEIGHTS, dnnl_primitive_desc_query_md(op->pd, dnnl_query_weights_md, 0)), "memory");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_DIFF_SRC, &src_md), "memory");
    dnnl_primitive_desc_destroy(hint);
    dnnl_primitive_attr_destroy(attr);
    return op;
fail:
    if (hint) dnnl_primitive_desc_destroy(hint);
    if (attr) dnnl_primitive_attr_destroy(attr);
    camkit_dnnl_op_destroy(op);
    return NULL;
}
