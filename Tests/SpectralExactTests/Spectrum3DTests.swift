import Foundation
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import XCTest

final class Spectrum3DTests: XCTestCase {
    let pool = ThreadPool(threadCount: 2)

    /// ∫_a^b x^moment e^{−2πikx} dx in closed form (a series where the closed form cancels).
    func oneD(_ k: Double, _ a: Double, _ b: Double, moment: Int) -> Complex {
        let w = 2 * Double.pi * k
        func at(_ x: Double) -> Complex {
            // Antiderivatives: e^{−iwx}/(−iw) and e^{−iwx}(1 + iwx)/w².
            let e = Complex(cos(w * x), -sin(w * x))
            if moment == 0 { return (1 / w) * (e * Complex(0, 1)) }
            return (1 / (w * w)) * (e * Complex(1, w * x))
        }
        if abs(w) * max(abs(a), abs(b)) < 1e-2 {
            var sum = Complex(0)
            var term = Complex(1)  // (−iw)ⁿ/n!
            for n in 0..<14 {
                let p = Double(n + 1 + moment)
                sum = sum + ((pow(b, p) - pow(a, p)) / p) * term
                term = (1 / Double(n + 1)) * (term * Complex(0, -w))
            }
            return sum
        }
        return at(b) - at(a)
    }

    /// Closed forms on a box: f = 1 and f = x (a single unit, always on) give products of 1-D integrals; checked at
    /// k = 0, on the axes and planes (nodes coincide), at tiny |k| and at large |k|, to 1e−12 relative, through both
    /// `window` regimes and the tetrahedra alone.
    func testWindowOfAffineFunctionsMatchesClosedForms() throws {
        let box = Box3D(lower: SIMD3(-1, -0.5, 0), upper: SIMD3(1, 1, 0.75))
        for slope in [0.0, 1.0] {
            // f = relu(slope·x + 2) − 2 + (1 − slope)·3 = x (slope 1) or 1 (slope 0).
            let net = try ExactNetwork(
                sizes: [3, 1, 1], weights: [[slope, 0, 0], [1]], biases: [[2], [slope == 0 ? -1 : -2]], inputs: 3)
            let spectrum = ExactSpectrum3D(try enumerateRegions3D(net, box: box, pool: pool), pool: pool)
            let ks: [SIMD3<Double>] = [
                SIMD3(0, 0, 0), SIMD3(1, 0, 0), SIMD3(0, 2.5, 0), SIMD3(0.5, 0, -1.5), SIMD3(1e-7, 3e-8, -2e-8),
                SIMD3(0.37, -1.9, 0.81), SIMD3(40.3, 17.1, -9.2),
            ]
            for (k, (w, t)) in zip(ks, zip(spectrum.window(ks), spectrum.windowByTetrahedra(ks))) {
                let expected =
                    oneD(k.x, box.lower.x, box.upper.x, moment: Int(slope))
                    * oneD(k.y, box.lower.y, box.upper.y, moment: 0)
                    * oneD(k.z, box.lower.z, box.upper.z, moment: 0)
                for value in [w, t] {
                    XCTAssertEqual(value.re, expected.re, accuracy: 1e-12 * max(1e-3, expected.magnitude), "k = \(k)")
                    XCTAssertEqual(value.im, expected.im, accuracy: 1e-12 * max(1e-3, expected.magnitude), "k = \(k)")
                }
            }
        }
    }

    /// Green's identity ties the two independent sums together: W (tetrahedra) = S − B/|ω|² (faces) to 1e−10
    /// relative, at generic k, along a first-layer unit's normal (k orthogonal to every edge of its faces), 1e−9 rad
    /// from it, orthogonal to the edge where two first-layer planes meet, on the axes (the box's normals) and at
    /// tiny |k|.
    func testFaceSpectrumEqualsWindowMinusBoundaryTerms() throws {
        for (i, sizes) in [[3, 6, 1], [3, 8, 6, 1], [3, 5, 5, 5, 1]].enumerated() {
            let net = try genericNet(sizes, seed: UInt64(80 + i))
            let box = Box3D(lower: SIMD3(-1, -0.5, -1), upper: SIMD3(1, 1, 0.5))
            let spectrum = ExactSpectrum3D(try enumerateRegions3D(net, box: box, pool: pool), pool: pool)
            let w = net.weights[0]
            let (n0, n1) = (SIMD3(w[0], w[1], w[2]), SIMD3(w[3], w[4], w[5]))
            let tilted = n0 + 1e-9 * SIMD3(n0.y, -n0.x, 0)
            var ks: [SIMD3<Double>] = [SIMD3(3.3, -1.7, 0.9), SIMD3(0, 4, 0), SIMD3(0, 0, 5), SIMD3(1e-4, 2e-4, -1e-4)]
            for r in [2.0, 17.0] { ks += [n0, tilted, n0 + 0.7 * n1].map { r * $0 / ($0 * $0).sum().squareRoot() } }
            let (wt, s, b) = (spectrum.windowByTetrahedra(ks), spectrum.faceSpectrum(ks), spectrum.boundaryTerm(ks))
            var worst = 0.0
            defer { print("\(sizes): worst |W − (S − B/|ω|²)| / scale = \(worst)") }
            for j in ks.indices {
                let omega2 = 4 * Double.pi * Double.pi * (ks[j] * ks[j]).sum()
                let boundary = (1 / omega2) * b[j]
                let scale = max(wt[j].magnitude, s[j].magnitude, boundary.magnitude)
                let difference = (wt[j] - (s[j] - boundary)).magnitude
                worst = max(worst, difference / scale)
                XCTAssertLessThan(difference, 1e-10 * scale, "\(sizes) k = \(ks[j])")
            }
        }
    }

