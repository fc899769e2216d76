#include "cdnnlshim.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// libgomp, which oneDNN's Debian build uses for its threads; declared here because omp.h is
// not on clang's include path.
extern void omp_set_num_threads(int);

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;
static int native_block = -1;

static void make_engine(void) {
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) engine = NULL;
    // Environment override for measurements: CAMKIT_DNNL_LAYOUT=nhwc|8|16.
    const char *layout = getenv("CAMKIT_DNNL_LAYOUT");
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    if (layout && strcmp(layout, "nhwc") == 0) native_block = 0;
    else if (layout && strcmp(layout, "8") == 0) native_block = 8;
    else if (layout && strcmp(layout, "16") == 0) native_block = 16;
    else native_block = (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core ? 16 : 8;
}

static dnnl_engine_t get_engine(void) {
    pthread_once(&engine_once, make_engine);
    return engine;
}

int camkit_dnnl_set_isa(camkit_isa isa) {
    switch (isa) {
    case CAMKIT_ISA_AVX2: return dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx2) == dnnl_success ? 0 : 1;
    case CAMKIT_ISA_AVX512: return dnnl_set_max_cpu_isa(dnnl_cpu_isa_avx512_core) == dnnl_success ? 0 : 1;
    default: return 0;
    }
}

const char *camkit_dnnl_isa_name(void) {
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    if ((isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core) return "avx512_core";
    if ((isa & dnnl_cpu_isa_avx2) == dnnl_cpu_isa_avx2) return "avx2";
    if ((isa & dnnl_cpu_isa_avx) == dnnl_cpu_isa_avx) return "avx";
    if ((isa & dnnl_cpu_isa_sse41) == dnnl_cpu_isa_sse41) return "sse41";
    return "none";
}

int camkit_dnnl_has_avx2(void) {
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    return (isa & dnnl_cpu_isa_avx2) == dnnl_cpu_isa_avx2;
}

void camkit_dnnl_set_threads(int threads) { omp_set_num_threads(threads < 1 ? 1 : threads); }

int camkit_dnnl_native_block(void) {
    get_engine();
    return native_block;
}

static dnnl_status_t native_desc(dnnl_memory_desc_t *md, int n, int c, int h, int w) {
    dnnl_dims_t dims = {n, c, h, w};
    get_engine();
    dnnl_format_tag_t tag = native_block == 16 ? dnnl_nChw16c : native_block == 8 ? dnnl_nChw8c : dnnl_nhwc;
    return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, tag);
}

static dnnl_status_t plain_desc(dnnl_memory_desc_t *md, int n, int c, int h, int w) {
    dnnl_dims_t dims = {n, c, h, w};
    return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, dnnl_nchw);
}

size_t camkit_dnnl_native_count(int n, int c, int h, int w) {
    dnnl_memory_desc_t md;
    if (native_desc(&md, n, c, h, w) != dnnl_success) return 0;
    return dnnl_memory_desc_get_size(&md) / sizeof(float);
}

/// A memory object whose data pointer is rebound only when it changes: binding a padded
/// blocked layout zero-fills its padding, which a plan's fixed buffers need only once.
typedef struct {
    dnnl_memory_t memory;
    const void *bound;
} bound_memory;

static dnnl_status_t bind(bound_memory *m, const void *p) {
    if (m->bound == p) return dnnl_success;
    m->bound = p;
    return dnnl_memory_set_data_handle(m->memory, (void *)p);
}

/// A primitive's own scratchpad. oneDNN's library-managed scratchpad is one global buffer in
/// Debian's build (no concurrent execution), so plans running on several threads would share
/// it; each primitive gets its own instead.
typedef struct {
    void *data;
    dnnl_memory_t memory;
} scratchpad;

static dnnl_status_t make_scratchpad(scratchpad *sp, const_dnnl_primitive_desc_t pd) {
    const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    size_t size = md ? dnnl_memory_desc_get_size(md) : 0;
    if (size == 0) return dnnl_success;
    if (posix_memalign(&sp->data, 64, size) != 0) { sp->data = NULL; return dnnl_out_of_memory; }
    return dnnl_memory_create(&sp->memory, md, get_engine(), sp->data);
}

static void free_scratchpad(scratchpad *sp) {
    if (sp->memory) dnnl_memory_destroy(sp->memory);
    free(sp->data);
}

