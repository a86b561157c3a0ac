import Foundation
import SpectralSpectra

/// Divided differences of exp at up to eight purely imaginary nodes z_j = 2πi·τ_j (τ in turns), the building block
/// of every exact 2-D and 3-D transform: over a triangle T with corners v_j,
///     ∫_T e^{−2πik·x} dx = 2|T|·exp[z₁, z₂, z₃],   ∫_T λ_j e^{−2πik·x} dx = 2|T|·exp[z₁, z₂, z₃, z_j],
/// with z_j = −2πik·v_j and λ_j the barycentric coordinates; along a segment, ∫₀¹ e^{(1−t)z_p + t z_q} dt =
/// exp[z_p, z_q], and with weights (1 − t) and t, exp[z_p, z_p, z_q] and exp[z_p, z_q, z_q]; over a tetrahedron
/// with volume V, ∫ λ_j e^{−2πik·x} dx = 6V·exp[z₁, …, z₄, z_j].
///
/// Evaluation is stable at any spread of the nodes, never with an added epsilon:
///  - nodes within 1/(2π) turn of each other (|z_i − z_j| < 1): the Taylor series about their mean m,
///    e^{m}·Σ_k h_k(z − m)/(k + n)!, with h_k the complete homogeneous symmetric polynomial (20 terms reach
///    rounding: |h_k| ≤ C(k + n, n) there, so term k is below 1/(n!·k!));
///  - otherwise the recurrence exp[X] = (exp[X∖z_j] − exp[X∖z_i])/(z_i − z_j) on the pair farthest apart, so the
///    division is by at least 1 and the sub-differences (bounded by 1/(n−1)!) lose no more than rounding.
struct ExpNodes {
    /// Room for 8 nodes: a tetrahedron's 4 corners and a repeated one are the most any transform here needs.
    var turns: SIMD8<Double> = .zero
    var expRe = SIMD8<Double>(repeating: 1), expIm = SIMD8<Double>.zero
    var count = 0

    /// Adds the node z = 2πi·τ with e^{z} already known.
    @inline(__always) mutating func append(turns t: Double, exp e: Complex) {
        turns[count] = t
        expRe[count] = e.re
        expIm[count] = e.im
        count += 1
    }

    @inline(__always) func exp(_ i: Int) -> Complex { Complex(expRe[i], expIm[i]) }

    /// exp[z_j : j in mask].
    func dividedDifference(mask: Int = -1) -> Complex {
        let mask = mask == -1 ? (1 << count) - 1 : mask
        var lo = -1
        var hi = -1
        var members = 0
        for j in 0..<count where mask >> j & 1 == 1 {
            members += 1
            if lo < 0 || turns[j] < turns[lo] { lo = j }
            if hi < 0 || turns[j] > turns[hi] { hi = j }
        }
        if members == 1 { return exp(lo) }
        let spread = 2 * Double.pi * (turns[hi] - turns[lo])
        if spread < 1 { return series(mask: mask, members: members) }
        // (exp[X∖z_hi] − exp[X∖z_lo]) / (z_lo − z_hi), and z_lo − z_hi = −i·spread.
        let d = dividedDifference(mask: mask & ~(1 << hi)) - dividedDifference(mask: mask & ~(1 << lo))
        return Complex(-d.im / spread, d.re / spread)
    }

    private func series(mask: Int, members: Int) -> Complex {
        var mean = 0.0
        for j in 0..<count where mask >> j & 1 == 1 { mean += turns[j] }
        mean /= Double(members)
        // Shifted nodes y_j = i·η_j; h_k(y) = i^k·h_k(η). Fixed-size lanes: no allocation on this hot path.
        var eta = SIMD8<Double>.zero
        var filled = 0
        for j in 0..<count where mask >> j & 1 == 1 {
            eta[filled] = 2 * Double.pi * (turns[j] - mean)
            filled += 1
        }
        let n = members - 1
        var p = SIMD8<Double>(repeating: 1)  // p[j] = h_k(η_0 … η_j) for the current k
        var factorial = 1.0
        for i in 1...max(1, n) where n >= 1 { factorial *= Double(i) }
        var re = 1 / factorial
        var im = 0.0  // k = 0 term: 1/n!
        for k in 1...20 {
            p[0] *= eta[0]
            for j in 1..<members { p[j] = p[j - 1] + eta[j] * p[j] }
            factorial *= Double(k + n)
            let term = p[members - 1] / factorial
            switch k % 4 {
            case 0: re += term
            case 1: im += term
            case 2: re -= term
            default: im -= term
            }
        }
        return Complex.unit(turns: mean) * Complex(re, im)
    }
}
