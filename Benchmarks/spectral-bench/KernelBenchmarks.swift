import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExperiments
import SpectralKernels
import SpectralNetworks

/// `peak`: FMA GFLOP/s for one thread and for all cores.
struct PeakBench: ParsableCommand {
    static let description = CommandDescription(
        name: "peak", abstract: "The measured FMA peak, 1 thread and all cores.")
    @Option(help: "threads", check: .within(1...256)) var threads = ProcessInfo.processInfo.activeProcessorCount

    func run(_ invocation: Invocation) throws {
        let pool = ThreadPool(threadCount: threads)
        for t in Set([1, threads]).sorted() {
            // Each vector width the CPU has (the GEMM's kernels), the widest first: that is the peak figures use.
            let widths = GEMMKernel.allCases.filter(\.isSupported).reversed()
            var fields: [String: Any] = ["benchmark": "peak", "threads": t]
            for (i, kernel) in widths.enumerated() {
                let gflops = PeakProbe.fmaGFLOPS(pool: pool, threads: t, seconds: 0.5, repeats: 7, kernel: kernel)
                fields[i == 0 ? "gflops" : "\(kernel.rawValue)_gflops"] = gflops
            }
            emit(fields)
        }
    }
}

/// `bandwidth`: STREAM's triad a = b + s·c over arrays far larger than the caches, 1 thread and all; the
/// roofline's memory limit (`spectral profile` measures it again in its own run).
struct BandwidthBench: ParsableCommand {
    static let description = CommandDescription(
        name: "bandwidth", abstract: "Memory bandwidth: a STREAM-style triad, 1 thread and all cores.")
    @Option(help: "threads", check: .within(1...256)) var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "MiB per array (three arrays)", check: .within(8...4096)) var mib = 64

    func run(_ invocation: Invocation) throws {
        let pool = ThreadPool(threadCount: threads)
        for t in Set([1, threads]).sorted() {
            emit([
                "benchmark": "bandwidth", "threads": t, "bytes_per_array": mib << 20,
                "gb_per_second": MemoryBandwidth.triad(pool: pool, threads: t, bytesPerArray: mib << 20, repeats: 7),
            ])
        }
    }
}

/// `gemm`: each training product at the experiment-1 shapes (M = 200 samples, 256 × 256 layers) and a large
/// square, on 1 and on all threads, against the one-core peak.
///
/// The machine is shared: for seconds at a time the second core is busy elsewhere and any two-thread timing taken
/// then is halved. So every configuration, and the peak, is measured in each of `--rounds` rounds spread over the
/// run, and the best of all is reported (interference only ever adds time).
struct GEMMBench: ParsableCommand {
    static let description = CommandDescription(
        name: "gemm", abstract: "The three training products at the experiment-1 shapes, and a square.")
    @Option(help: "threads", check: .within(1...256)) var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "rows M (samples)", check: .within(1...1_000_000)) var samples = 200
    @Option(help: "layer width", check: .within(1...65_536)) var width = 256
    @Option(help: "size of the square product", check: .within(1...16_384)) var square = 1536
    @Option(help: "rounds the thread counts take turns over", check: .within(1...100)) var rounds = 5

    func run(_ invocation: Invocation) throws {
        let maxThreads = threads
        let threadCounts = Set([1, maxThreads]).sorted()
        struct Case {
            let name: String
            let m: Int
            let n: Int
            let k: Int
            let transposeA: Bool
            let transposeB: Bool
        }
        let cases = [
            Case(name: "forward Y=X·Wt", m: samples, n: width, k: width, transposeA: false, transposeB: true),
            Case(name: "backward dX=dY·W", m: samples, n: width, k: width, transposeA: false, transposeB: false),
            Case(name: "backward dW=dYt·X", m: width, n: width, k: samples, transposeA: true, transposeB: false),
            Case(name: "square", m: square, n: square, k: square, transposeA: false, transposeB: false),
        ]
        var rng = SplitMix64(seed: 1)
        var products: [(a: MatrixView, b: MatrixView, out: AlignedBuffer<Float>)] = []
        var storage: [AlignedBuffer<Float>] = []
        for c in cases {
            let a = AlignedBuffer<Float>(count: c.m * c.k)
            let b = AlignedBuffer<Float>(count: c.k * c.n)
            for i in 0..<a.count { a[i] = Float(rng.uniform(-1, 1)) }
            for i in 0..<b.count { b[i] = Float(rng.uniform(-1, 1)) }
            storage += [a, b]
            let av =
                c.transposeA
                ? MatrixView.rowMajor(a.pointer, rows: c.k, cols: c.m).transposed
                : MatrixView.rowMajor(a.pointer, rows: c.m, cols: c.k)
            let bv =
                c.transposeB
                ? MatrixView.rowMajor(b.pointer, rows: c.n, cols: c.k).transposed
                : MatrixView.rowMajor(b.pointer, rows: c.k, cols: c.n)
            products.append((av, bv, AlignedBuffer<Float>(count: c.m * c.n)))
        }
        let gemms = threadCounts.map { GEMM(threads: $0) }
        var peak = Peak(pool: ThreadPool(threadCount: maxThreads))
        var best = [[Double]](repeating: [Double](repeating: .infinity, count: threadCounts.count), count: cases.count)
        for round in 0..<rounds {
            if round > 0 { peak.remeasure() }
            for (ci, p) in products.enumerated() {
                for (ti, gemm) in gemms.enumerated() {
                    best[ci][ti] = min(
                        best[ci][ti],
                        bestSecondsPerCall(repeats: 8, minimumSeconds: 0.005) {
                            gemm.multiply(p.a, p.b, into: p.out.pointer, ldc: cases[ci].n)
                        })
                }
            }
        }
        emit(["benchmark": "peak", "threads": 1, "gflops": peak.oneThread, "rounds": rounds])
        emit(["benchmark": "peak", "threads": maxThreads, "gflops": peak.allThreads, "rounds": rounds])
        for (ci, c) in cases.enumerated() {
            for (ti, t) in threadCounts.enumerated() {
                let seconds = best[ci][ti]
                let gflops = 2 * Double(c.m) * Double(c.n) * Double(c.k) / seconds / 1e9
                emit([
                    "benchmark": "gemm", "product": c.name, "m": c.m, "n": c.n, "k": c.k, "threads": t,
                    "rounds": rounds,
                    "microseconds": seconds * 1e6, "gflops": gflops,
                    "speedup_over_one_thread": best[ci][0] / seconds,
                    "fraction_of_peak": gflops / peak.oneThread,
                    "fraction_of_peak_note": "relative to the measured one-core FMA peak",
                    "fraction_of_threads_peak": gflops / peak.forThreads(t),
                ])
            }
        }
        withExtendedLifetime(storage) {}
    }
}

