import SpectralCore
import SpectralKernels
import SpectralNetworks
import XCTest

/// The vectorised Adam against the same formula written one Float at a time, bit for bit: both do the same IEEE
/// operations in the same order (Swift contracts nothing into FMAs, and both square roots are correctly rounded).
final class AdamKernelTests: XCTestCase {
    /// PyTorch's Adam step for one parameter, as `Optimizer` documents it.
    private func scalarAdam(
        p: inout Float, g gradient: Float, m: inout Float, v: inout Float, step t: Int,
        lr: Double, weightDecay: Double, clip: Float?
    ) {
        let (beta1, beta2, eps) = (0.9, 0.999, 1e-8)
        let g = weightDecay == 0 ? gradient : gradient + Float(weightDecay) * p
        m = m + Float(1 - beta1) * (g - m)
        v = v * Float(beta2) + Float(1 - beta2) * g * g
        let denominator = v.squareRoot() / Float((1 - pow(beta2, Double(t))).squareRoot()) + Float(eps)
        p = p + Float(-(lr / (1 - pow(beta1, Double(t))))) * m / denominator
        if let clip { p = min(max(p, -clip), clip) }
    }

    /// Every loop variant (clip on/off × weight decay on/off), over three steps and a length with a ragged tail.
    func testEveryVariantMatchesScalarFormulaBitForBit() {
        let count = 8 * 5 + 3
        for clip in [nil, Float(0.3)] as [Float?] {
            for weightDecay in [0.0, 0.01] {
                var rng = SplitMix64(seed: 7)
                var p = (0..<count).map { _ in Float(rng.uniform(-0.5, 0.5)) }
                var refP = p
                var refM = [Float](repeating: 0, count: count)
                var refV = refM
                let optimizer = Optimizer(
                    kind: .adam(), learningRate: 0.05, weightDecay: weightDecay,
                    clip: clip.map(Double.init), parameterCount: count)
                for step in 1...3 {
                    var g = (0..<count).map { _ in Float(rng.uniform(-1, 1)) }
                    for i in 0..<count {
                        scalarAdam(
                            p: &refP[i], g: g[i], m: &refM[i], v: &refV[i], step: step, lr: 0.05,
                            weightDecay: weightDecay, clip: clip)
                    }
                    XCTAssertTrue(
                        optimizer.step(parameters: &p, gradient: &g, count: count, pool: ThreadPool(threadCount: 1)))
                    XCTAssertEqual(
                        p.map(\.bitPattern), refP.map(\.bitPattern),
                        "clip \(String(describing: clip)), decay \(weightDecay), step \(step)")
                }
            }
        }
    }

    /// Training updates each layer as the backward pass finishes it; that must be the same bits as one update of
    /// the whole buffer, for ranges that start and end anywhere (here: off the 8-lane grid and across chunks).
    func testStepSplitIntoRangesChangesNoBit() {
        let count = 20_000
        var rng = SplitMix64(seed: 11)
        let start = (0..<count).map { _ in Float(rng.uniform(-1, 1)) }
        let gradients = (0..<2).map { _ in (0..<count).map { _ in Float(rng.uniform(-1, 1)) } }
        let pool = ThreadPool(threadCount: 2)
        let whole = Optimizer(kind: .adam(), learningRate: 0.01, parameterCount: count)
        let split = Optimizer(kind: .adam(), learningRate: 0.01, parameterCount: count)
        var a = start
        var b = start
        let cuts = [0, 3, 8_197, 8_200, 16_390, count]
        for g in gradients {
            var ga = g
            var gb = g
            XCTAssertTrue(whole.step(parameters: &a, gradient: &ga, count: count, pool: pool))
            split.beginStep()
            for c in 0..<(cuts.count - 1) {
                XCTAssertTrue(split.update(parameters: &b, gradient: &gb, range: cuts[c]..<cuts[c + 1], pool: pool))
            }
        }
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern))
    }
}