struct camkit_dnnl_conv {
    scratchpad scratch;
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t primitive;
    dnnl_stream_t stream;
    bound_memory src, weights, bias, dst;
    dnnl_memory_desc_t plain_weights;
    int has_bias;
};

static void set_error(char *error, size_t size, const char *what, dnnl_status_t status) {
    if (error && size) snprintf(error, size, "oneDNN %s failed (status %d)", what, (int)status);
}

#define CHECK(call, what) do { dnnl_status_t s_ = (call); if (s_ != dnnl_success) { set_error(error, error_size, what, s_); goto fail; } } while (0)

static dnnl_status_t memory_for(bound_memory *m, const dnnl_memory_desc_t *md) {
    m->bound = NULL;
    return dnnl_memory_create(&m->memory, md, get_engine(), DNNL_MEMORY_NONE);
}

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

camkit_dnnl_conv *camkit_dnnl_conv_create(const camkit_conv_shape *s, char *error, size_t error_size) {
    camkit_dnnl_conv *c = calloc(1, sizeof *c);
    dnnl_post_ops_t post_ops = NULL;
    dnnl_primitive_attr_t attr = NULL;
    if (!c) return NULL;
    if (!get_engine()) { set_error(error, error_size, "engine creation", dnnl_runtime_error); goto fail; }
    c->has_bias = s->has_bias;
    dnnl_memory_desc_t src_md, dst_md, weights_any, bias_md;
    if (s->plain_source) CHECK(plain_desc(&src_md, s->batch, s->in_channels, s->in_h, s->in_w), "source layout");
    else CHECK(native_desc(&src_md, s->batch, s->in_channels, s->in_h, s->in_w), "source layout");
    CHECK(native_desc(&dst_md, s->batch, s->out_channels, s->out_h, s->out_w), "destination layout");
    int g = s->groups;
    if (g > 1) {
        dnnl_dims_t wd = {g, s->out_channels / g, s->in_channels / g, s->kernel_h, s->kernel_w};
        CHECK(dnnl_memory_desc_init_by_tag(&weights_any, 5, wd, dnnl_f32, dnnl_format_tag_any), "weights layout");
        CHECK(dnnl_memory_desc_init_by_tag(&c->plain_weights, 5, wd, dnnl_f32, dnnl_goihw), "weights layout");
    } else {
        dnnl_dims_t wd = {s->out_channels, s->in_channels, s->kernel_h, s->kernel_w};
        CHECK(dnnl_memory_desc_init_by_tag(&weights_any, 4, wd, dnnl_f32, dnnl_format_tag_any), "weights layout");
        CHECK(dnnl_memory_desc_init_by_tag(&c->plain_weights, 4, wd, dnnl_f32, dnnl_oihw), "weights layout");
    }
    dnnl_dims_t bd = {s->out_channels};
    CHECK(dnnl_memory_desc_init_by_tag(&bias_md, 1, bd, dnnl_f32, dnnl_x), "bias layout");
    dnnl_dims_t strides = {s->stride_h, s->stride_w};
    dnnl_dims_t dilates = {s->dilation_h - 1, s->dilation_w - 1};
    dnnl_dims_t pad_l = {s->pad_top, s->pad_left}, pad_r = {s->pad_bottom, s->pad_right};
    dnnl_convolution_desc_t desc;
    CHECK(dnnl_dilated_convolution_forward_desc_init(&desc, dnnl_forward_inference, dnnl_convolution_direct,
                                                     &src_md, &weights_any, s->has_bias ? &bias_md : NULL, &dst_md,
                                                     strides, dilates, pad_l, pad_r), "convolution descriptor");
    CHECK(dnnl_primitive_attr_create(&attr), "attribute creation");
    CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    if (s->activation != CAMKIT_ACT_NONE) {
        dnnl_alg_kind_t kind = activation_kind(s->activation);
        if (kind == dnnl_alg_kind_undef) { set_error(error, error_size, "activation mapping", dnnl_unimplemented); goto fail; }
        float alpha = s->alpha, beta = s->beta;
        if (s->activation == CAMKIT_ACT_SILU) alpha = 1;
        CHECK(dnnl_post_ops_create(&post_ops), "post-op creation");
        CHECK(dnnl_post_ops_append_eltwise(post_ops, 1.0f, kind, alpha, beta), "fused activation");
        CHECK(dnnl_primitive_attr_set_post_ops(attr, post_ops), "fused activation");
    }
    CHECK(dnnl_primitive_desc_create(&c->pd, &desc, attr, get_engine(), NULL), "convolution");
    CHECK(dnnl_primitive_create(&c->primitive, c->pd), "convolution kernel");
    CHECK(make_scratchpad(&c->scratch, c->pd), "scratchpad");
    CHECK(dnnl_stream_create(&c->stream, get_engine(), dnnl_stream_default_flags), "stream creation");
    CHECK(memory_for(&c->src, &src_md), "memory");
    CHECK(memory_for(&c->dst, &dst_md), "memory");
    CHECK(memory_for(&c->weights, dnnl_primitive_desc_query_md(c->pd, dnnl_query_weights_md, 0)), "memory");
    if (s->has_bias) CHECK(memory_for(&c->bias, &bias_md), "memory");
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    dnnl_primitive_attr_destroy(attr);
    return c;
fail:
    if (post_ops) dnnl_post_ops_destroy(post_ops);
    if (attr) dnnl_primitive_attr_destroy(attr);
    camkit_dnnl_conv_destroy(c);
    return NULL;
}

