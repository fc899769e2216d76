// Written by hand because no library on this machine offers these loops over glibc's vector
// functions: libmvec has the per-vector expf/erff/tanhf, this file the loops, tails and
// softmax rows around them, one copy per instruction set, called only on a CPU that has it.
#include "cvectormath.h"

#include <math.h>
#include <string.h>

// ---- scalar (the generic path, and any CPU)

static float scalar_one(int function, float v) {
    switch (function) {
    case CAMKIT_VM_SIGMOID: return 1 / (1 + expf(-v));
    case CAMKIT_VM_SILU: return v / (1 + expf(-v));
    case CAMKIT_VM_TANH: return tanhf(v);
    case CAMKIT_VM_ERF: return erff(v);
    default: return 0.5f * v * (1 + erff(v * 0.70710678118654752f));
    }
}

static void scalar_apply(int function, float *p, size_t n) {
    for (size_t i = 0; i < n; i++) p[i] = scalar_one(function, p[i]);
}

static void scalar_softmax(const float *x, float *y, size_t n, int log) {
    float m = -INFINITY, sum = 0;
    for (size_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    for (size_t i = 0; i < n; i++) { y[i] = expf(x[i] - m); sum += y[i]; }
    if (log) {
        float l = logf(sum);
        for (size_t i = 0; i < n; i++) y[i] = x[i] - m - l;
    } else {
        float r = 1 / sum;
        for (size_t i = 0; i < n; i++) y[i] *= r;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

// ---- AVX-512: 16 lanes, glibc's _ZGVeN16v_* (vector function ABI names)

#define T512 __attribute__((target("avx512f,avx512dq,fma")))
T512 __m512 _ZGVeN16v_expf(__m512);
T512 __m512 _ZGVeN16v_erff(__m512);
T512 __m512 _ZGVeN16v_tanhf(__m512);

T512 static __m512 one16(int function, __m512 v) {
    const __m512 one = _mm512_set1_ps(1);
    switch (function) {
    case CAMKIT_VM_SIGMOID: return _mm512_div_ps(one, _mm512_add_ps(one, _ZGVeN16v_expf(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    case CAMKIT_VM_SILU: return _mm512_div_ps(v, _mm512_add_ps(one, _ZGVeN16v_expf(_mm512_sub_ps(_mm512_setzero_ps(), v))));
    case CAMKIT_VM_TANH: return _ZGVeN16v_tanhf(v);
    case CAMKIT_VM_ERF: return _ZGVeN16v_erff(v);
    default: {
        __m512 e = _ZGVeN16v_erff(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)));
        return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), _mm512_add_ps(one, e));
    }
    }
}

T512 static void apply16(int function, float *p, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(p + i, one16(function, _mm512_loadu_ps(p + i)));
    if (i < n) {
        __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(p + i, k, one16(function, _mm512_maskz_loadu_ps(k, p + i)));
    }
}

T512 static void softmax16(const float *x, float *y, size_t n, int log) {
    __m512 mv = _mm512_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) mv = _mm512_max_ps(mv, _mm512_loadu_ps(x + i));
    __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);
    if (i < n) mv = _mm512_mask_max_ps(mv, tail, mv, _mm512_maskz_loadu_ps(tail, x + i));
    __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mv));
    __m512 sv = _mm512_setzero_ps();
    for (i = 0; i + 16 <= n; i += 16) {
        __m512 e = _ZGVeN16v_expf(_mm512_sub_ps(_mm512_loadu_ps(x + i), m));
        _mm512_storeu_ps(y + i, e);
        sv = _mm512_add_ps(sv, e);
    }
    if (i < n) {
        __m512 e = _ZGVeN16v_expf(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + i), m));
        e = _mm512_maskz_mov_ps(tail, e);
        _mm512_mask_storeu_ps(y + i, tail, e);
        sv = _mm512_add_ps(sv, e);
    }
    float sum = _mm512_reduce_add_ps(sv);
    __m512 s = _mm512_set1_ps(log ? -logf(sum) : 1 / sum);
    for (i = 0; i + 16 <= n; i += 16) {
        __m512 r = log ? _mm512_add_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), m), s) : _mm512_mul_ps(_mm512_loadu_ps(y + i), s);
        _mm512_storeu_ps(y + i, r);
    }
    if (i < n) {
        __m512 r = log ? _mm512_add_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, x + i), m), s)
                       : _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, y + i), s);
        _mm512_mask_storeu_ps(y + i, tail, r);
    }
}

