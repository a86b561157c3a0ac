import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import XCTest

final class Exact1DTests: XCTestCase {
    let pool = ThreadPool(threadCount: 2)
    /// The last two are wide enough that most pieces' slopes come from rank-one updates of a neighbour's
    /// (`slopeProduct`), in runs up to the anchor stride.
    let shapes: [[Int]] = [
        [1, 8, 1], [1, 16, 16, 1], [1, 32, 32, 32, 1], [1, 24, 24, 24, 24, 24, 1], [1, 96, 96, 96, 96, 1],
    ]

    /// PyTorch-default initialisation by default: He sets every bias to 0, which makes a 1-D net positively
    /// homogeneous with its only kink at x = 0 (not a generic net).
    func net(
        _ sizes: [Int], seed: UInt64, initialization: Initialization = .pytorch
    ) throws -> (Network1D, PiecewiseLinear1D) {
        let n = try Network1D(MLP.initialized(sizes: sizes, initialization: initialization, seed: seed))
        return (n, try enumerateKinks(n, pool: pool))
    }

    /// Between consecutive kinks f is affine (checked against the direct forward pass at interior points), the
    /// description reproduces f everywhere, and dense sampling finds no kink that the enumeration missed.
    func testPiecesAreAffineAndNoKinkIsMissed() throws {
        for (index, sizes) in shapes.enumerated() {
            for initialization in [Initialization.he, .pytorch] {
                let (f, pl) = try net(sizes, seed: UInt64(10 + index), initialization: initialization)
                let scale = max(1, pl.lipschitz)
                // Interior points of every piece.
                for (u, v) in zip(pl.kinks, pl.kinks.dropFirst()) {
                    for t in [0.2, 0.5, 0.9] {
                        let x = u + t * (v - u)
                        let affine =
                            pl.values[pl.kinks.firstIndex(of: u)!]
                            + (pl.values[pl.kinks.firstIndex(of: v)!] - pl.values[pl.kinks.firstIndex(of: u)!]) * t
                        XCTAssertEqual(
                            f(x), affine, accuracy: 1e-10 * scale * max(1, abs(v - u)), "\(sizes): piece [\(u), \(v)]")
                    }
                }
                // Dense sampling: a nonzero second difference means a kink in (x_{i−1}, x_{i+1}).
                let (lo, hi, count) = (-4.0, 4.0, 40_001)
                let h = (hi - lo) / Double(count - 1)
                let xs = (0..<count).map { lo + Double($0) * h }
                let ys = xs.map { f($0) }
                var missed = 0
                for i in 1..<(count - 1) {
                    let second = ys[i + 1] - 2 * ys[i] + ys[i - 1]
                    if abs(second) > 1e-9 * scale * h {
                        if !pl.kinks.contains(where: { $0 > xs[i - 1] && $0 < xs[i + 1] }) { missed += 1 }
                    }
                    XCTAssertEqual(pl(xs[i]), ys[i], accuracy: 1e-10 * scale * max(1, abs(xs[i])))
                }
                XCTAssertEqual(missed, 0, "\(sizes) \(initialization): kinks missed by the enumeration")
                XCTAssertGreaterThan(pl.kinks.count, 0)
                if initialization == .he {
                    // Zero biases: positively homogeneous, one kink at 0 (or none if f is linear).
                    XCTAssertLessThanOrEqual(pl.kinks.count, 1)
                    XCTAssertTrue(pl.kinks.allSatisfy { $0 == 0 })
                }
            }
        }
    }

    /// Same network, one thread or two: the same kinks, jumps and values, bit for bit.
    func testThreadCountDoesNotChangeKinks() throws {
        let n = try Network1D(MLP.initialized(sizes: [1, 128, 128, 128, 1], initialization: .pytorch, seed: 5))
        let one = try enumerateKinks(n, pool: ThreadPool(threadCount: 1))
        let two = try enumerateKinks(n, pool: pool)
        XCTAssertGreaterThan(one.kinks.count, 100)
        XCTAssertEqual(one.kinks.map(\.bitPattern), two.kinks.map(\.bitPattern))
        XCTAssertEqual(one.slopeJumps.map(\.bitPattern), two.slopeJumps.map(\.bitPattern))
        XCTAssertEqual(one.values.map(\.bitPattern), two.values.map(\.bitPattern))
    }

