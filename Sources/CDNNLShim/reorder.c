#include "internal.h"

#include <stdlib.h>

camkit_dnnl_op *camkit_dnnl_reorder_create(int layout, int n, int c, int h, int w, int to_native, char *error, size_t error_size) {
    camkit_dnnl_op *op = calloc(1, sizeof *op);
    if (!op) return NULL;
    dnnl_memory_desc_t plain, native;
    CAMKIT_CHECK(camkit_plain_desc(&plain, n, c, h, w), "plain layout");
    CAMKIT_CHECK(camkit_native_desc(&native, layout, n, c, h, w), "native layout");
    CAMKIT_CHECK(camkit_reorder_init(op, to_native ? &plain : &native, to_native ? &native : &plain), "reorder");
    return op;
fail:
    camkit_dnnl_op_destroy(op);
    return NULL;
}
