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

// Swift's SIMD4<Double> operators are written lane by lane and left to LLVM's SLP vectoriser to put back together.
// In a radix-4 FFT pass it rebuilt them as 2-lane halves with shuffles between, at twice the cycles of the same loop
// in C. These are the operations of `Double4` (SpectralKernels), each one instruction on 4-lane AVX registers.
typedef double spectral_double4 __attribute__((ext_vector_type(4)));

static inline __attribute__((always_inline)) spectral_double4 spectral_add_double4(spectral_double4 a, spectral_double4 b) {
    return a + b;
}
static inline __attribute__((always_inline)) spectral_double4 spectral_sub_double4(spectral_double4 a, spectral_double4 b) {
    return a - b;
}
static inline __attribute__((always_inline)) spectral_double4 spectral_mul_double4(spectral_double4 a, spectral_double4 b) {
    return a * b;
}
static inline __attribute__((always_inline)) spectral_double4 spectral_div_double4(spectral_double4 a, spectral_double4 b) {
    return a / b;
}
static inline __attribute__((always_inline)) spectral_double4 spectral_neg_double4(spectral_double4 a) {
    return -a;
}
/// a·b + c with one rounding.
static inline __attribute__((always_inline)) spectral_double4 spectral_fma_double4(spectral_double4 a, spectral_double4 b,
                                                                                  spectral_double4 c) {
    return __builtin_elementwise_fma(a, b, c);
}
static inline __attribute__((always_inline)) spectral_double4 spectral_splat_double4(double x) {
    return (spectral_double4)x;
}
/// (a0, b0, a2, b2) and (a1, b1, a3, b3): pairs interleaved within each 128-bit half.
static inline __attribute__((always_inline)) spectral_double4 spectral_unpack_low_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 0, 4, 2, 6);
}
static inline __attribute__((always_inline)) spectral_double4 spectral_unpack_high_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 1, 5, 3, 7);
}
/// (a0, a1, b0, b1) and (a2, a3, b2, b3): the 128-bit halves recombined.
static inline __attribute__((always_inline)) spectral_double4 spectral_low_halves_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 0, 1, 4, 5);
}
static inline __attribute__((always_inline)) spectral_double4 spectral_high_halves_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 2, 3, 6, 7);
}
/// (a3, a2, a1, a0).
static inline __attribute__((always_inline)) spectral_double4 spectral_reverse_double4(spectral_double4 a) {
    return __builtin_shufflevector(a, a, 3, 2, 1, 0);
}
/// (a0, a2, b0, b2) and (a1, a3, b1, b3): the even and odd elements of eight consecutive values.
static inline __attribute__((always_inline)) spectral_double4 spectral_even_lanes_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 0, 2, 4, 6);
}
static inline __attribute__((always_inline)) spectral_double4 spectral_odd_lanes_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 1, 3, 5, 7);
}

#endif
