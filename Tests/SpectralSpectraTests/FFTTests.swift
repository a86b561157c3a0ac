import SpectralCore
import SpectralSpectra
import XCTest

/// The FFT against the O(N²) DFT computed independently: exact integer phase reduction (k·j mod N), a twiddle
/// table from libm's cos/sin (≤ 1 ulp), and Neumaier-compensated sums, so the reference's own error is ~1e−16
/// relative and the 1e−13 bound measures the FFT alone.
final class FFTTests: XCTestCase {
    func referenceDFT(_ x: [Complex], bins: [Int]? = nil) -> [Complex] {
        let n = x.count
        let table = (0..<n).map { Complex.unit(turns: -Double($0) / Double(n)) }
        return (bins ?? Array(0..<n)).map { k in
            var re = CompensatedSum()
            var im = CompensatedSum()
            for j in 0..<n {
                let w = table[(k * j) % n]
                re.add(x[j].re * w.re)
                re.add(-x[j].im * w.im)
                im.add(x[j].re * w.im)
                im.add(x[j].im * w.re)
            }
            return Complex(re.value, im.value)
        }
    }

    func relativeError(_ a: [Complex], _ b: [Complex]) -> Double {
        var num = 0.0
        var den = 0.0
        for (x, y) in zip(a, b) {
            num += (x - y).magnitude * (x - y).magnitude
            den += y.magnitude * y.magnitude
        }
        return den == 0 ? num.squareRoot() : (num / den).squareRoot()
    }

    func randomSignal(_ n: Int, seed: UInt64) -> [Complex] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in Complex(rng.uniform(-1, 1), rng.uniform(-1, 1)) }
    }

    /// Every length 1…2048: forward against the reference, and the round trip.
    func testEveryLengthUpTo2048() {
        var worst = (0.0, 0)
        for n in 1...2048 {
            let x = randomSignal(n, seed: UInt64(n))
            let plan = FFTPlan(count: n)
            let y = plan.forward(x)
            let error = relativeError(y, referenceDFT(x))
            if error > worst.0 { worst = (error, n) }
            XCTAssertLessThan(error, 1e-13, "n = \(n)")
            XCTAssertLessThan(relativeError(plan.inverse(y), x), 1e-13, "round trip n = \(n)")
            if error >= 1e-13 { return }
        }
        print("FFT worst relative L2 error over 1...2048: \(worst.0) at n = \(worst.1)")
    }

    /// Large lengths, checked on 48 bins against the O(N) reference per bin.
    func testLargeLengths() {
        for n in [1 << 16, 59049, 117_649, 65537, 3 * 5 * 7 * 11 * 13] {
            let x = randomSignal(n, seed: 7)
            let y = FFTPlan(count: n).forward(x)
            var rng = SplitMix64(seed: UInt64(n))
            let bins = (0..<48).map { _ in rng.nextIndex(below: n) }
            let error = relativeError(bins.map { y[$0] }, referenceDFT(x, bins: bins))
            XCTAssertLessThan(error, 1e-13, "n = \(n)")
        }
    }

    /// Real transform equals the complex transform of real data (even and odd lengths; half lengths whose first
    /// pass reads the samples in place, and half lengths by a lone pass, Rader and Bluestein, which do not).
    func testRealTransformMatchesComplex() {
        for n in Array(1...64) + [100, 255, 256, 1000, 1001, 2048, 4096, 6000, 2 * 257, 2 * 10007, 65536] {
            var rng = SplitMix64(seed: UInt64(n))
            let x = (0..<n).map { _ in rng.uniform(-1, 1) }
            let full = FFTPlan(count: n).forward(x.map { Complex($0) })
            let half = RealFFTPlan(count: n).forward(x)
            XCTAssertEqual(half.count, n / 2 + 1)
            XCTAssertLessThan(relativeError(half, Array(full.prefix(n / 2 + 1))), 1e-14, "n = \(n)")
        }
    }

    /// 2-D equals rows then columns done with the reference DFT.
    func testTwoDimensional() {
        let (rows, cols) = (12, 35)
        var rng = SplitMix64(seed: 3)
        let grid = (0..<(rows * cols)).map { _ in rng.uniform(-1, 1) }
        let fast = fft2D(grid, rows: rows, columns: cols)
        var stage = [Complex](repeating: Complex(0), count: rows * cols)
        for y in 0..<rows {
            let row = referenceDFT((0..<cols).map { Complex(grid[y * cols + $0]) })
            for x in 0..<cols { stage[y * cols + x] = row[x] }
        }
        var expected = stage
        for x in 0..<cols {
            let column = referenceDFT((0..<rows).map { stage[$0 * cols + x] })
            for y in 0..<rows { expected[y * cols + x] = column[y] }
        }
        XCTAssertLessThan(relativeError(fast, expected), 1e-14)
    }

    /// A sinusoid lands in its bin with the right amplitude and phase: A·sin(2πkj/N + φ) gives
    /// X_k = (N·A/2)·e^{i(φ − π/2)} and nothing elsewhere.
    func testSinusoidLandsInItsBin() {
        let (n, k, amplitude, phase) = (360, 17, 1.75, 0.6)
        let x = (0..<n).map { Complex(amplitude * sin(2 * Double.pi * Double(k * $0) / Double(n) + phase)) }
        let y = FFTPlan(count: n).forward(x)
        XCTAssertEqual(y[k].magnitude, Double(n) * amplitude / 2, accuracy: 1e-11)
        XCTAssertEqual(y[k].phase, phase - Double.pi / 2, accuracy: 1e-13)
        for b in 0..<n where b != k && b != n - k { XCTAssertLessThan(y[b].magnitude, 1e-11) }
        // The chosen-frequency DFT agrees, and its amplitude scaling returns A.
        XCTAssertEqual(sinusoidAmplitudes(x.map(\.re), at: [Double(k)])[0], amplitude, accuracy: 1e-13)
        let direct = dft(x.map(\.re), at: [Double(k), 3.5])
        XCTAssertLessThan((direct[0] - y[k]).magnitude, 1e-11)
        XCTAssertLessThan((direct[1] - referenceNonInteger(x.map(\.re), 3.5)).magnitude, 1e-11)
    }

    func referenceNonInteger(_ x: [Double], _ k: Double) -> Complex {
        var re = 0.0
        var im = 0.0
        for (j, v) in x.enumerated() {
            let angle = -2 * Double.pi * k * Double(j) / Double(x.count)
            re += v * cos(angle)
            im += v * sin(angle)
        }
        return Complex(re, im)
    }
}