// ---- AVX2: 8 lanes, glibc's _ZGVdN8v_*; tails through a padded copy

#define T256 __attribute__((target("avx2,fma")))
T256 __m256 _ZGVdN8v_expf(__m256);
T256 __m256 _ZGVdN8v_erff(__m256);
T256 __m256 _ZGVdN8v_tanhf(__m256);

T256 static __m256 one8(int function, __m256 v) {
    const __m256 one = _mm256_set1_ps(1);
    switch (function) {
    case CAMKIT_VM_SIGMOID: return _mm256_div_ps(one, _mm256_add_ps(one, _ZGVdN8v_expf(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    case CAMKIT_VM_SILU: return _mm256_div_ps(v, _mm256_add_ps(one, _ZGVdN8v_expf(_mm256_sub_ps(_mm256_setzero_ps(), v))));
    case CAMKIT_VM_TANH: return _ZGVdN8v_tanhf(v);
    case CAMKIT_VM_ERF: return _ZGVdN8v_erff(v);
    default: {
        __m256 e = _ZGVdN8v_erff(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)));
        return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), v), _mm256_add_ps(one, e));
    }
    }
}

T256 static void apply8(int function, float *p, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(p + i, one8(function, _mm256_loadu_ps(p + i)));
    if (i < n) {
        float pad[8] = {0};
        memcpy(pad, p + i, (n - i) * sizeof(float));
        _mm256_storeu_ps(pad, one8(function, _mm256_loadu_ps(pad)));
        memcpy(p + i, pad, (n - i) * sizeof(float));
    }
}

T256 static float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

T256 static void softmax8(const float *x, float *y, size_t n, int log) {
    float m = -INFINITY;
    __m256 mv = _mm256_set1_ps(-INFINITY);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(x + i));
    float lanes[8];
    _mm256_storeu_ps(lanes, mv);
    for (int l = 0; l < 8; l++) m = lanes[l] > m ? lanes[l] : m;
    for (size_t j = i; j < n; j++) m = x[j] > m ? x[j] : m;
    __m256 mb = _mm256_set1_ps(m), sv = _mm256_setzero_ps();
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = _ZGVdN8v_expf(_mm256_sub_ps(_mm256_loadu_ps(x + i), mb));
        _mm256_storeu_ps(y + i, e);
        sv = _mm256_add_ps(sv, e);
    }
    if (i < n) {
        float pad[8];
        for (int l = 0; l < 8; l++) pad[l] = i + l < n ? x[i + l] : -INFINITY;
        __m256 e = _ZGVdN8v_expf(_mm256_sub_ps(_mm256_loadu_ps(pad), mb));
        _mm256_storeu_ps(pad, e);
        memcpy(y + i, pad, (n - i) * sizeof(float));
        sv = _mm256_add_ps(sv, e);
    }
    float sum = hsum8(sv);
    if (log) {
        float l = logf(sum);
        for (size_t j = 0; j < n; j++) y[j] = x[j] - m - l;
    } else {
        __m256 r = _mm256_set1_ps(1 / sum);
        for (i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), r));
        for (size_t j = i; j < n; j++) y[j] *= 1 / sum;
    }
}
#endif

int camkit_vm_supported(int level) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (level == CAMKIT_VM_AVX512) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    if (level == CAMKIT_VM_AVX2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return level == CAMKIT_VM_SCALAR;
}

void camkit_vm_apply(int level, int function, float *values, size_t count) {
#if defined(__x86_64__)
    if (level == CAMKIT_VM_AVX512) { apply16(function, values, count); return; }
    if (level == CAMKIT_VM_AVX2) { apply8(function, values, count); return; }
#endif
    scalar_apply(function, values, count);
}

void camkit_vm_softmax_rows(int level, const float *input, float *output, size_t rows, size_t size, int log) {
    for (size_t r = 0; r < rows; r++) {
        const float *x = input + r * size;
        float *y = output + r * size;
#if defined(__x86_64__)
        if (level == CAMKIT_VM_AVX512) { softmax16(x, y, size, log); continue; }
        if (level == CAMKIT_VM_AVX2) { softmax8(x, y, size, log); continue; }
#endif
        scalar_softmax(x, y, size, log);
    }
}
