import Foundation
import SpectralCore
import SpectralKernels
import XCTest

/// The symmetric eigensolver's contract (SymmetricEigen's doc comment): residual ‖AV − VΛ‖_F/‖A‖_F and
/// orthogonality ‖VᵀV − I‖_F below 1e-13·n, on matrices chosen to stress each stage (random; clustered and
/// repeated eigenvalues, which make the divide and conquer deflate; graded; a Gaussian kernel close to the
/// identity like experiment 4's), and eigenvalues equal to Jacobi's (no shared code) within 1e-13·‖A‖. The
/// eigenvalues-only mode (implicit QL on T, no divide and conquer) is held to the same 1e-13·‖A‖ against the full
/// solver's values, and against a closed form.
final class SymmetricEigenTests: XCTestCase {
    static func random(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let x = rng.uniform(-1, 1)
                a[i * n + j] = x
                a[j * n + i] = x
            }
        }
        return a
    }

    /// Q diag(values) Qᵀ with a random orthogonal Q (a product of reflectors).
    static func withSpectrum(_ values: [Double], seed: UInt64) -> [Double] {
        let n = values.count
        var rng = SplitMix64(seed: seed)
        var q = [Double](repeating: 0, count: n * n)
        for i in 0..<n { q[i * n + i] = 1 }
        for _ in 0..<3 {
            let v = (0..<n).map { _ in rng.uniform(-1, 1) }
            let vv = v.reduce(0) { $0 + $1 * $1 }
            for r in 0..<n {
                let dot = (0..<n).reduce(0.0) { $0 + q[r * n + $1] * v[$1] }
                for c in 0..<n { q[r * n + c] -= 2 * dot * v[c] / vv }
            }
        }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { a[i * n + j] = (0..<n).reduce(0.0) { $0 + q[i * n + $1] * values[$1] * q[j * n + $1] } }
        }
        for i in 0..<n { for j in 0..<i { a[i * n + j] = a[j * n + i] } }
        return a
    }

    static func gaussianKernel(_ n: Int, sigma: Double, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        let dimension = 20
        let x = (0..<(n * dimension)).map { _ in rng.uniform(0, 1) }
        var k = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                var d2 = 0.0
                for p in 0..<dimension {
                    let t = x[i * dimension + p] - x[j * dimension + p]
                    d2 += t * t
                }
                k[i * n + j] = exp(-d2 / (2 * sigma * sigma))
            }
        }
        return k
    }

    /// (residual, orthogonality) in Float64, each product summed naively.
    func errors(_ a: [Double], _ e: SymmetricEigen) -> (Double, Double) {
        let n = e.n
        var residual = 0.0
        var orthogonality = 0.0
        let norm = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for j in 0..<n {
            for i in 0..<n {
                var s = 0.0
                for p in 0..<n { s += a[i * n + p] * e.vectors[p * n + j] }
                let r = s - e.values[j] * e.vectors[i * n + j]
                residual += r * r
            }
            for l in 0..<n {
                var s = 0.0
                for p in 0..<n { s += e.vectors[p * n + j] * e.vectors[p * n + l] }
                let r = s - (j == l ? 1 : 0)
                orthogonality += r * r
            }
        }
        return (residual.squareRoot() / max(norm, .leastNormalMagnitude), orthogonality.squareRoot())
    }

    func check(_ a: [Double], n: Int, _ label: String, jacobi: Bool = true) throws {
        let pool = ThreadPool(threadCount: 2)
        let e = try SymmetricEigen(a, n: n, pool: pool)
        let (residual, orthogonality) = errors(a, e)
        print(
            String(
                format: "%@: residual %.2e, orthogonality %.2e (bound %.1e)", label, residual, orthogonality,
                1e-13 * Double(n)))
        XCTAssertLessThan(residual, 1e-13 * Double(n), "\(label): ‖AV − VΛ‖/‖A‖")
        XCTAssertLessThan(orthogonality, 1e-13 * Double(n), "\(label): ‖VᵀV − I‖")
        XCTAssertEqual(e.values, e.values.sorted(), "\(label): ascending")
        let scale = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let valuesOnly = try SymmetricEigen.values(of: a, n: n, pool: pool)
        XCTAssertEqual(valuesOnly.count, n)
        for (x, y) in zip(valuesOnly, e.values) {
            XCTAssertEqual(x, y, accuracy: 1e-13 * max(scale, .leastNormalMagnitude), "\(label): values only")
        }
        let one = try SymmetricEigen(a, n: n, pool: ThreadPool(threadCount: 1))
        XCTAssertEqual(one.values, e.values, "\(label): same bits on 1 thread")
        XCTAssertEqual(one.vectors, e.vectors, "\(label): same bits on 1 thread")
        if jacobi {
            let reference = jacobiEigen(a, n: n)
            for (x, y) in zip(e.values, reference.values) {
                XCTAssertEqual(x, y, accuracy: 1e-13 * scale, "\(label): eigenvalue against Jacobi")
            }
        }
    }

    func testSmallAndEdgeCases() throws {
        try check([3], n: 1, "1 × 1")
        try check([2, 1, 1, 2], n: 2, "2 × 2")
        try check([Double](repeating: 0, count: 9), n: 3, "zero")
        var identity = [Double](repeating: 0, count: 49 * 49)
        for i in 0..<49 { identity[i * 49 + i] = 1 }
        try check(identity, n: 49, "identity (all deflated)")
        for n in [5, 24, 25, 31, 60, 97] { try check(Self.random(n, seed: UInt64(n)), n: n, "random \(n)") }
    }

    func testClusteredRepeatedAndGraded() throws {
        let n = 90
        let clustered: [Double] = (0..<n).map { (i: Int) -> Double in i < 40 ? 1 : i < 70 ? 1 + 1e-14 * Double(i) : 2 }
        try check(Self.withSpectrum(clustered, seed: 1), n: n, "clustered and repeated")
        let graded: [Double] = (0..<n).map { (i: Int) -> Double in pow(10, -8 * Double(i) / Double(n)) }
        try check(Self.withSpectrum(graded, seed: 2), n: n, "graded")
        try check(Self.gaussianKernel(120, sigma: 1.25, seed: 3), n: 120, "Gaussian kernel near the identity")
    }

    /// Wilkinson's W⁺₂₀₁ (diagonal |i − 100|, off-diagonal 1): its largest eigenvalues come in pairs equal to
    /// many digits, the case where vectors from the computed z instead of Löwner's ẑ lose orthogonality.
    func testWilkinsonPairs() throws {
        let n = 201
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            a[i * n + i] = Double(abs(i - 100))
            if i + 1 < n {
                a[i * n + i + 1] = 1
                a[(i + 1) * n + i] = 1
            }
        }
        try check(a, n: n, "Wilkinson W+ 201", jacobi: false)
    }

    /// Past the panel width and the leaf size many times (several merges and trailing updates), no Jacobi.
    func testLargerMatrices() throws {
        try check(Self.random(300, seed: 300), n: 300, "random 300", jacobi: false)
        try check(Self.gaussianKernel(257, sigma: 1.25, seed: 4), n: 257, "kernel 257", jacobi: false)
    }

    /// The second-difference matrix (2 on the diagonal, −1 beside it): λ_k = 2 − 2cos(kπ/(n + 1)), k = 1…n, by the
    /// eigenvalues-only mode past many panels, against the closed form within the suite's 1e-13·‖A‖_F (the closed
    /// form's own Float64 error is a few ulps of 4).
    func testValuesOnlyOfTheSecondDifferenceMatrix() throws {
        let n = 400
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            a[i * n + i] = 2
            if i + 1 < n { (a[i * n + i + 1], a[(i + 1) * n + i]) = (-1, -1) }
        }
        let values = try SymmetricEigen.values(of: a, n: n, pool: ThreadPool(threadCount: 2))
        let norm = Double(4 * n + 2 * (n - 1)).squareRoot()
        for (k, value) in values.enumerated() {
            let exact = 2 - 2 * cos(Double(k + 1) * Double.pi / Double(n + 1))
            XCTAssertEqual(value, exact, accuracy: 1e-13 * norm, "λ_\(k + 1)")
        }
    }

    func testRefusesNonFiniteEntries() {
        XCTAssertThrowsError(try SymmetricEigen([1, .nan, .nan, 1], n: 2, pool: ThreadPool(threadCount: 1)))
    }
}
