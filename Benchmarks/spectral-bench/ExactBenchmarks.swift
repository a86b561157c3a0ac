import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import SpectralExact

/// `breakpoints --depth 6 --width 1024 --threads T`: seconds to enumerate every kink of a 1-D net, and the
/// kink-spectrum evaluation rate in (kink × frequency) pairs per second.
///
/// The net has He (Kaiming normal) weights and PyTorch-default biases U(±1/√fan_in) — what `kaiming_normal_` on
/// the weights of `nn.Linear` leaves. He with zero biases would make a 1-D net positively homogeneous, with one
/// kink at 0, which measures nothing.
func benchBreakpoints(_ options: BenchOptions) throws {
    let depth = try options.int("depth", 6), width = try options.int("width", 1024)
    let threads = try options.int("threads", ProcessInfo.processInfo.activeProcessorCount)
    let frequencies = try options.int("frequencies", 4096)
    let net = heWithUniformBiases(sizes: [1] + Array(repeating: width, count: depth - 1) + [1], seed: 1)
    let network = try Network1D(net)
    let pool = ThreadPool(threadCount: threads)
    var best = Double.infinity
    var function: PiecewiseLinear1D?
    for _ in 0..<3 {
        let t = PeakProbe.time { function = enumerateKinks(network, pool: pool) }
        best = min(best, t)
    }
    let f = function!
    emit(["benchmark": "breakpoints", "depth": depth, "width": width, "threads": threads, "seconds": best,
          "kinks": f.kinks.count, "init": "he weights, pytorch-default biases"])
    let ks = (1...frequencies).map { Double($0) * 0.5 }
    for t in Set([1, threads]).sorted() {
        let spectrumPool = ThreadPool(threadCount: t)
        let seconds = bestSecondsPerCall(repeats: 3, minimumSeconds: 0.2) {
            _ = kinkSums(positions: f.kinks, weights: f.slopeJumps, frequencies: ks, pool: spectrumPool)
        }
        emit(["benchmark": "kink_spectrum", "kinks": f.kinks.count, "frequencies": frequencies, "threads": t,
              "seconds": seconds, "pairs_per_second": Double(f.kinks.count) * Double(frequencies) / seconds])
    }
}

/// `regions2d --depth 4 --width 256 --threads T [--regioncam PYTHON]`: seconds to enumerate the linear regions of a
/// 2 → width^depth → 1 net on [−1, 1]², He (Kaiming normal) weights and PyTorch-default biases. With
/// `--regioncam`, the same weights go through regioncam (`Benchmarks/regioncam_compare.py`, run by that Python)
/// in the same run, and both timings are printed.
func benchRegions2D(_ options: BenchOptions) throws {
    let depth = try options.int("depth", 4), width = try options.int("width", 256)
    let threads = try options.int("threads", ProcessInfo.processInfo.activeProcessorCount)
    let net = heWithUniformBiases(sizes: [2] + Array(repeating: width, count: depth) + [1], seed: try options.int("seed", 1))
    let network = try ExactNetwork(net, inputs: 2)
    let pool = ThreadPool(threadCount: threads)
    let box = boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1)
    var regions: LinearRegions2D?
    var best = Double.infinity
    for _ in 0..<(try options.int("repeats", 2)) {
        let t = try PeakProbe.timeThrowing { regions = try enumerateRegions(network, domain: box, pool: pool) }
        best = min(best, t)
    }
    let r = regions!
    emit(["benchmark": "regions2d", "tool": "spectral (Float64)", "depth": depth, "width": width, "threads": threads,
          "seconds": best, "regions": r.regionCount, "vertices": r.mesh.vertexCount, "edges": r.mesh.edgeCount,
          "ambiguous_cells": r.ambiguousCells, "init": "he weights, pytorch-default biases"])
    guard let python = options.values["regioncam"] else { return }
    let weights = FileManager.default.temporaryDirectory.appendingPathComponent("regions2d-bench-\(getpid()).safetensors")
    defer { try? FileManager.default.removeItem(at: weights) }
    try net.save(to: weights)
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("regioncam_compare.py").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [script, weights.path]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    process.waitUntilExit()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard process.terminationStatus == 0,
          let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
          let seconds = json["seconds"] as? Double else {
        throw SpectralError.runtime("regioncam did not run (exit \(process.terminationStatus)): \(text)")
    }
    emit(["benchmark": "regions2d", "tool": "regioncam (Float32)", "depth": depth, "width": width,
          "seconds": seconds, "regions": json["regions"] ?? 0, "speedup_of_spectral": seconds / best])
}

/// He (Kaiming normal) weights with PyTorch-default biases U(±1/√fan_in): what `kaiming_normal_` on the weights
/// of `nn.Linear` leaves. (He with zero biases makes a net positively homogeneous: in 1-D one kink at 0, in 2-D
/// only cones from the origin.)
func heWithUniformBiases(sizes: [Int], seed: Int) -> MLP {
    let net = MLP.initialized(sizes: sizes, initialization: .he, seed: UInt64(seed))
    var rng = SplitMix64(seed: UInt64(seed) &+ 1)
    for l in 0..<net.layerCount {
        let bound = 1 / Double(net.fanIn(l)).squareRoot()
        for i in 0..<net.fanOut(l) { net.bias(l)[i] = Float(rng.uniform(-bound, bound)) }
    }
    return net
}
