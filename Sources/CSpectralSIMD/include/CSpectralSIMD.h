// Vector operations that Swift's SIMD types cannot yet express as single instructions on Linux.
//
// SIMD8<Float>.squareRoot() runs lane by lane through libm's sqrtf with its errno check (a compare, a branch and a
// possible call per lane). LLVM's element-wise square root is one vsqrtps and, like sqrtf, correctly rounded, so
// results are unchanged. Swift imports ext_vector_type(8) float as SIMD8<Float> and inlines these static functions.
#ifndef C_SPECTRAL_SIMD_H
#define C_SPECTRAL_SIMD_H

#define SPECTRAL_INLINE static inline __attribute__((always_inline))

// The profiler's clock. On x86-64 the time-stamp counter: one rdtsc is under half the cost of a vDSO clock_gettime,
// and a profile takes two per operation. It runs at a constant rate on every core where the kernel trusts it as its
// clocksource; `OperationProfiler` converts ticks to nanoseconds against CLOCK_MONOTONIC over the whole session.
// Elsewhere the ticks are the monotonic clock's nanoseconds.
#if defined(__x86_64__)
#include <x86intrin.h>
SPECTRAL_INLINE unsigned long long spectral_ticks(void) { return __rdtsc(); }
#else
#include <time.h>
SPECTRAL_INLINE unsigned long long spectral_ticks(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}
#endif

typedef float spectral_float8 __attribute__((ext_vector_type(8)));

SPECTRAL_INLINE spectral_float8 spectral_sqrt_float8(spectral_float8 x) {
    return __builtin_elementwise_sqrt(x);
}

// Swift's SIMD4<Double> operators are written lane by lane and left to LLVM's SLP vectoriser to put back together.
// In a radix-4 FFT pass it rebuilt them as 2-lane halves with shuffles between, at twice the cycles of the same loop
// in C. These are the operations of `Double4` (SpectralKernels), each one instruction on 4-lane AVX registers.
typedef double spectral_double4 __attribute__((ext_vector_type(4)));

SPECTRAL_INLINE spectral_double4 spectral_add_double4(spectral_double4 a, spectral_double4 b) {
    return a + b;
}
SPECTRAL_INLINE spectral_double4 spectral_sub_double4(spectral_double4 a, spectral_double4 b) {
    return a - b;
}
SPECTRAL_INLINE spectral_double4 spectral_mul_double4(spectral_double4 a, spectral_double4 b) {
    return a * b;
}
SPECTRAL_INLINE spectral_double4 spectral_div_double4(spectral_double4 a, spectral_double4 b) {
    return a / b;
}
SPECTRAL_INLINE spectral_double4 spectral_neg_double4(spectral_double4 a) {
    return -a;
}
/// a·b + c with one rounding.
SPECTRAL_INLINE spectral_double4 spectral_fma_double4(spectral_double4 a, spectral_double4 b, spectral_double4 c) {
    return __builtin_elementwise_fma(a, b, c);
}
SPECTRAL_INLINE spectral_double4 spectral_splat_double4(double x) {
    return (spectral_double4)x;
}
/// (a0, b0, a2, b2) and (a1, b1, a3, b3): pairs interleaved within each 128-bit half.
SPECTRAL_INLINE spectral_double4 spectral_unpack_low_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 0, 4, 2, 6);
}
SPECTRAL_INLINE spectral_double4 spectral_unpack_high_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 1, 5, 3, 7);
}
/// (a0, a1, b0, b1) and (a2, a3, b2, b3): the 128-bit halves recombined.
SPECTRAL_INLINE spectral_double4 spectral_low_halves_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 0, 1, 4, 5);
}
SPECTRAL_INLINE spectral_double4 spectral_high_halves_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 2, 3, 6, 7);
}
/// (a3, a2, a1, a0).
SPECTRAL_INLINE spectral_double4 spectral_reverse_double4(spectral_double4 a) {
    return __builtin_shufflevector(a, a, 3, 2, 1, 0);
}
/// (a0, a2, b0, b2) and (a1, a3, b1, b3): the even and odd elements of eight consecutive values.
SPECTRAL_INLINE spectral_double4 spectral_even_lanes_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 0, 2, 4, 6);
}
SPECTRAL_INLINE spectral_double4 spectral_odd_lanes_double4(spectral_double4 a, spectral_double4 b) {
    return __builtin_shufflevector(a, b, 1, 3, 5, 7);
}