    /// Kinks from dead units or duplicated units are not reported twice or with Δs = 0.
    func testDeadAndDuplicateUnits() throws {
        let mlp = MLP(sizes: [1, 4, 1])
        // Units: relu(x − 0.25) twice (coincident kinks), relu(−1 − 0·x) (dead), relu(0.5 − x).
        let w: [Float] = [1, 1, 0, -1]
        let b: [Float] = [-0.25, -0.25, -1, 0.5]
        for i in 0..<4 {
            mlp.weights(0)[i] = w[i]
            mlp.bias(0)[i] = b[i]
        }
        let v: [Float] = [1, 1, 5, -3]
        for i in 0..<4 { mlp.weights(1)[i] = v[i] }
        let pl = try enumerateKinks(try Network1D(mlp), pool: pool)
        XCTAssertEqual(pl.kinks, [0.25, 0.5])
        XCTAssertEqual(pl.slopeJumps[0], 2, accuracy: 1e-15)
        XCTAssertEqual(pl.slopeJumps[1], -3, accuracy: 1e-15)
    }

    /// A two-unit net by hand: f(x) = 2·relu(x − 1/4) − 3·relu(1/2 − x) + 0.1 has Δs = +2 at 1/4 and −3 at 1/2, so
    /// f̃(k) = −(2πk)⁻² (2e^{−iπk/2} − 3e^{−iπk}).
    func testKinkSpectrumOfAHandExample() throws {
        let mlp = MLP(sizes: [1, 2, 1])
        mlp.weights(0)[0] = 1
        mlp.weights(0)[1] = -1
        mlp.bias(0)[0] = -0.25
        mlp.bias(0)[1] = 0.5
        mlp.weights(1)[0] = 2
        mlp.weights(1)[1] = -3
        mlp.bias(1)[0] = 0.1
        let pl = try enumerateKinks(try Network1D(mlp), pool: pool)
        let ks = (1...400).map { Double($0) * 0.37 }
        let exact = ExactSpectrum1D(pl).kinkSpectrum(ks)
        for (k, value) in zip(ks, exact) {
            let w = 2 * Double.pi * k
            let expected = (-1 / (w * w)) * (2 * Complex.unit(turns: -k / 4) - 3 * Complex.unit(turns: -k / 2))
            XCTAssertLessThan((value - expected).magnitude, 1e-12 * expected.magnitude + 1e-300, "k = \(k)")
        }
    }

    /// The window transform against the trapezoid rule computed with the FFT, T_N(m) = h[Σ_{j<N} f_j e^{−2πimj/N} +
    /// (f(1) − f(0))/2] on [0, 1]. The trapezoid error on a piecewise-linear f is O(h²) per kink, so the measured
    /// order over N = 2¹⁰…2¹⁶ must be close to 2.
    func testWindowTransformConvergesAsNToTheMinusTwo() throws {
        let (f, pl) = try net([1, 16, 16, 1], seed: 3)
        let exact = ExactSpectrum1D(pl)
        let ms = (1...20).map(Double.init)
        let reference = exact.window(ms, a: 0, b: 1)
        var logN: [Double] = []
        var logError: [Double] = []
        for p in 10...16 {
            let n = 1 << p
            let samples = (0..<n).map { f(Double($0) / Double(n)) }
            let spectrum = RealFFTPlan(count: n).forward(samples)
            let endCorrection = (f(1) - f(0)) / 2
            var worst = 0.0
            for (i, m) in ms.enumerated() {
                let t = (1 / Double(n)) * (spectrum[Int(m)] + Complex(endCorrection))
                worst = max(worst, (t - reference[i]).magnitude)
            }
            logN.append(log(Double(n)))
            logError.append(log(worst))
        }
        let fit = try XCTUnwrap(DecayFit.fit(frequencies: logN.map(exp), magnitudes: logError.map(exp)))
        print("window vs trapezoid FFT: error order \(fit.slope) ± \(fit.standardError), errors \(logError.map(exp))")
        XCTAssertEqual(fit.slope, -2, accuracy: 0.25)
    }

