import Foundation
import SpectralKernels
import SpectralSpectra

/// Exact Fourier transforms of a continuous piecewise-linear f: ℝ → ℝ (docs/exact.md), f̃(k) = ∫ f e^{−2πikx} dx,
/// k in cycles per unit, Float64. With ω = 2πk:
///  - kink spectrum (all of ℝ, distributional, k ≠ 0): f̃(k) = −ω⁻² Σ_j Δs_j e^{−iωx_j};
///  - window [a, b]: W(k) = [f(a)e^{−iωa} − f(b)e^{−iωb}]/(iω) + ω⁻²[s_b e^{−iωb} − s_a e^{−iωa} − Σ_{a<x_j<b} Δs_j e^{−iωx_j}],
///    s_a, s_b the slopes just inside the window (integrate by parts twice: the first term is the window's O(k⁻¹)
///    leakage);
///  - detrended window: the same for f minus the line through (a, f(a)) and (b, f(b)): the first term vanishes and
///    s_a, s_b are reduced by that line's slope c, leaving the O(k⁻²) part.
/// Where |ω|·max(|a|, |b|) < 0.25 the closed forms cancel catastrophically, so W is summed instead as
/// Σ_n (−iω)ⁿ/n! · ∫_a^b f(x)xⁿ dx from exact per-piece moments (never an added epsilon).
public struct ExactSpectrum1D {
    public let function: PiecewiseLinear1D
    /// Threads for the sums over kinks (nil: the calling thread only).
    public let pool: ThreadPool?

    public init(_ function: PiecewiseLinear1D, pool: ThreadPool? = nil) {
        self.function = function
        self.pool = pool
    }

    /// −ω⁻² Σ_j Δs_j e^{−iωx_j}; k = 0 gives NaN (the distribution is not a function there).
    public func kinkSpectrum(_ frequencies: [Double]) -> [Complex] {
        let sums = kinkSums(
            positions: function.kinks, weights: function.slopeJumps, frequencies: frequencies, pool: pool)
        return zip(frequencies, sums).map { k, s -> Complex in
            if k == 0 { return Complex(.nan, .nan) }
            let omega = 2 * Double.pi * k
            let scale: Double = -1 / (omega * omega)
            return scale * s
        }
    }

    public func window(_ frequencies: [Double], a: Double, b: Double) -> [Complex] {
        windowTransform(frequencies, a: a, b: b, detrended: false)
    }

    public func detrendedWindow(_ frequencies: [Double], a: Double, b: Double) -> [Complex] {
        windowTransform(frequencies, a: a, b: b, detrended: true)
    }

    private func windowTransform(_ frequencies: [Double], a: Double, b: Double, detrended: Bool) -> [Complex] {
        precondition(b > a, "the window [a, b] must not be empty")
        let f = function
        let inside = f.kinks.indices.filter { f.kinks[$0] > a && f.kinks[$0] < b }
        let sums = kinkSums(
            positions: inside.map { f.kinks[$0] }, weights: inside.map { f.slopeJumps[$0] },
            frequencies: frequencies, pool: pool)
        let (fa, fb) = (f(a), f(b))
        let line = detrended ? (fb - fa) / (b - a) : 0
        let sa = f.slope(at: a) - line
        let sb = slopeLeft(of: b) - line
        let reach = max(abs(a), abs(b))
        return zip(frequencies, sums).map { k, sum in
            let omega = 2 * Double.pi * k
            if abs(omega) * reach < 0.25 {
                let series = momentSeries(k, a: a, b: b)
                return detrended ? series - lineTransform(k, a: a, b: b, fa: fa, fb: fb) : series
            }
            let ea = Complex.unit(turns: -k * a)
            let eb = Complex.unit(turns: -k * b)
            let inner = (1 / (omega * omega)) * (sb * eb - sa * ea - sum)
            if detrended { return inner }
            // [f(a)e_a − f(b)e_b]/(iω) = −i·(…)/ω
            let d = fa * ea - fb * eb
            return Complex(d.im / omega, -d.re / omega) + inner
        }
    }

    /// The slope just left of x.
    private func slopeLeft(of x: Double) -> Double {
        var index = 0
        while index < function.kinks.count && function.kinks[index] < x { index += 1 }
        return function.pieceSlopes[index]
    }

    /// Σ_n (−iω)ⁿ/n! ∫_a^b f xⁿ dx, with the moments exact per piece (f affine on each).
    private func momentSeries(_ k: Double, a: Double, b: Double) -> Complex {
        let f = function
        var edges = [a] + f.kinks.filter { $0 > a && $0 < b } + [b]
        edges = edges.sorted()
        let terms = 40
        var moments = [Double](repeating: 0, count: terms)
        for (u, v) in zip(edges, edges.dropFirst()) {
            let beta = (f(v) - f(u)) / (v - u)
            let alpha = f(u) - beta * u
            var un = u
            var vn = v  // u^{n+1}, v^{n+1}
            for n in 0..<terms {
                let next = (un * u, vn * v)
                moments[n] += alpha * (vn - un) / Double(n + 1) + beta * (next.1 - next.0) / Double(n + 2)
                (un, vn) = next
            }
        }
        let omega = 2 * Double.pi * k
        var re = CompensatedSum()
        var im = CompensatedSum()
        var coefficient = 1.0  // ωⁿ/n!
        for n in 0..<terms {
            // (−i)ⁿ cycles 1, −i, −1, i.
            switch n % 4 {
            case 0: re.add(coefficient * moments[n])
            case 1: im.add(-coefficient * moments[n])
            case 2: re.add(-coefficient * moments[n])
            default: im.add(coefficient * moments[n])
            }
            coefficient *= omega / Double(n + 1)
        }
        return Complex(re.value, im.value)
    }

    /// ∫_a^b ℓ(x) e^{−iωx} dx for the line through (a, fa), (b, fb), by the same series (used only at small |ω|).
    private func lineTransform(_ k: Double, a: Double, b: Double, fa: Double, fb: Double) -> Complex {
        let line = PiecewiseLinear1D(
            kinks: [], slopeJumps: [], values: [], leftSlope: (fb - fa) / (b - a),
            rightSlope: (fb - fa) / (b - a), anchor: (a, fa))
        return ExactSpectrum1D(line).momentSeries(k, a: a, b: b)
    }
}
