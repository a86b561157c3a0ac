import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralSpectra

/// `fft --n N[,N…] --precision f64 --kind complex|real`: median microseconds per transform on one thread and
/// mflops = 5·N·log2(N)/µs (the customary FFT figure, not an operation count).
struct FFTBench: ParsableCommand {
    enum Precision: String, CaseIterable, ExpressibleByArgument { case f64 }
    enum Kind: String, CaseIterable, ExpressibleByArgument { case complex, real }
    static let description = CommandDescription(
        name: "fft", abstract: "Microseconds per FFT and the customary mflops, one thread.")
    @Option(help: "sizes", check: .count(1...64, each: 1...(1 << 26))) var n = IntegerList((8...16).map { 1 << $0 })
    @Option(help: "precision (the FFT is Float64 only)") var precision = Precision.f64
    @Option(help: "complex or real input") var kind = Kind.complex

    func run(_ invocation: Invocation) throws {
        let (precision, kind) = (self.precision.rawValue, self.kind.rawValue)
        for n in n.values {
            var rng = SplitMix64(seed: UInt64(n))
            var re = (0..<n).map { _ in rng.uniform(-1, 1) }
            var im = (0..<n).map { _ in rng.uniform(-1, 1) }
            let samples: [Double]
            if kind == "complex" {
                let plan = FFTPlan(count: n)
                samples = timings {
                    re.withUnsafeMutableBufferPointer { r in
                        im.withUnsafeMutableBufferPointer { i in plan.forward(re: r.baseAddress!, im: i.baseAddress!) }
                    }
                }
            } else {
                let plan = RealFFTPlan(count: n)
                let x = re
                samples = timings {
                    x.withUnsafeBufferPointer { xp in
                        re.withUnsafeMutableBufferPointer { r in
                            im.withUnsafeMutableBufferPointer { i in
                                plan.forward(xp.baseAddress!, re: r.baseAddress!, im: i.baseAddress!)
                            }
                        }
                    }
                }
            }
            let median = samples.sorted()[samples.count / 2]
            let microseconds = median * 1e6
            emit([
                "benchmark": "fft", "n": n, "precision": precision, "kind": kind, "threads": 1,
                "microseconds": microseconds, "mflops": 5 * Double(n) * log2(Double(n)) / microseconds,
            ])
        }
    }
}

/// `dft --n N --frequencies F`: the DFT at chosen frequencies (`dft`, integer and non-integer k, F of each) on N
/// samples, one thread: nanoseconds per term (sample × frequency), the median of repeats.
struct DFTBench: ParsableCommand {
    static let description = CommandDescription(
        name: "dft", abstract: "The DFT at chosen frequencies, nanoseconds per term.")
    @Option(help: "samples", check: .within(1...(1 << 24))) var n = 4096
    @Option(help: "frequencies of each kind", check: .within(1...100_000)) var frequencies = 32

    func run(_ invocation: Invocation) throws {
        let count = frequencies
        var rng = SplitMix64(seed: 1)
        let x = (0..<n).map { _ in rng.uniform(-1, 1) }
        for (kind, ks) in [
            ("integer", (1...count).map { Double($0 * 7) }), ("non-integer", (1...count).map { Double($0) * 7.3 }),
        ] {
            let samples = timings { _ = dft(x, at: ks) }
            let median = samples.sorted()[samples.count / 2]
            emit([
                "benchmark": "dft", "n": n, "frequencies": count, "kind": kind, "threads": 1,
                "nanoseconds_per_term": median * 1e9 / Double(n * count),
            ])
        }
    }
}

/// Per-call seconds of 15 timed batches (each long enough to measure), after a warm-up.
private func timings(_ body: () -> Void) -> [Double] {
    body()
    var calls = 1
    while PeakProbe.time({ for _ in 0..<calls { body() } }) < 0.01 && calls < 1 << 20 { calls *= 2 }
    return (0..<15).map { _ in PeakProbe.time { for _ in 0..<calls { body() } } / Double(calls) }
}
