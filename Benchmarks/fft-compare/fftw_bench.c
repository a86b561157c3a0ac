/* FFTW reference timing for `spectral-bench fft`: one double transform of each length, complex (in place) or,
   after the word `real`, real to half-complex (r2c, out of place, as RealFFTPlan); FFTW_MEASURE, one thread,
   median microseconds of 15 timed batches (the same rule as spectral-bench). Prints one JSON object per line.
   Build: cc -O2 fftw_bench.c -lfftw3 -lm -o fftw_bench (needs Debian's libfftw3-dev).
   Usage: fftw_bench [real] N ... */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int real = argc > 1 && strcmp(argv[1], "real") == 0;
    for (int arg = 1 + real; arg < argc; arg++) {
        int n = atoi(argv[arg]);
        fftw_complex *x = fftw_malloc(sizeof(fftw_complex) * n);
        double *samples_in = fftw_malloc(sizeof(double) * n);
        fftw_plan plan = real ? fftw_plan_dft_r2c_1d(n, samples_in, x, FFTW_MEASURE)
                              : fftw_plan_dft_1d(n, x, x, FFTW_FORWARD, FFTW_MEASURE);
        for (int i = 0; i < n; i++) {
            x[i][0] = (double)rand() / RAND_MAX - 0.5;
            x[i][1] = (double)rand() / RAND_MAX - 0.5;
            samples_in[i] = x[i][0];
        }
        long calls = 1;
        while (1) {
            double t = now();
            for (long c = 0; c < calls; c++) fftw_execute(plan);
            if (now() - t >= 0.01 || calls >= (1L << 20)) break;
            calls *= 2;
        }
        double samples[15];
        for (int s = 0; s < 15; s++) {
            double t = now();
            for (long c = 0; c < calls; c++) fftw_execute(plan);
            samples[s] = (now() - t) / calls;
        }
        qsort(samples, 15, sizeof(double), by_value);
        printf("{\"library\":\"fftw3 %s\",\"kind\":\"%s\",\"n\":%d,\"microseconds\":%.4f}\n", fftw_version,
               real ? "real" : "complex", n, samples[7] * 1e6);
        fftw_destroy_plan(plan);
        fftw_free(samples_in);
        fftw_free(x);
    }
    return 0;
}
