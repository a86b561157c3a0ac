// Vector operations that Swift's SIMD types cannot yet express as single instructions on Linux.
//
// SIMD8<Float>.squareRoot() runs lane by lane through libm's sqrtf with its errno check (a compare, a branch and a
// possible call per lane). LLVM's element-wise square root is one vsqrtps and, like sqrtf, correctly rounded, so
// results are unchanged. Swift imports ext_vector_type(8) float as SIMD8<Float> and inlines these static functions.
#ifndef C_SPECTRAL_SIMD_H
#define C_SPECTRAL_SIMD_H

typedef float spectral_float8 __attribute__((ext_vector_type(8)));

static inline __attribute__((always_inline)) spectral_float8 spectral_sqrt_float8(spectral_float8 x) {
    return __builtin_elementwise_sqrt(x);
}

#endif
