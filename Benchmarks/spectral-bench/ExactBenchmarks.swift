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
    let net = MLP.initialized(sizes: [1] + Array(repeating: width, count: depth - 1) + [1], initialization: .he, seed: 1)
    var rng = SplitMix64(seed: 2)
    for l in 0..<net.layerCount {
        let bound = 1 / Double(net.fanIn(l)).squareRoot()
        for i in 0..<net.fanOut(l) { net.bias(l)[i] = Float(rng.uniform(-bound, bound)) }
    }
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