size_t camkit_dnnl_conv_packed_weight_count(const camkit_dnnl_conv *c) {
    return dnnl_memory_desc_get_size(dnnl_primitive_desc_query_md(c->pd, dnnl_query_weights_md, 0)) / sizeof(float);
}

int camkit_dnnl_conv_pack_weights(const camkit_dnnl_conv *c, const float *weights, float *packed) {
    const dnnl_memory_desc_t *packed_md = dnnl_primitive_desc_query_md(c->pd, dnnl_query_weights_md, 0);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    dnnl_memory_t from = NULL, to = NULL;
    scratchpad scratch = {NULL, NULL};
    int status = 1;
    if (dnnl_primitive_attr_create(&attr) != dnnl_success) goto done;
    if (dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) != dnnl_success) goto done;
    if (dnnl_reorder_primitive_desc_create(&rpd, &c->plain_weights, get_engine(), packed_md, get_engine(), attr) != dnnl_success) goto done;
    if (dnnl_primitive_create(&reorder, rpd) != dnnl_success) goto done;
    if (make_scratchpad(&scratch, rpd) != dnnl_success) goto done;
    if (dnnl_memory_create(&from, &c->plain_weights, get_engine(), (void *)weights) != dnnl_success) goto done;
    if (dnnl_memory_create(&to, packed_md, get_engine(), packed) != dnnl_success) goto done;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    int count = 2;
    if (scratch.memory) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, scratch.memory};
    if (dnnl_primitive_execute(reorder, c->stream, count, args) != dnnl_success) goto done;
    status = dnnl_stream_wait(c->stream) == dnnl_success ? 0 : 1;
done:
    if (from) dnnl_memory_destroy(from);
    if (to) dnnl_memory_destroy(to);
    free_scratchpad(&scratch);
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    return status;
}

int camkit_dnnl_conv_run(camkit_dnnl_conv *c, const float *src, const float *packed, const float *bias, float *dst) {
    if (bind(&c->src, src) || bind(&c->weights, packed) || bind(&c->dst, dst)) return 1;
    dnnl_exec_arg_t args[5] = {{DNNL_ARG_SRC, c->src.memory}, {DNNL_ARG_WEIGHTS, c->weights.memory}, {DNNL_ARG_DST, c->dst.memory}};
    int count = 3;
    if (c->scratch.memory) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, c->scratch.memory};
    if (c->has_bias) {
        if (bind(&c->bias, bias)) return 1;
        args[count++] = (dnnl_exec_arg_t){DNNL_ARG_BIAS, c->bias.memory};
    }
    if (dnnl_primitive_execute(c->primitive, c->stream, count, args) != dnnl_success) return 1;
    return dnnl_stream_wait(c->stream) == dnnl_success ? 0 : 1;
}

size_t camkit_dnnl_packing_size(void) { return 2 * sizeof(dnnl_memory_desc_t); }

void camkit_dnnl_conv_packing(const camkit_dnnl_conv *c, void *record) {
    dnnl_memory_desc_t *r = record;
    r[0] = c->plain_weights;
    r[1] = *dnnl_primitive_desc_query_md(c->pd, dnnl_query_weights_md, 0);
}

