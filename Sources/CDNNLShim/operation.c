#include "internal.h"

#include <stdlib.h>

/// Makes the primitive, stream and scratchpad of an operation whose `pd` is set.
dnnl_status_t camkit_op_adopt(camkit_dnnl_op *op) {
    dnnl_engine_t engine = camkit_engine();
    dnnl_status_t s;
    if ((s = dnnl_primitive_create(&op->primitive, op->pd)) != dnnl_success) return s;
    if ((s = dnnl_stream_create(&op->stream, engine, dnnl_stream_default_flags)) != dnnl_success) return s;
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(op->pd, dnnl_query_scratchpad_md, 0);
    size_t size = md ? dnnl_memory_desc_get_size(md) : 0;
    if (size == 0) return dnnl_success;
    if (posix_memalign(&op->scratch_data, 64, size) != 0) { op->scratch_data = NULL; return dnnl_out_of_memory; }
    return dnnl_memory_create(&op->scratch, md, engine, op->scratch_data);
}

/// `attr`, or a new attribute to be destroyed by the caller (in `own`), set to user scratchpad.
static dnnl_status_t user_scratchpad(dnnl_primitive_attr_t *attr, dnnl_primitive_attr_t *own) {
    dnnl_status_t s;
    *own = NULL;
    if (!*attr) {
        if ((s = dnnl_primitive_attr_create(own)) != dnnl_success) return s;
        *attr = *own;
    }
    return dnnl_primitive_attr_set_scratchpad_mode(*attr, dnnl_scratchpad_mode_user);
}

dnnl_status_t camkit_op_init(camkit_dnnl_op *op, const void *desc, dnnl_primitive_attr_t attr) {
    dnnl_engine_t engine = camkit_engine();
    if (!engine) return dnnl_runtime_error;
    dnnl_primitive_attr_t own;
    dnnl_status_t s = user_scratchpad(&attr, &own);
    if (s == dnnl_success) s = dnnl_primitive_desc_create(&op->pd, desc, attr, engine, NULL);
    if (own) dnnl_primitive_attr_destroy(own);
    return s == dnnl_success ? camkit_op_adopt(op) : s;
}

dnnl_status_t camkit_reorder_init(camkit_dnnl_op *op, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to) {
    dnnl_engine_t engine = camkit_engine();
    if (!engine) return dnnl_runtime_error;
    dnnl_primitive_attr_t attr = NULL, own;
    dnnl_status_t s = user_scratchpad(&attr, &own);
    if (s == dnnl_success) s = dnnl_reorder_primitive_desc_create(&op->pd, from, engine, to, engine, attr);
    if (own) dnnl_primitive_attr_destroy(own);
    if (s == dnnl_success) s = camkit_op_adopt(op);
    if (s == dnnl_success) s = camkit_op_add_arg(op, DNNL_ARG_FROM, from);
    if (s == dnnl_success) s = camkit_op_add_arg(op, DNNL_ARG_TO, to);
    return s;
}

dnnl_status_t camkit_op_add_arg(camkit_dnnl_op *op, int arg, const dnnl_memory_desc_t *md) {
    if (op->count == CAMKIT_MAX_ARGS) return dnnl_invalid_arguments;
    camkit_op_arg *a = &op->args[op->count];
    dnnl_status_t s = dnnl_memory_create(&a->memory, md, camkit_engine(), DNNL_MEMORY_NONE);
    if (s != dnnl_success) return s;
    a->arg = arg;
    a->bound = NULL;
    op->count += 1;
    return dnnl_success;
}

int camkit_dnnl_op_bind(camkit_dnnl_op *op, int index, const void *buffer) {
    if (index < 0 || index >= op->count) return 1;
    camkit_op_arg *a = &op->args[index];
    if (a->bound == buffer) return 0;
    if (dnnl_memory_set_data_handle(a->memory, (void *)buffer) != dnnl_success) return 1;
    a->bound = buffer;
    return 0;
}

int camkit_dnnl_op_run(camkit_dnnl_op *op, const void *const *buffers) {
    dnnl_exec_arg_t args[CAMKIT_MAX_ARGS + 1];
    int count = 0;
    for (int i = 0; i < op->count; i++) {
        camkit_op_arg *a = &op->args[i];
        if (!buffers[i]) continue;   // an absent optional argument (a bias)
        // Binding a padded blocked layout zero-fills its padding: once per plan buffer.
        if (camkit_dnnl_op_bind(op, i, buffers[i]) != 0) return 1;
        args[count++] = (dnnl_exec_arg_t){a->arg, a->memory};
    }
    if (op->scratch) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, op->scratch};
    if (dnnl_primitive_execute(op->primitive, op->stream, count, args) != dnnl_success) return 1;
    return dnnl_stream_wait(op->stream) == dnnl_success ? 0 : 1;
}

const char *camkit_dnnl_op_implementation(const camkit_dnnl_op *op) {
    const char *name = NULL;
    if (dnnl_primitive_desc_query(op->pd, dnnl_query_impl_info_str, 0, &name) != dnnl_success || !name) return "unknown";
    return name;
}

void camkit_dnnl_op_destroy(camkit_dnnl_op *op) {
    if (!op) return;
    for (int i = 0; i < op->count; i++) dnnl_memory_destroy(op->args[i].memory);
    if (op->scratch) dnnl_memory_destroy(op->scratch);
    free(op->scratch_data);
    if (op->stream) dnnl_stream_destroy(op->stream);
    if (op->primitive) dnnl_primitive_destroy(op->primitive);
    if (op->pd) dnnl_primitive_desc_destroy(op->pd);
    free(op);
}
