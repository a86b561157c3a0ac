import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralSpectra

/// `breakpoints --depth 6 --width 1024 --threads T`: seconds to enumerate every kink of a 1-D net, and the
/// kink-spectrum evaluation rate in (kink × frequency) pairs per second.
///
/// The net has He (Kaiming normal) weights and PyTorch-default biases U(±1/√fan_in) — what `kaiming_normal_` on
/// the weights of `nn.Linear` leaves. He with zero biases would make a 1-D net positively homogeneous, with one
/// kink at 0, which measures nothing.
struct BreakpointsBench: ParsableCommand {
    static let description = CommandDescription(
        name: "breakpoints", abstract: "Exact 1-D kinks and the kink-spectrum rate.")
    @Option(help: "linear layers", check: .within(2...64)) var depth = 6
    @Option(help: "hidden width", check: .within(1...65_536)) var width = 1024
    @Option(help: "threads", check: .within(1...256)) var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "frequencies of the kink spectrum", check: .within(1...10_000_000)) var frequencies = 4096

    func run(_ invocation: Invocation) throws {
        let net = heWeights(sizes: [1] + Array(repeating: width, count: depth - 1) + [1], seed: 1, biasSD: nil)
        let network = try ExactNetwork(net)
        let pool = ThreadPool(threadCount: threads)
        var best = Double.infinity
        var function: PiecewiseLinear1D?
        for _ in 0..<3 {
            best = min(best, try PeakProbe.timeThrowing { function = try enumerateKinks(network, pool: pool) })
        }
        guard let f = function else { return }
        emit([
            "benchmark": "breakpoints", "depth": depth, "width": width, "threads": threads, "seconds": best,
            "kinks": f.kinks.count, "init": "he weights, pytorch-default biases",
        ])
        let ks = (1...frequencies).map { Double($0) * 0.5 }
        for t in Set([1, threads]).sorted() {
            let spectrumPool = ThreadPool(threadCount: t)
            let seconds = bestSecondsPerCall(repeats: 3, minimumSeconds: 0.2) {
                _ = kinkSums(positions: f.kinks, weights: f.slopeJumps, frequencies: ks, pool: spectrumPool)
            }
            emit([
                "benchmark": "kink_spectrum", "kinks": f.kinks.count, "frequencies": frequencies, "threads": t,
                "seconds": seconds, "pairs_per_second": Double(f.kinks.count) * Double(frequencies) / seconds,
            ])
        }
    }
}

/// `regions2d --depth 3 --width 256 --bias-sd 0.1 [--regioncam PYTHON]`: the linear regions of a 2 → width^depth → 1
/// net on [−1, 1]² with He weights: the engine alone (in process) and the user's command end to end
/// (`spectral regions2d` on the same weights file, everything it writes included). With `--regioncam`, the same
/// file goes through regioncam (`Benchmarks/regioncam_compare.py`, run by that Python) in the same run: its
/// enumeration alone and its whole process.
struct Regions2DBench: ParsableCommand {
    static let description = CommandDescription(
        name: "regions2d", abstract: "2-D linear regions: engine and end to end, optionally beside regioncam.")
    @Option(help: "hidden layers", check: .within(1...16)) var depth = 3
    @Option(help: "hidden width", check: .within(1...4096)) var width = 256
    @Option(help: "threads", check: .within(1...256)) var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "seed of the weights") var seed: UInt64 = 1
    @Option(help: "biases ~ N(0, SD²) (default: PyTorch's U(±1/√fan_in))", check: .atLeast(0)) var biasSD: Double?
    @Option(help: "timed repeats (the best is kept)", check: .within(1...50)) var repeats = 2
    @Option(help: "a Python with regioncam, numpy and safetensors, to time regioncam beside") var regioncam: InputFile?
    @Option(help: "also save the net's weights here (to run other tools on them)") var saveWeights: OutputPath?

    func run(_ invocation: Invocation) throws {
        let bench = try BenchNet(
            sizes: [2] + Array(repeating: width, count: depth) + [1], seed: seed, biasSD: biasSD,
            saveWeights: saveWeights)
        defer { bench.remove() }
        let (weights, network) = (bench.weights, try ExactNetwork.load(bench.weights, inputs: 2))
        let pool = ThreadPool(threadCount: threads)
        var regions: LinearRegions2D?
        var engine = Double.infinity
        for _ in 0..<repeats {
            engine = min(
                engine,
                try PeakProbe.timeThrowing {
                    regions = try enumerateRegions(
                        network, domain: boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1), pool: pool)
                })
        }
        guard let r = regions else { return }
        let endToEnd = try bench.endToEnd("regions2d", threads: threads)
        let initialization = bench.initialization
        emit([
            "benchmark": "regions2d", "tool": "spectral (Float64)", "depth": depth, "width": width, "threads": threads,
            "engine_seconds": engine, "end_to_end_seconds": endToEnd.seconds, "end_to_end_peak_mib": endToEnd.peakMiB,
            "regions": r.regionCount, "vertices": r.mesh.vertexCount, "edges": r.mesh.edgeCount,
            "ambiguous_cells": r.ambiguousCells, "init": initialization,
        ])
        guard let python = regioncam?.path else { return }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("regioncam_compare.py").path
        var best = (engine: Double.infinity, process: Double.infinity, regions: 0)
        for _ in 0..<repeats {
            let outcome = try Subprocess.run(python, [script, weights.path], timeout: 3600)
            guard outcome.exitCode == 0,
                let json = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any],
                let seconds = json["seconds"] as? Double
            else {
                throw SpectralError.runtime(
                    "regioncam did not run (exit \(outcome.shellStatus)): \(outcome.stderr.prefix(300))")
            }
            best = (min(best.engine, seconds), min(best.process, outcome.seconds), json["regions"] as? Int ?? 0)
        }
        emit([
            "benchmark": "regions2d", "tool": "regioncam (Float32)", "depth": depth, "width": width,
            "engine_seconds": best.engine, "end_to_end_seconds": best.process, "regions": best.regions,
            "engine_speedup_of_spectral": best.engine / engine,
            "end_to_end_speedup_of_spectral": best.process / endToEnd.seconds,
        ])
    }
}

