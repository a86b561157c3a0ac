import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels

/// `eigh`: the symmetric eigensolver on an n × n matrix (a Gaussian kernel on random points by default, or raw
/// little-endian Float64 values from --matrix), best of --repeats, with its three stages, its residual and
/// orthogonality, the eigenvalues-only mode beside it (its time as a ratio to the full solver's, and how far its
/// values are from the full solver's), and the Float64 GEMM at n × n × 32 (the trailing update's shape) against the
/// Float64 peak.
/// Benchmarks/eigh_compare.py runs it beside numpy.linalg.eigh on the same matrix.
struct EigenBench: ParsableCommand {
    static let description = CommandDescription(name: "eigh", abstract: "The Float64 symmetric eigensolver.")
    @Option(help: "matrix size", check: .within(1...20_000)) var n = 2000
    @Option(help: "threads", check: .within(1...256)) var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "timed runs (the best is reported)", check: .within(1...100)) var repeats = 3
    @Option(help: "a file of n·n little-endian Float64 values (row-major, symmetric)") var matrix: InputFile?

    func run(_ invocation: Invocation) throws {
        let a = try matrix.map { try readMatrix($0.path) } ?? gaussianKernel()
        let pool = ThreadPool(threadCount: threads)
        var best: SymmetricEigen?
        var bestSeconds = Double.infinity
        for _ in 0..<repeats {
            var e: SymmetricEigen?
            let seconds = try PeakProbe.timeThrowing { e = try SymmetricEigen(a, n: n, pool: pool) }
            if seconds < bestSeconds { (best, bestSeconds) = (e, seconds) }
        }
        guard let e = best else { return }
        var valuesOnly: [Double] = []
        var valuesOnlySeconds = Double.infinity
        for _ in 0..<repeats {
            let seconds = try PeakProbe.timeThrowing { valuesOnly = try SymmetricEigen.values(of: a, n: n, pool: pool) }
            valuesOnlySeconds = min(valuesOnlySeconds, seconds)
        }
        let scale = e.values.map(abs).max() ?? 1
        let valuesDifference = zip(valuesOnly, e.values).map { abs($0 - $1) }.max() ?? 0
        let (residual, orthogonality) = sampledErrors(a, e)
        emit([
            "benchmark": "eigh", "n": n, "threads": threads, "seconds": bestSeconds,
            "tridiagonalize_seconds": e.stageSeconds.tridiagonalize,
            "divide_and_conquer_seconds": e.stageSeconds.divideAndConquer,
            "apply_reflectors_seconds": e.stageSeconds.applyReflectors,
            "residual_sampled": residual, "orthogonality_sampled": orthogonality,
            "smallest": e.values.first ?? .nan, "largest": e.values.last ?? .nan,
            "values_only_seconds": valuesOnlySeconds, "values_only_speedup": bestSeconds / valuesOnlySeconds,
            "values_only_max_difference_relative": valuesDifference / max(scale, .leastNormalMagnitude),
        ])
        let peak = Peak(pool: pool)
        let gemm = GEMM64(pool: pool)
        let left = AlignedBuffer<Double>(count: n * 32)
        let c = AlignedBuffer<Double>(count: n * n)
        for i in 0..<left.count { left[i] = Double(i % 7) - 3 }
        let seconds = bestSecondsPerCall(repeats: 3) {
            gemm.multiply(
                .rowMajor(left.pointer, rows: n, cols: 32),
                MatrixView64.rowMajor(left.pointer, rows: n, cols: 32).transposed,
                into: c.pointer, ldc: n, .subtract)
        }
        let gflops = 2 * Double(n) * Double(n) * 32 / seconds / 1e9
        emit([
            "benchmark": "gemm64", "m": n, "n": n, "k": 32, "threads": threads, "gflops": gflops,
            "fraction_of_float64_peak": gflops / (peak.forThreads(threads) / 2),
        ])
    }

    func readMatrix(_ path: String) throws -> [Double] {
        let bytes = try InputFileReader.read(URL(fileURLWithPath: path), limit: n * n * 8 + 1, kind: "matrix")
        guard bytes.count == n * n * 8 else {
            throw SpectralError.badInput(
                "\(path) holds \(bytes.count) bytes; an \(n) × \(n) Float64 matrix is \(n * n * 8)")
        }
        return bytes.withUnsafeBytes { raw in
            (0..<(n * n)).map {
                Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
            }
        }
    }

    /// exp(−‖x − y‖²/2σ²) on n random points of [0, 1]²⁰ with σ = 1.25.
    func gaussianKernel() -> [Double] {
        var rng = SplitMix64(seed: 8)
        let x = (0..<(n * 20)).map { _ in rng.uniform(0, 1) }
        var k = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var d2 = 0.0
                for p in 0..<20 {
                    let t = x[i * 20 + p] - x[j * 20 + p]
                    d2 += t * t
                }
                k[i * n + j] = exp(-d2 / (2 * 1.25 * 1.25))
                k[j * n + i] = k[i * n + j]
            }
        }
        return k
    }

    /// ‖Av − λv‖/‖A‖ and max |vᵢᵀvⱼ − δᵢⱼ| over 16 eigenpairs spread over the spectrum (the full check is O(n³)).
    func sampledErrors(_ a: [Double], _ e: SymmetricEigen) -> (Double, Double) {
        let picks = Array(Set((0..<16).map { $0 * (n - 1) / 15 })).sorted()
        let norm = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var residual = 0.0
        var orthogonality = 0.0
        for j in picks {
            var r2 = 0.0
            for i in 0..<n {
                var s = 0.0
                for p in 0..<n { s += a[i * n + p] * e.vectors[p * n + j] }
                r2 += (s - e.values[j] * e.vectors[i * n + j]) * (s - e.values[j] * e.vectors[i * n + j])
            }
            residual = max(residual, r2.squareRoot() / norm)
            for l in picks {
                var s = 0.0
                for p in 0..<n { s += e.vectors[p * n + j] * e.vectors[p * n + l] }
                orthogonality = max(orthogonality, abs(s - (j == l ? 1 : 0)))
            }
        }
        return (residual, orthogonality)
    }
}