/// `train`: full-batch Adam on the experiment-1 target, steps per second and the fraction of the measured peak.
///
/// Steps are timed in chunks of 10 whole training steps. The thread counts take turns over `--rounds` rounds, with
/// the peak re-measured in each, so that a busy spell of the shared machine does not fall on one of them alone. The
/// best chunk is the machine's speed (interference only ever adds time); the median says how much others took.
extension StepPhases: ExpressibleByArgument {}

struct TrainBench: ParsableCommand {
    static let description = CommandDescription(
        name: "train", abstract: "Full-batch Adam steps per second, as a fraction of the measured peak.")
    @Option(help: "linear layers", check: .within(1...64)) var depth = 6
    @Option(help: "hidden width", check: .within(1...65_536)) var width = 256
    @Option(help: "input size", check: .within(1...65_536)) var input = 1
    @Option(help: "rows per step", check: .within(1...1_000_000)) var samples = 200
    @Option(help: "timed steps", check: .within(10...1_000_000)) var steps = 300
    @Option(help: "rounds the thread counts take turns over", check: .within(1...100)) var rounds = 5
    @Option(help: "thread counts", check: .count(1...8, each: 1...256))
    var threads = IntegerList([1, ProcessInfo.processInfo.activeProcessorCount])
    @Option(help: "how a step is cut across threads: layered or fused (default: what the trainer picks for the shape)")
    var phases: StepPhases?

