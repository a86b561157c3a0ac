import SpectralCore
import SpectralKernels
import SpectralSpectra
import XCTest

/// The DFT at chosen frequencies and its vector phases, against libm and the FFT.
final class DFTTests: XCTestCase {
    /// `unitCircle` against libm's cos and sin of 2π·r, r = t − round(t) (exact), with 2π·r formed in two parts by
    /// an FMA so that the reference is good to an ulp: within 3.4e−16 absolute (3 ulp near 1) on 40,000 turns,
    /// small, large, near quarter turns and near the octant boundaries. Exact at the quarter turns, where it gives 0
    /// and ±1 (libm's cos(π/2) is 6e−17).
    func testUnitCircleAgainstLibm() {
        var rng = SplitMix64(seed: 5)
        var turns: [Double] = [0, 0.125, -0.125, 0.375, 0.5, -0.5, 0.625, 1e-300, -3e-17, 123456.875, 1e15 + 0.5]
        for _ in 0..<10_000 { turns.append(rng.uniform(-1, 1)) }
        for _ in 0..<10_000 { turns.append(rng.uniform(-1e6, 1e6)) }
        for _ in 0..<10_000 { turns.append(rng.uniform(-1e-3, 1e-3)) }
        for _ in 0..<10_000 { turns.append(Double(rng.nextIndex(below: 64)) / 8 + rng.uniform(-1e-9, 1e-9)) }
        while turns.count % 4 != 0 { turns.append(0.3) }
        var worst = 0.0
        for start in stride(from: 0, to: turns.count, by: 4) {
            let v = unitCircle(turns: Double4(SIMD4(turns[start..<start + 4])))
            for t in 0..<4 {
                let r = turns[start + t] - turns[start + t].rounded()
                let angle = (r * 2.449_293_598_294_706_4e-16).addingProduct(r, 2 * Double.pi)  // 2π·r, 2π in two parts
                worst = max(worst, abs(v.cos.lanes[t] - cos(angle)), abs(v.sin.lanes[t] - sin(angle)))
            }
        }
        XCTAssertLessThan(worst, 3.4e-16)
        for (t, c, s) in [(0.0, 1.0, 0.0), (0.25, 0, 1), (0.5, -1, 0), (-0.25, 0, -1), (7.75, 0, -1)]
            as [(Double, Double, Double)]
        {
            let v = unitCircle(turns: Double4(repeating: t))
            XCTAssertEqual(v.cos.lanes[0], c, "cos 2π·\(t)")
            XCTAssertEqual(v.sin.lanes[0], s, "sin 2π·\(t)")
        }
        print("unitCircle: worst absolute difference from libm \(worst)")
    }

    /// Integer frequencies (negative, beyond N, every residue class's bin) equal the FFT's bins; lengths that are
    /// not multiples of 4 exercise the last, partly filled vector.
    func testIntegerFrequenciesMatchTheFFT() {
        for n in [1, 3, 7, 1000, 1023] {
            var rng = SplitMix64(seed: UInt64(n))
            let x = (0..<n).map { _ in rng.uniform(-1, 1) }
            let bins = FFTPlan(count: n).forward(x.map { Complex($0) })
            let ks = [0, 1, n / 3, n - 1, -1, -n / 2, 5 * n + 2]
            let direct = dft(x, at: ks.map(Double.init))
            let norm = x.reduce(0) { $0 + abs($1) }
            for (k, value) in zip(ks, direct) {
                let want = bins[((k % n) + n) % n]
                XCTAssertLessThan((value - want).magnitude, 1e-14 * norm, "n = \(n), k = \(k)")
            }
        }
        XCTAssertEqual(dft([], at: [1, 2.5]), [Complex(0), Complex(0)])
    }

    /// Non-integer frequencies against a direct sum with libm's phases and compensated sums. The reference reduces k
    /// modulo N first (exact, and no phase changes at integer j); unreduced, its own phases would carry errors of
    /// 2π·k·ε, 1e−12 at k = 2000.
    func testNonIntegerFrequenciesMatchADirectSum() {
        let n = 777
        var rng = SplitMix64(seed: 9)
        let x = (0..<n).map { _ in rng.uniform(-1, 1) }
        for k in [0.5, 3.25, 100.7, -12.1, 776.5, 2000.3] {
            var re = CompensatedSum()
            var im = CompensatedSum()
            let reduced = k.truncatingRemainder(dividingBy: Double(n))
            for j in 0..<n {
                let e = Complex.unit(turns: -reduced * Double(j) / Double(n))
                re.add(x[j] * e.re)
                im.add(x[j] * e.im)
            }
            let got = dft(x, at: [k])[0]
            XCTAssertLessThan((got - Complex(re.value, im.value)).magnitude, 1e-12, "k = \(k)")
        }
    }
}
