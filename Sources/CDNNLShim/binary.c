#include "internal.h"

#include <stdlib.h>

camkit_dnnl_op *camkit_dnnl_channel_binary_create(int layout, int kind, int n, int c, int h, int w, char *error, size_t error_size) {
    camkit_dnnl_op *op = calloc(1, sizeof *op);
    if (!op) return NULL;
    dnnl_memory_desc_t a_md, b_md;
    CAMKIT_CHECK(camkit_native_desc(&a_md, layout, n, c, h, w), "source layout");
    CAMKIT_CHECK(camkit_native_desc(&b_md, layout, n, c, 1, 1), "per-channel layout");
    dnnl_alg_kind_t alg = kind == CAMKIT_BINARY_ADD ? dnnl_binary_add : kind == CAMKIT_BINARY_SUB ? dnnl_binary_sub
        : kind == CAMKIT_BINARY_MUL ? dnnl_binary_mul : dnnl_binary_div;
    dnnl_binary_desc_t desc;
    CAMKIT_CHECK(dnnl_binary_desc_init(&desc, alg, &a_md, &b_md, &a_md), "binary descriptor");
    CAMKIT_CHECK(camkit_op_init(op, &desc, NULL), "binary operation");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_SRC_0, &a_md), "memory");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_SRC_1, &b_md), "memory");
    CAMKIT_CHECK(camkit_op_add_arg(op, DNNL_ARG_DST, &a_md), "memory");
    return op;
fail:
    camkit_dnnl_op_destroy(op);
    return NULL;
}
