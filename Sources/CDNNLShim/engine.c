#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

// libgomp, which oneDNN's Debian build runs its threads on; declared here because omp.h is
// not on clang's include path.
extern void omp_set_num_threads(int);

static dnnl_engine_t engine;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void make_engine(void) {
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) engine = NULL;
}

dnnl_engine_t camkit_engine(void) {
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

static int has(dnnl_cpu_isa_t isa) { return (dnnl_get_effective_cpu_isa() & isa) == isa; }

const char *camkit_dnnl_isa_name(void) {
    if (has(dnnl_cpu_isa_avx512_core)) return "avx512_core";
    if (has(dnnl_cpu_isa_avx2)) return "avx2";
    if (has(dnnl_cpu_isa_avx)) return "avx";
    if (has(dnnl_cpu_isa_sse41)) return "sse41";
    return "none";
}

void camkit_dnnl_set_threads(int threads) { omp_set_num_threads(threads < 1 ? 1 : threads); }

int camkit_dnnl_blocked_layout(void) { return has(dnnl_cpu_isa_avx512_core) ? CAMKIT_LAYOUT_BLOCK16 : CAMKIT_LAYOUT_BLOCK8; }

dnnl_status_t camkit_native_desc(dnnl_memory_desc_t *md, int layout, int n, int c, int h, int w) {
    dnnl_dims_t dims = {n, c, h, w};
    dnnl_format_tag_t tag = layout == CAMKIT_LAYOUT_BLOCK16 ? dnnl_nChw16c : layout == CAMKIT_LAYOUT_BLOCK8 ? dnnl_nChw8c : dnnl_nhwc;
    return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, tag);
}

dnnl_status_t camkit_plain_desc(dnnl_memory_desc_t *md, int n, int c, int h, int w) {
    dnnl_dims_t dims = {n, c, h, w};
    return dnnl_memory_desc_init_by_tag(md, 4, dims, dnnl_f32, dnnl_nchw);
}

size_t camkit_dnnl_native_count(int layout, int n, int c, int h, int w) {
    dnnl_memory_desc_t md;
    if (camkit_native_desc(&md, layout, n, c, h, w) != dnnl_success) return 0;
    return dnnl_memory_desc_get_size(&md) / sizeof(float);
}

void camkit_set_error(char *error, size_t size, const char *what, dnnl_status_t status) {
    if (error && size) snprintf(error, size, "oneDNN %s failed (status %d)", what, (int)status);
}