int camkit_dnnl_conv_has_packing(const camkit_dnnl_conv *c, const void *record) {
    const dnnl_memory_desc_t *r = record;
    return dnnl_memory_desc_equal(&r[0], &c->plain_weights)
        && dnnl_memory_desc_equal(&r[1], dnnl_primitive_desc_query_md(c->pd, dnnl_query_weights_md, 0));
}

const char *camkit_dnnl_conv_implementation(const camkit_dnnl_conv *c) {
    const char *name = NULL;
    if (dnnl_primitive_desc_query(c->pd, dnnl_query_impl_info_str, 0, &name) != dnnl_success || !name) return "unknown";
    return name;
}

void camkit_dnnl_conv_destroy(camkit_dnnl_conv *c) {
    if (!c) return;
    if (c->src.memory) dnnl_memory_destroy(c->src.memory);
    if (c->dst.memory) dnnl_memory_destroy(c->dst.memory);
    if (c->weights.memory) dnnl_memory_destroy(c->weights.memory);
    if (c->bias.memory) dnnl_memory_destroy(c->bias.memory);
    if (c->stream) dnnl_stream_destroy(c->stream);
    if (c->primitive) dnnl_primitive_destroy(c->primitive);
    if (c->pd) dnnl_primitive_desc_destroy(c->pd);
    free_scratchpad(&c->scratch);
    free(c);
}

struct camkit_dnnl_reorder {
    scratchpad scratch;
    dnnl_primitive_t primitive;
    dnnl_stream_t stream;
    bound_memory from, to;
};

camkit_dnnl_reorder *camkit_dnnl_reorder_create(int n, int ch, int h, int w, int to_native, char *error, size_t error_size) {
    camkit_dnnl_reorder *r = calloc(1, sizeof *r);
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    if (!r) return NULL;
    if (!get_engine()) { set_error(error, error_size, "engine creation", dnnl_runtime_error); goto fail; }
    dnnl_memory_desc_t plain, native;
    CHECK(plain_desc(&plain, n, ch, h, w), "plain layout");
    CHECK(native_desc(&native, n, ch, h, w), "native layout");
    const dnnl_memory_desc_t *from = to_native ? &plain : &native, *to = to_native ? &native : &plain;
    CHECK(dnnl_primitive_attr_create(&attr), "attribute creation");
    CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    CHECK(dnnl_reorder_primitive_desc_create(&rpd, from, get_engine(), to, get_engine(), attr), "reorder");
    CHECK(dnnl_primitive_create(&r->primitive, rpd), "reorder kernel");
    CHECK(make_scratchpad(&r->scratch, rpd), "scratchpad");
    CHECK(dnnl_stream_create(&r->stream, get_engine(), dnnl_stream_default_flags), "stream creation");
    CHECK(memory_for(&r->from, from), "memory");
    CHECK(memory_for(&r->to, to), "memory");
    dnnl_primitive_desc_destroy(rpd);
    dnnl_primitive_attr_destroy(attr);
    return r;
fail:
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (attr) dnnl_primitive_attr_destroy(attr);
    camkit_dnnl_reorder_destroy(r);
    return NULL;
}

int camkit_dnnl_reorder_run(camkit_dnnl_reorder *r, const float *src, float *dst) {
    if (bind(&r->from, src) || bind(&r->to, dst)) return 1;
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_FROM, r->from.memory}, {DNNL_ARG_TO, r->to.memory}};
    int count = 2;
    if (r->scratch.memory) args[count++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, r->scratch.memory};
    if (dnnl_primitive_execute(r->primitive, r->stream, count, args) != dnnl_success) return 1;
    return dnnl_stream_wait(r->stream) == dnnl_success ? 0 : 1;
}

void camkit_dnnl_reorder_destroy(camkit_dnnl_reorder *r) {
    if (!r) return;
    if (r->from.memory) dnnl_memory_destroy(r->from.memory);
    if (r->to.memory) dnnl_memory_destroy(r->to.memory);
    if (r->stream) dnnl_stream_destroy(r->stream);
    if (r->primitive) dnnl_primitive_destroy(r->primitive);
    free_scratchpad(&r->scratch);
    free(r);
}
