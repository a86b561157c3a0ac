import Foundation
import SpectralCore
import SpectralKernels

/// One JSON object per line on stdout, keys sorted.
func emit(_ fields: [String: Any]) {
    var all = fields
    all["build"] = buildDescription
    all["gemm_kernel"] = GEMMKernel.best.rawValue
    guard let data = try? JSONSerialization.data(withJSONObject: all, options: [.sortedKeys]) else {
        FileHandle.standardError.write(Data("spectral-bench: a result could not be written as JSON\n".utf8))
        return
    }
    print(String(decoding: data, as: UTF8.self))
    fflush(stdout)
}

var buildDescription: String {
    #if arch(x86_64)
    return "release, x86-64-v3 (AVX2+FMA)"
    #else
    return "release"
    #endif
}

/// Seconds per call of `body`: the best of `repeats` timings, each of enough calls to last `minimumSeconds`.
/// The best, not the mean: on a shared machine interference only ever adds time.
func bestSecondsPerCall(repeats: Int = 7, minimumSeconds: Double = 0.05, _ body: () -> Void) -> Double {
    body()
    var calls = 1
    while true {
        let t = PeakProbe.time { for _ in 0..<calls { body() } }
        if t >= minimumSeconds || calls >= 1 << 24 { break }
        calls *= 2
    }
    var best = Double.infinity
    for _ in 0..<repeats { best = min(best, PeakProbe.time { for _ in 0..<calls { body() } } / Double(calls)) }
    return best
}

/// The FMA peak (GFLOP/s) for 1 thread and for all threads of `pool`, measured now; `remeasure` measures again
/// briefly and keeps the higher figures, for benchmarks that take turns over rounds (a busy spell of the shared
/// machine can only lower a measurement).
struct Peak {
    private(set) var oneThread: Double
    private(set) var allThreads: Double
    let pool: ThreadPool

    init(pool: ThreadPool) {
        self.pool = pool
        oneThread = PeakProbe.fmaGFLOPS(pool: pool, threads: 1)
        allThreads = pool.threadCount == 1 ? oneThread : PeakProbe.fmaGFLOPS(pool: pool, threads: pool.threadCount)
    }

    mutating func remeasure() {
        oneThread = max(oneThread, PeakProbe.fmaGFLOPS(pool: pool, threads: 1, seconds: 0.1, repeats: 3))
        if pool.threadCount > 1 {
            allThreads = max(
                allThreads, PeakProbe.fmaGFLOPS(pool: pool, threads: pool.threadCount, seconds: 0.1, repeats: 3))
        }
    }

    func forThreads(_ t: Int) -> Double { t == 1 ? oneThread : allThreads * Double(t) / Double(pool.threadCount) }
}