    /// The exact window transform against the 3-D FFT of samples on an (N + 1)³ grid of the box with trapezoid
    /// weights (each axis's first sample folded with its last): f is continuous with jumps of the gradient on the
    /// faces and at the box boundary, so the trapezoid rule is second order and the error falls as N⁻².
    func testWindowMatchesSampledFFTWithSecondOrderError() throws {
        let net = try genericNet([3, 8, 8, 1], seed: 91)
        let spectrum = ExactSpectrum3D(try enumerateRegions3D(net, box: .unit, pool: pool), pool: pool)
        let bins = [SIMD3(1, 0, 0), SIMD3(2, -3, 1), SIMD3(-4, 1, 5), SIMD3(0, 7, -2)]
        let exact = spectrum.window(bins.map { SIMD3<Double>($0) / 2 })
        var errors: [Double] = []
        for n in [16, 32, 64] {
            let h = 2 / Double(n)
            var grid = [Double](repeating: 0, count: n * n * n)
            for c in 0...n {
                for b in 0...n {
                    for a in 0...n {
                        let weight = [a, b, c].reduce(1.0) { $0 * ($1 == 0 || $1 == n ? 0.5 : 1) }
                        let x = [a, b, c].map { -1 + Double($0) * h }
                        grid[((c % n) * n + b % n) * n + a % n] += weight * net.evaluate(x)
                    }
                }
            }
            let transform = fftGrid(grid, shape: [n, n, n])
            var worst = 0.0
            for (m, e) in zip(bins, exact) {
                // e^{−2πi k·x} at x = −1 + j·h, k = m/2: e^{iπ(m_x + m_y + m_z)}·e^{−2πi m·j/N}.
                let index = (((m.z % n + n) % n) * n + (m.y % n + n) % n) * n + (m.x % n + n) % n
                let sign: Double = (m.x + m.y + m.z) % 2 == 0 ? 1 : -1
                worst = max(worst, ((sign * h * h * h) * transform[index] - e).magnitude)
            }
            errors.append(worst)
        }
        let orders = zip(errors, errors.dropFirst()).map { log2($0 / $1) }
        print("3-D window vs trapezoid FFT over N = 16, 32, 64: errors \(errors), orders \(orders)")
        for order in orders { XCTAssertEqual(order, 2, accuracy: 0.35, "errors \(errors)") }
    }

    /// Theorem 1 in 3-D, measured: along the heaviest face normal the face spectrum decays as |k|⁻², on the great
    /// circle orthogonal to the heaviest edge direction (at its point farthest from every other special direction)
    /// as |k|⁻³, and in the direction farthest from all of them as |k|⁻⁴; each fitted exponent within three
    /// standard errors (plus 0.05 for the finite range) on random nets.
    func testNormalsEdgesAndGenericDirectionsDecayAsMinusTwoThreeAndFour() throws {
        for (i, sizes) in [[3, 6, 1], [3, 5, 5, 1], [3, 4, 4, 4, 1]].enumerated() {
            let net = try genericNet(sizes, seed: UInt64(70 + i))
            let spectrum = ExactSpectrum3D(try enumerateRegions3D(net, box: .unit, pool: pool), pool: pool)
            let (normals, edges) = (spectrum.faceNormals(), spectrum.edgeDirections())
            let onCircle = farthestDirection(
                from: normals + edges.dropFirst(),
                candidates: greatCircle(orthogonalTo: edges[0].direction, count: 3600))
            let generic = farthestDirection(from: normals + edges, candidates: fibonacciSphere(count: 20_000))
            let directions = [normals[0].direction, onCircle.direction, generic.direction]
            let decays = spectrum.directionalDecay(directions: directions, radii: geometricRadii(50, 5000, count: 60))
            for (expected, decay) in zip([-2.0, -3, -4], decays) {
                let fit = try XCTUnwrap(decay.fit)
                print("\(sizes): expected \(expected), fitted \(fit)")
                XCTAssertEqual(
                    fit.slope, expected, accuracy: 3 * fit.standardError + 0.05, "\(sizes) \(decay.direction)")
            }
        }
    }

    /// The crossover in 3-D: on a 3 → 16 → 16 → 1 net the generic direction's fit beyond the predicted crossover radius
    /// is −4 within three standard errors (plus 0.05).
    func testGenericExponentIsMinusFourBeyondThePredictedCrossover() throws {
        let net = try genericNet([3, 16, 16, 1], seed: 77)
        let spectrum = ExactSpectrum3D(try enumerateRegions3D(net, box: .unit, pool: pool), pool: pool)
        let special = spectrum.faceNormals() + spectrum.edgeDirections()
        let generic = farthestDirection(from: special, candidates: fibonacciSphere(count: 20_000)).direction
        let crossover = try XCTUnwrap(spectrum.crossoverRadius(direction: generic, start: 50))
        let decays = spectrum.directionalDecay(
            directions: [generic],
            radii: geometricRadii(50, 5000, count: 40) + geometricRadii(crossover, 100 * crossover, count: 40))
        let band = DecayFit.fit(frequencies: decays[0].radii, magnitudes: decays[0].magnitudes, band: 50...5000)
        let far = DecayFit.fit(
            frequencies: decays[0].radii, magnitudes: decays[0].magnitudes, band: crossover...(100 * crossover))
        let (finite, asymptotic) = (try XCTUnwrap(band), try XCTUnwrap(far))
        print(
            "\(spectrum.regions.cellCount) cells, generic \(generic): 50…5000 \(finite);",
            "crossover \(crossover): \(asymptotic)"
        )
        XCTAssertEqual(asymptotic.slope, -4, accuracy: 3 * asymptotic.standardError + 0.05)
    }
}
