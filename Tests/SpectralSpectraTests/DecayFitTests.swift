import SpectralCore
import SpectralSpectra
import XCTest

final class DecayFitTests: XCTestCase {
    /// Noise-free power laws are recovered to rounding error, k⁻² exactly.
    func testNoiseFreePowerLaws() throws {
        let k = (1...400).map(Double.init)
        for exponent in [-2.0, -3.0, -1.0, -2.5] {
            let fit = try XCTUnwrap(DecayFit.fit(frequencies: k, magnitudes: k.map { 7 * pow($0, exponent) }))
            XCTAssertEqual(fit.slope, exponent, accuracy: 1e-12)
            XCTAssertLessThan(fit.standardError, 1e-12)
            XCTAssertEqual(exp(fit.intercept), 7, accuracy: 1e-10)
            XCTAssertEqual(fit.points, 400)
        }
    }

    /// With multiplicative noise the exponent is recovered within a few standard errors, and the band is honoured.
    func testNoisyPowerLawAndBand() throws {
        var rng = SplitMix64(seed: 1)
        let k = (1...2000).map(Double.init)
        let m = k.map { pow($0, -2) * exp(0.3 * rng.standardNormal()) }
        let fit = try XCTUnwrap(DecayFit.fit(frequencies: k, magnitudes: m, band: 10...1000))
        XCTAssertEqual(fit.points, 991)
        XCTAssertEqual(fit.band, 10...1000)
        XCTAssertLessThan(abs(fit.slope + 2), 4 * fit.standardError)
    }

    /// The envelope of |sin(k)|/k² (zeros included) decays as k⁻². The envelope is a staircase of peaks π apart,
    /// which tilts a log-log fit over [20, 400] by about 1%, hence the 0.03 tolerance.
    func testEnvelopeFit() throws {
        let k = stride(from: 1.0, through: 500, by: 0.25).map { $0 }
        let m = k.map { abs(sin($0)) / ($0 * $0) }
        let fit = try XCTUnwrap(DecayFit.fit(frequencies: k, magnitudes: m, band: 20...400, envelope: true))
        XCTAssertEqual(fit.slope, -2, accuracy: 0.03)
        XCTAssertTrue(fit.envelope)
    }

    func testTooFewPoints() {
        XCTAssertNil(DecayFit.fit(frequencies: [1, 2], magnitudes: [1, 0.25]))
        XCTAssertNil(DecayFit.fit(frequencies: [1, 2, 3], magnitudes: [0, 0, 0]))
    }
}

final class TrapezoidTests: XCTestCase {
    /// For integer k ≠ 0 (ω = 2πk), integrating by parts twice gives ∫_0^1 x² e^{−iωx} dx = 2/ω² + i/ω. The
    /// trapezoid error must fall by 4 when N doubles.
    func testTrapezoidConvergesAsHSquared() {
        let k = 3.0
        let w = 2 * Double.pi * k
        let exact = Complex(2 / (w * w), 1 / w)
        var errors: [Double] = []
        for n in [64, 128, 256, 512] {
            let samples = (0...n).map { pow(Double($0) / Double(n), 2) }
            errors.append((trapezoidWindowTransform(samples, a: 0, b: 1, at: [k])[0] - exact).magnitude)
        }
        for (coarse, fine) in zip(errors, errors.dropFirst()) { XCTAssertEqual(coarse / fine, 4, accuracy: 0.05) }
        XCTAssertEqual(DFTScaling.perSample(Complex(8, 4), count: 4), Complex(2, 1))
        XCTAssertEqual(DFTScaling.window(Complex(8, 4), step: 0.5), Complex(4, 2))
    }
}
