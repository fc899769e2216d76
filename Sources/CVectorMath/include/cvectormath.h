#ifndef CVECTORMATH_H
#define CVECTORMATH_H
// Transcendental activations and softmax rows on glibc's vector math library (libmvec): its
// expf, erff and tanhf for 16 lanes (AVX-512), 8 (AVX2) or, on the generic path, scalar libm.
// The caller names the level (camkit's CPU path, chosen at run time); nothing here looks at
// the build machine's instruction set.
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    CAMKIT_VM_SCALAR = 0,
    CAMKIT_VM_AVX2 = 1,
    CAMKIT_VM_AVX512 = 2,
} camkit_vm_level;

typedef enum {
    CAMKIT_VM_SIGMOID = 0,
    CAMKIT_VM_SILU = 1,
    CAMKIT_VM_TANH = 2,
    CAMKIT_VM_ERF = 3,
    /// x·(1 + erf(x/√2))/2, the exact GELU.
    CAMKIT_VM_GELU = 4,
} camkit_vm_function;

/// 1 when this CPU runs `level`'s instructions (AVX-512 F+DQ; AVX2 + FMA; scalar always).
int camkit_vm_supported(int level);

/// Applies `function` in place to `count` values.
void camkit_vm_apply(int level, int function, float *values, size_t count);

/// Softmax (or log-softmax when `log` is 1) of each of `rows` contiguous rows of `size` values.
void camkit_vm_softmax_rows(int level, const float *input, float *output, size_t rows, size_t size, int log);

#ifdef __cplusplus
}
#endif
#endif