    func run(_ invocation: Invocation) throws {
        let threadList = threads.values
        let maxThreads = threadList.max()!
        var rng = SplitMix64(seed: 0)
        let target = try SumOfSines(
            frequencies: SumOfSines.paperFrequencies, amplitudes: SumOfSines.paperAmplitudes(increasing: false),
            rng: &rng)
        let (z, values) = target.samples(samples)
        var inputs = [Float](repeating: 0, count: samples * input)
        for r in 0..<samples { for j in 0..<input { inputs[r * input + j] = Float(z[r] + Double(j) / Double(input)) } }
        let data = try Dataset(inputs: inputs, targets: values.map(Float.init), rows: samples)
        let sizes = [input] + Array(repeating: width, count: depth - 1) + [1]
        // Exact FLOPs of one step: forward, ∂W and (but for the first layer) ∂X, 2·M·in·out each.
        var flops = 0.0
        for l in 0..<(sizes.count - 1) {
            let layer = 2 * Double(samples) * Double(sizes[l]) * Double(sizes[l + 1])
            flops += layer * (l == 0 ? 2 : 3)
        }
        let trainers = try threadList.map { t in
            let net = MLP.initialized(sizes: sizes, initialization: .pytorch, seed: 0)
            let trainer = try Trainer(
                net: net, data: data, configuration: TrainingConfiguration(steps: steps, learningRate: 3e-4),
                gemm: GEMM(threads: t))
            if let phases { trainer.pass.phases = phases }
            try trainer.train(steps: 20)  // warm up
            return trainer
        }
        let chunk = 10
        let chunksPerRound = max(1, steps / (chunk * rounds))
        var peak = Peak(pool: ThreadPool(threadCount: maxThreads))
        var chunkSeconds = [[Double]](repeating: [], count: threadList.count)
        for round in 0..<rounds {
            if round > 0 { peak.remeasure() }
            for (i, trainer) in trainers.enumerated() {
                for _ in 0..<chunksPerRound {
                    chunkSeconds[i].append(
                        try PeakProbe.timeThrowing { try trainer.train(steps: chunk) } / Double(chunk))
                }
            }
        }
        for (i, t) in threadList.enumerated() {
            let times = chunkSeconds[i].sorted()
            let best = times[0]
            let median = times[times.count / 2]
            let threadsPeak = peak.forThreads(t)
            let gflops = flops / best / 1e9
            emit([
                "benchmark": "train", "depth": depth, "width": width, "samples": samples, "threads": t,
                "rounds": rounds,
                "steps_per_second": 1 / best, "median_steps_per_second": 1 / median, "steps_timed": times.count * chunk,
                "mflop_per_step": flops / 1e6, "gflops": gflops, "fraction_of_peak": gflops / threadsPeak,
                "median_fraction_of_peak": flops / median / 1e9 / threadsPeak, "peak_gflops": threadsPeak,
                "input": input, "phases": trainers[i].pass.phases.rawValue,
            ])
        }
    }
}

/// `rowproduct64`: the Float64 product X·Wᵀ of the exact analyses (`PackedWeights64`), one thread and all, against
/// the Float64 FMA peak (half the measured Float32 peak: AVX2 holds 4 doubles where it holds 8 floats).
struct RowProduct64Bench: ParsableCommand {
    static let description = CommandDescription(
        name: "rowproduct64", abstract: "The Float64 product of the exact analyses.")
    @Option(help: "threads", check: .within(1...256)) var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "rows", check: .within(1...1_000_000)) var rows = 4096
    @Option(help: "inputs", check: .within(1...65_536)) var inputs = 1024
    @Option(help: "outputs", check: .within(1...65_536)) var outputs = 1024

    func run(_ invocation: Invocation) throws {
        let peak = Peak(pool: ThreadPool(threadCount: threads))
        var rng = SplitMix64(seed: 3)
        let x = AlignedBuffer<Double>(count: rows * inputs)
        let w = AlignedBuffer<Double>(count: outputs * inputs)
        let out = AlignedBuffer<Double>(count: rows * outputs)
        for i in 0..<x.count { x[i] = rng.uniform(-1, 1) }
        for i in 0..<w.count { w[i] = rng.uniform(-1, 1) }
        let packed = PackedWeights64(weight: w.pointer, outputs: outputs, inputs: inputs)
        for t in Set([1, threads]).sorted() {
            let pool = ThreadPool(threadCount: t)
            let scratch = (0..<t).map { _ in AlignedBuffer<Double>(count: PackedWeights64.scratchCount) }
            let block = 96
            let seconds = bestSecondsPerCall(repeats: 3) {
                pool.run(tasks: (rows + block - 1) / block) { task, worker in
                    let first = task * block
                    packed.multiply(
                        x.pointer + first * inputs, rows: min(block, rows - first), bias: nil,
                        into: out.pointer + first * outputs, scratch: scratch[worker].pointer)
                }
            }
            let gflops = 2 * Double(rows) * Double(inputs) * Double(outputs) / seconds / 1e9
            emit([
                "benchmark": "rowproduct64", "rows": rows, "inputs": inputs, "outputs": outputs, "threads": t,
                "seconds": seconds, "gflops": gflops, "fraction_of_float64_peak": gflops / (peak.forThreads(t) / 2),
            ])
        }
    }
}