/// He (Kaiming normal) weights with biases U(±1/√fan_in) (PyTorch's default, what `kaiming_normal_` on the weights of
/// `nn.Linear` leaves) or N(0, biasSD²). He with zero biases makes a net positively homogeneous: in 1-D one kink at
/// 0, in 2-D only cones from the origin.
func heWeights(sizes: [Int], seed: UInt64, biasSD: Double?) -> MLP {
    let net = MLP.initialized(sizes: sizes, initialization: .he, seed: seed)
    var rng = SplitMix64(seed: seed &+ 1)
    for l in 0..<net.layerCount {
        let bound = 1 / Double(net.fanIn(l)).squareRoot()
        for i in 0..<net.fanOut(l) {
            net.bias(l)[i] = Float(biasSD.map { $0 * rng.standardNormal() } ?? rng.uniform(-bound, bound))
        }
    }
    return net
}

/// `regions3d --depth 2 --width 64 --bias-sd 0.1`: the linear regions of a 3 → width^depth → 1 net on [−1, 1]³
/// with He weights: cells per second of the engine alone (in process) and of `spectral regions3d` end to end on the
/// same weights file.
struct Regions3DBench: ParsableCommand {
    static let description = CommandDescription(
        name: "regions3d", abstract: "3-D linear regions: cells per second, engine and end to end.")
    @Option(help: "hidden layers", check: .within(1...16)) var depth = 2
    @Option(help: "hidden width", check: .within(1...1024)) var width = 64
    @Option(help: "threads", check: .within(1...256)) var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "seed of the weights") var seed: UInt64 = 1
    @Option(help: "biases ~ N(0, SD²) (default: PyTorch's U(±1/√fan_in))", check: .atLeast(0)) var biasSD: Double?
    @Option(help: "timed repeats (the best is kept)", check: .within(1...50)) var repeats = 2
    @Option(help: "also save the net's weights here (to run other tools on them)") var saveWeights: OutputPath?

    func run(_ invocation: Invocation) throws {
        let bench = try BenchNet(
            sizes: [3] + Array(repeating: width, count: depth) + [1], seed: seed, biasSD: biasSD,
            saveWeights: saveWeights)
        defer { bench.remove() }
        let network = try ExactNetwork.load(bench.weights, inputs: 3)
        let pool = ThreadPool(threadCount: threads)
        var regions: LinearRegions3D?
        var engine = Double.infinity
        for _ in 0..<repeats {
            engine = min(
                engine, try PeakProbe.timeThrowing { regions = try enumerateRegions3D(network, box: .unit, pool: pool) }
            )
        }
        guard let r = regions else { return }
        let endToEnd = try bench.endToEnd("regions3d", threads: threads)
        let initialization = bench.initialization
        emit([
            "benchmark": "regions3d", "depth": depth, "width": width, "threads": threads, "cells": r.cellCount,
            "faces": r.complex.faceCount, "edges": r.complex.edgeCount, "vertices": r.complex.vertexCount,
            "engine_seconds": engine, "cells_per_second": Double(r.cellCount) / engine,
            "end_to_end_seconds": endToEnd.seconds, "end_to_end_peak_mib": endToEnd.peakMiB,
            "ambiguous_cells": r.ambiguousCells, "init": initialization,
        ])
    }
}

/// A He-initialised net saved in a scratch folder, for benchmarks that time the engine in process and the user's
/// command on the same file.
struct BenchNet {
    let folder: URL, weights: URL, initialization: String

    init(sizes: [Int], seed: UInt64, biasSD: Double?, saveWeights: OutputPath?) throws {
        let net = heWeights(sizes: sizes, seed: seed, biasSD: biasSD)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("exact-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        weights = folder.appendingPathComponent("net.safetensors")
        try net.save(to: weights)
        if let saveWeights { try net.save(to: URL(fileURLWithPath: saveWeights.path)) }
        initialization = "he weights, " + (biasSD.map { "biases N(0, \($0)^2)" } ?? "pytorch-default biases")
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// `spectral COMMAND --weights FILE` end to end, everything it writes included.
    func endToEnd(_ command: String, threads: Int) throws -> (seconds: Double, peakMiB: Double) {
        try bestOfRuns(
            spectralExecutable(),
            [
                command, "--weights", weights.path, "--threads", String(threads), "--quiet", "--out",
                folder.appendingPathComponent("out").path,
            ])
    }
}
