#ifndef CDNNLSHIM_INTERNAL_H
#define CDNNLSHIM_INTERNAL_H
// What the shim's files share: the engine, layouts, and the operation record every kind of
// primitive is kept in.
#include "cdnnlshim.h"

#include <oneapi/dnnl/dnnl.h>

/// The process's CPU engine (created on first use); NULL if oneDNN cannot make one.
dnnl_engine_t camkit_engine(void);

dnnl_status_t camkit_native_desc(dnnl_memory_desc_t *md, int layout, int n, int c, int h, int w);
dnnl_status_t camkit_plain_desc(dnnl_memory_desc_t *md, int n, int c, int h, int w);

/// One argument of an operation: its oneDNN memory object and the pointer bound to it.
typedef struct {
    int arg;
    dnnl_memory_t memory;
    const void *bound;
} camkit_op_arg;

enum { CAMKIT_MAX_ARGS = 6 };

struct camkit_dnnl_op {
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t primitive;
    dnnl_stream_t stream;
    /// The primitive's own scratchpad: oneDNN's library-managed one is a single global buffer
    /// in Debian's build (no concurrent execution), which plans on several threads would share.
    void *scratch_data;
    dnnl_memory_t scratch;
    int count;
    camkit_op_arg args[CAMKIT_MAX_ARGS];
    /// Convolutions: the plain weights layout, for packing.
    dnnl_memory_desc_t plain_weights;
};

/// Makes `op`'s primitive, stream and scratchpad from `desc` (pd creation with user scratchpad
/// mode and `attr`'s post-ops, which may be NULL).
dnnl_status_t camkit_op_init(camkit_dnnl_op *op, const void *desc, dnnl_primitive_attr_t attr);
/// A convolution's source and destination layouts (plain or native as `s` says), its weights
/// for the primitive to choose (`format_tag_any`) and in the plain [M, C/group, kh, kw] order.
dnnl_status_t camkit_conv_descs(const camkit_conv_shape *s, dnnl_memory_desc_t *src, dnnl_memory_desc_t *dst,
                                dnnl_memory_desc_t *weights_any, dnnl_memory_desc_t *plain_weights);
/// Makes the primitive, stream and scratchpad of an operation whose `pd` is set.
dnnl_status_t camkit_op_adopt(camkit_dnnl_op *op);
/// Makes `op` a reorder from `from` to `to`, run with (source, destination).
dnnl_status_t camkit_reorder_init(camkit_dnnl_op *op, const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to);
/// Adds an argument with memory of layout `md`, in run order.
dnnl_status_t camkit_op_add_arg(camkit_dnnl_op *op, int arg, const dnnl_memory_desc_t *md);
/// The packed layout of a fused depthwise post-op's weights.
const dnnl_memory_desc_t *camkit_dnnl_dw_packed_desc(const camkit_dnnl_op *op);
/// Writes "oneDNN <what> failed (status N)".
void camkit_set_error(char *error, size_t size, const char *what, dnnl_status_t status);

#define CAMKIT_CHECK(call, what) do { dnnl_status_t s_ = (call); \
    if (s_ != dnnl_success) { camkit_set_error(error, error_size, what, s_); goto fail; } } while (0)

#endif
