import CSpectralSIMD
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures the machine's fused-multiply-add peak: every benchmark reports its speed as a fraction of this figure,
/// measured in the same run, rather than of a datasheet number.
public enum PeakProbe {
    /// Float32 GFLOP/s (an FMA counts as 2 flops) of `threads` threads each running twelve independent FMA chains,
    /// enough to cover the FMA latency on both FMA ports, in the vectors of `kernel` (8 lanes for AVX2, 16 for
    /// AVX-512; by default the widest the GEMM uses, so that its fraction of this peak is honest). Best of `repeats`
    /// timings.
    public static func fmaGFLOPS(
        pool: ThreadPool, threads: Int, seconds: Double = 0.3, repeats: Int = 5, kernel: GEMMKernel = .best
    ) -> Double {
        let iterations = 2_000_000
        let lanes: Double = kernel == .avx512 ? 16 : 8
        let flopsPerThread = Double(iterations) * 12 * lanes * 2
        // Calibrate the iteration count to the requested duration.
        let once = time { runChains(pool: pool, threads: threads, iterations: iterations, kernel: kernel) }
        let scaled = max(iterations, Int(Double(iterations) * seconds / max(once, 1e-6) / Double(repeats)))
        var best = Double.infinity
        for _ in 0..<repeats {
            best = min(best, time { runChains(pool: pool, threads: threads, iterations: scaled, kernel: kernel) })
        }
        return flopsPerThread * Double(scaled) / Double(iterations) * Double(threads) / best / 1e9
    }

    private static func runChains(pool: ThreadPool, threads: Int, iterations: Int, kernel: GEMMKernel) {
        if kernel == .avx512 {
            pool.run(tasks: threads) { task, _ in
                let total = spectral_fma_chains_avx512(iterations, 1e-7 * Float(task + 1))
                sink.add(Int(total.bitPattern & 1), ordering: .relaxed)
            }
            return
        }
        pool.run(tasks: threads) { task, _ in
            typealias V = SIMD8<Float>
            let x = V(repeating: 0.999_999)
            let y = V(repeating: 1e-7 * Float(task + 1))
            var a0 = V(repeating: 1)
            var a1 = a0
            var a2 = a0
            var a3 = a0
            var a4 = a0
            var a5 = a0
            var a6 = a0
            var a7 = a0
            var a8 = a0
            var a9 = a0
            var a10 = a0
            var a11 = a0
            for _ in 0..<iterations {
                a0 = a0.addingProduct(x, y)
                a1 = a1.addingProduct(x, y)
                a2 = a2.addingProduct(x, y)
                a3 = a3.addingProduct(x, y)
                a4 = a4.addingProduct(x, y)
                a5 = a5.addingProduct(x, y)
                a6 = a6.addingProduct(x, y)
                a7 = a7.addingProduct(x, y)
                a8 = a8.addingProduct(x, y)
                a9 = a9.addingProduct(x, y)
                a10 = a10.addingProduct(x, y)
                a11 = a11.addingProduct(x, y)
            }
            let total = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11
            sink.add(Int(total.sum().bitPattern & 1), ordering: .relaxed)
        }
    }

    /// Where every chain's result goes, so that the compiler cannot drop the chains; atomic, as threads add at once.
    private static let sink = Atomic<Int>(0)

    public static func timeThrowing(_ body: () throws -> Void) rethrows -> Double {
        let start = monotonicSeconds()
        try body()
        return monotonicSeconds() - start
    }

    /// Wall time of `body` in seconds (monotonic clock).
    public static func time(_ body: () -> Void) -> Double {
        let start = monotonicSeconds()
        body()
        return monotonicSeconds() - start
    }
}

/// Seconds on the monotonic clock.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