    /// Near k = 0 the closed form cancels; the series branch must agree with it where both are accurate, and with
    /// ∫f (exact by pieces) at k = 0.
    func testSmallFrequenciesAreStable() throws {
        let (_, pl) = try net([1, 16, 16, 1], seed: 4)
        let exact = ExactSpectrum1D(pl)
        let (a, b) = (-1.0, 1.0)
        // The branch switch is at |ω|·max(|a|,|b|) = 0.25: compare just below and just above.
        let kSwitch = 0.25 / (2 * Double.pi)
        let below = exact.window([kSwitch * (1 - 1e-9)], a: a, b: b)[0]
        let above = exact.window([kSwitch * (1 + 1e-9)], a: a, b: b)[0]
        XCTAssertLessThan((below - above).magnitude, 1e-10 * above.magnitude)
        // k = 0: ∫_a^b f by the trapezoid rule on the exact pieces.
        let edges = [a] + pl.kinks.filter { $0 > a && $0 < b } + [b]
        var integral = 0.0
        for (u, v) in zip(edges, edges.dropFirst()) { integral += 0.5 * (pl(u) + pl(v)) * (v - u) }
        let zero = exact.window([0, 1e-12], a: a, b: b)
        XCTAssertEqual(zero[0].re, integral, accuracy: 1e-13 * max(1, abs(integral)))
        XCTAssertEqual(zero[0].im, 0, accuracy: 1e-15)
        XCTAssertEqual(zero[1].re, integral, accuracy: 1e-10 * max(1, abs(integral)))
        // Detrended equals window minus the line's transform, on both branches.
        for k in [1e-6, 0.01, 3.0, 17.5] {
            let w = exact.window([k], a: a, b: b)[0]
            let d = exact.detrendedWindow([k], a: a, b: b)[0]
            let line = PiecewiseLinear1D(
                kinks: [], slopeJumps: [], values: [], leftSlope: (pl(b) - pl(a)) / (b - a),
                rightSlope: (pl(b) - pl(a)) / (b - a), anchor: (a, pl(a)))
            let l = ExactSpectrum1D(line).window([k], a: a, b: b)[0]
            XCTAssertLessThan((w - l - d).magnitude, 1e-10 * max(w.magnitude, 1e-3), "k = \(k)")
        }
    }

    /// The bound holds on every net, and the kink spectrum decays as k⁻² (plain fit within 3 standard errors).
    func testTheoremBoundsAndDecay() throws {
        let ks = stride(from: 50.0, through: 5000, by: 0.5).map { $0 }
        for (index, sizes) in shapes.enumerated() {
            let (_, pl) = try net(sizes, seed: UInt64(100 + index))
            let spectrum = ExactSpectrum1D(pl).kinkSpectrum(ks)
            let check = Theorem1DCheck(pl, frequencies: ks, kinkSpectrum: spectrum)
            XCTAssertTrue(check.holds, "\(sizes): \(check.summary)")
            // Ratios are computed in Float64: allow rounding (1e−12) above 1, nothing more.
            XCTAssertLessThanOrEqual(check.spectrumRatio, 1 + 1e-12)
            XCTAssertLessThanOrEqual(check.jumpRatio, 1 + 1e-12)
            XCTAssertGreaterThan(pl.kinks.count, sizes.count, "\(sizes): a generic net has many kinks")
            let decay = try XCTUnwrap(check.decay)
            XCTAssertLessThan(abs(decay.slope + 2), 3 * decay.standardError, "\(sizes): \(decay)")
            // The envelope decays at least as fast as k^-2 up to its documented finite-band bias.
            let envelope = try XCTUnwrap(check.envelopeDecay)
            XCTAssertLessThan(envelope.slope, -1.85, "\(sizes): \(envelope)")
        }
    }

