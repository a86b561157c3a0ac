// Everything is in the header (static inline, so Swift inlines it); SwiftPM needs one source file per C target.
#include "CSpectralSIMD.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int spectral_has_avx512(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & bit_AVX512F)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    // The OS saves the AVX state (bits 1, 2) and the opmask and 512-bit register state (bits 5, 6, 7).
    return (lo & 0xE6) == 0xE6;
}

#define AVX512 __attribute__((target("avx512f")))

AVX512 static inline __m512 spectral_finish16(__m512 v, float *c, int accumulate, int epilogue, const float *extra) {
    if (accumulate) v = _mm512_add_ps(_mm512_loadu_ps(c), v);
    if (epilogue == SPECTRAL_EPILOGUE_NONE) return v;
    if (epilogue == SPECTRAL_EPILOGUE_MASK) {
        return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(extra), _mm512_setzero_ps(), _CMP_GT_OQ), v);
    }
    v = _mm512_add_ps(v, _mm512_loadu_ps(extra));
    if (epilogue == SPECTRAL_EPILOGUE_BIAS) return v;
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ), v);
}

// The tile of `rows` (12 or 6: constants, so the loops unroll and the accumulators stay in registers) × 32.
AVX512 __attribute__((always_inline)) static inline void spectral_tile_x32(
    int rows, long kc, const float *a_low, const float *a_high, long a_row_stride, long a_step, const float *b0,
    const float *b1, float *c, long ldc, int accumulate, int epilogue, const float *extra, long extra_ld) {
    __m512 acc[12][2];
    for (int i = 0; i < rows; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    const float *line[12];
    for (int i = 0; i < 6; i++) {
        line[i] = a_low + i * a_row_stride;
        line[i + 6] = a_high + i * a_row_stride;
    }
    long offset = 0;
    for (long p = 0; p < kc; p++) {
        __m512 u = _mm512_loadu_ps(b0 + 16 * p), w = _mm512_loadu_ps(b1 + 16 * p);
#pragma clang loop unroll(full)
        for (int i = 0; i < rows; i++) {
            __m512 x = _mm512_set1_ps(line[i][offset]);
            acc[i][0] = _mm512_fmadd_ps(x, u, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(x, w, acc[i][1]);
        }
        offset += a_step;
    }
    for (int i = 0; i < rows; i++) {
        float *out = c + i * ldc;
        const float *e = extra + i * extra_ld;
        _mm512_storeu_ps(out, spectral_finish16(acc[i][0], out, accumulate, epilogue, e));
        _mm512_storeu_ps(out + 16, spectral_finish16(acc[i][1], out + 16, accumulate, epilogue, e + 16));
    }
}

AVX512 void spectral_kernel_12x32_avx512(long kc, const float *a_low, const float *a_high, long a_row_stride,
                                         long a_step, const float *b0, const float *b1, float *c, long ldc,
                                         int accumulate, int epilogue, const float *extra, long extra_ld) {
    spectral_tile_x32(12, kc, a_low, a_high, a_row_stride, a_step, b0, b1, c, ldc, accumulate, epilogue, extra,
                      extra_ld);
}

AVX512 void spectral_kernel_6x32_avx512(long kc, const float *a, long a_row_stride, long a_step, const float *b0,
                                        const float *b1, float *c, long ldc, int accumulate, int epilogue,
                                        const float *extra, long extra_ld) {
    spectral_tile_x32(6, kc, a, a, a_row_stride, a_step, b0, b1, c, ldc, accumulate, epilogue, extra, extra_ld);
}

AVX512 float spectral_fma_chains_avx512(long iterations, float seed) {
    __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(seed), a[12];
    for (int i = 0; i < 12; i++) a[i] = _mm512_set1_ps(1.0f);
    for (long k = 0; k < iterations; k++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < 12; i++) a[i] = _mm512_fmadd_ps(a[i], x, y);
    }
    __m512 total = a[0];
    for (int i = 1; i < 12; i++) total = _mm512_add_ps(total, a[i]);
    return _mm512_reduce_add_ps(total);
}
#else
int spectral_has_avx512(void) { return 0; }
void spectral_kernel_12x32_avx512(long kc, const float *a_low, const float *a_high, long a_row_stride, long a_step,
                                  const float *b0, const float *b1, float *c, long ldc, int accumulate,
                                  int epilogue, const float *extra, long extra_ld) {}
void spectral_kernel_6x32_avx512(long kc, const float *a, long a_row_stride, long a_step, const float *b0,
                                 const float *b1, float *c, long ldc, int accumulate, int epilogue,
                                 const float *extra, long extra_ld) {}
float spectral_fma_chains_avx512(long iterations, float seed) { return 0; }
#endif