// An 8 × 8 block of floats transposed in registers (unpack, shuffle, then swap the 128-bit halves: 24 shuffles for
// 8 loads and 8 stores). Packing B = Wᵀ for the GEMM is this transpose; done element by element it is 64 scalar
// stores per block. dst[j · dstStride + i] = src[i · srcStride + j] for i, j < 8; the rows need no alignment.
typedef float spectral_float8_unaligned __attribute__((ext_vector_type(8), aligned(4)));

SPECTRAL_INLINE void spectral_transpose_8x8(const float *src, long srcStride, float *dst, long dstStride) {
    spectral_float8 r[8], t[8], s[8];
    for (int i = 0; i < 8; i++) r[i] = *(const spectral_float8_unaligned *)(src + i * srcStride);
    for (int i = 0; i < 8; i += 2) {
        t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
        t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int h = 0; h < 8; h += 4) {
        s[h] = __builtin_shufflevector(t[h], t[h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        s[h + 1] = __builtin_shufflevector(t[h], t[h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
        s[h + 2] = __builtin_shufflevector(t[h + 1], t[h + 3], 0, 1, 8, 9, 4, 5, 12, 13);
        s[h + 3] = __builtin_shufflevector(t[h + 1], t[h + 3], 2, 3, 10, 11, 6, 7, 14, 15);
    }
    for (int j = 0; j < 4; j++) {
        *(spectral_float8_unaligned *)(dst + j * dstStride) =
            __builtin_shufflevector(s[j], s[j + 4], 0, 1, 2, 3, 8, 9, 10, 11);
        *(spectral_float8_unaligned *)(dst + (j + 4) * dstStride) =
            __builtin_shufflevector(s[j], s[j + 4], 4, 5, 6, 7, 12, 13, 14, 15);
    }
}

// The AVX-512 path of the Float32 GEMM (CSpectralSIMD.c, compiled for AVX-512F whatever the build's -march; called
// only when `spectral_has_avx512` says the CPU and the OS support it). On CPUs with 512-bit FMA units (AMD Zen 5)
// its peak is twice that of 256-bit AVX2.
enum { SPECTRAL_EPILOGUE_NONE, SPECTRAL_EPILOGUE_BIAS, SPECTRAL_EPILOGUE_BIAS_RELU, SPECTRAL_EPILOGUE_MASK };

/// 1 when the CPU has AVX-512F and the OS saves its registers.
int spectral_has_avx512(void);

/// The 12 × 32 register tile (24 zmm accumulators): C[i, j] for i < 12, j < 32 is Σ_p a(i, p)·b(p, j), each a
/// sequential chain of fused multiply-adds in p, exactly as in the 6 × 16 AVX2 kernel, so the two give the same bits.
/// Rows 0–5 of A are at a_low, rows 6–11 at a_high, element (i, p) at a[i·a_row_stride + p·a_step]; columns 0–15
/// and 16–31 are the packed B panels b0 and b1 (16·kc floats each). Then C = (accumulate ? C : 0) + the sum, and
/// the epilogue: + extra (bias), ReLU of that, or the mask extra > 0; row i reads extra + i·extra_ld.
void spectral_kernel_12x32_avx512(long kc, const float *a_low, const float *a_high, long a_row_stride, long a_step,
                                  const float *b0, const float *b1, float *c, long ldc, int accumulate,
                                  int epilogue, const float *extra, long extra_ld);

/// The same for a 6 × 32 tile (rows 0–5 at a): M's last whole 6-row panel when 12 do not fit.
void spectral_kernel_6x32_avx512(long kc, const float *a, long a_row_stride, long a_step, const float *b0,
                                 const float *b1, float *c, long ldc, int accumulate, int epilogue,
                                 const float *extra, long extra_ld);

/// Twelve independent 16-lane FMA chains run `iterations` times (the AVX-512 FMA peak probe); returns their sum.
float spectral_fma_chains_avx512(long iterations, float seed);

#endif