    /// The fast kink sums (SIMD4, recurrences on uniform grids) against direct evaluation. Tolerance: evaluating
    /// e^{−2πikx} in Float64 at all carries a phase error ≈ 2π·|k·x|·ε (the product k·x is rounded), in the
    /// reference as in the kernel; on top of that we allow 1e−12 relative for the recurrence and the summation.
    func testKinkSumsAgainstDirectEvaluation() {
        var rng = SplitMix64(seed: 5)
        let x = (0..<37).map { _ in rng.uniform(-10, 10) }
        let w = (0..<37).map { _ in rng.uniform(-1, 1) }
        for ks in [stride(from: 0.0, through: 700, by: 0.7).map { $0 }, [0.1, 5, 1e4, 3.3, 77]] {
            let fast = kinkSums(positions: x, weights: w, frequencies: ks)
            let parallel = kinkSums(positions: x, weights: w, frequencies: ks, pool: pool)
            let differing = zip(fast, parallel).filter {
                $0.0.re.bitPattern != $0.1.re.bitPattern || $0.0.im.bitPattern != $0.1.im.bitPattern
            }
            XCTAssertEqual(differing.count, 0, "the thread count changed the bits of \(differing.count) sums")
            for (k, value) in zip(ks, fast) {
                var re = 0.0
                var im = 0.0
                for (xj, wj) in zip(x, w) {
                    let e = Complex.unit(turns: -k * xj)
                    re += wj * e.re
                    im += wj * e.im
                }
                let total = w.map(abs).reduce(0, +)
                let phaseError = 4 * 2 * Double.pi * abs(k) * x.map(abs).max()! * Double.ulpOfOne
                XCTAssertLessThan((value - Complex(re, im)).magnitude, (1e-12 + phaseError) * total, "k = \(k)")
            }
        }
    }

    func testBadNetworksAreRefused() {
        XCTAssertThrowsError(try Network1D(MLP(sizes: [2, 4, 1])))
        XCTAssertThrowsError(try Network1D(MLP(sizes: [1, 4, 3])))
        let nan = MLP(sizes: [1, 4, 1])
        nan.bias(0)[2] = .nan
        XCTAssertThrowsError(try Network1D(nan)) { error in
            XCTAssertTrue("\(error)".contains("layer 0 bias[2]"), "\(error)")
        }
    }
}

/// The "folding" net: a first layer (relu(x), relu(x − ½)), then layers W = [[2, −4], [2, −4]], b = [0, −½] and an
/// output [2, −4] make f the tent map composed d − 1 times on [0, 1], whose kinks are 0, 1 and the dyadic points
/// j/2^(d−1) — 2^(d−1) + 1 of them (closed form, exact in floating point). At depth 40 that is 5·10¹¹: the
/// enumeration must stop with an error naming the layer, not run out of memory.
final class FoldingNetTests: XCTestCase {
    func foldingNet(depth: Int) throws -> ExactNetwork {
        var weights: [[Double]] = [[1, 1]]
        var biases: [[Double]] = [[0, -0.5]]
        for _ in 1..<(depth - 1) {
            weights.append([2, -4, 2, -4])
            biases.append([0, -0.5])
        }
        weights.append([2, -4])
        biases.append([0])
        return try ExactNetwork(
            sizes: [1] + Array(repeating: 2, count: depth - 1) + [1], weights: weights, biases: biases, inputs: 1)
    }

    func testKinksAreTheDyadicPoints() throws {
        for depth in 3...12 {
            let f = try enumerateKinks(foldingNet(depth: depth), pool: ThreadPool(threadCount: 2))
            let n = 1 << (depth - 1)
            XCTAssertEqual(f.kinks, [0] + (1...n).map { Double($0) / Double(n) }, "depth \(depth)")
        }
    }

    func testADeepFoldingNetStopsWithAnError() throws {
        var limits = EnumerationLimits.pieces
        limits.maximumCount = 5000
        XCTAssertThrowsError(
            try enumerateKinks(foldingNet(depth: 40), pool: ThreadPool(threadCount: 2), limits: limits)
        ) { error in
            guard case SpectralError.runtime(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("layer 13") && message.contains("--max-pieces 5000"), message)
        }
        limits = EnumerationLimits(maximumCount: Int.max, option: "--max-pieces", availableBytes: 64 << 20)
        XCTAssertThrowsError(
            try enumerateKinks(foldingNet(depth: 40), pool: ThreadPool(threadCount: 2), limits: limits)
        ) { error in
            XCTAssertTrue("\(error)".contains("memory") || "\(error)".contains("the machine has"), "\(error)")
        }
    }
}
