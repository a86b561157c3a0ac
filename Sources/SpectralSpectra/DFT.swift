import Foundation
import SpectralKernels

/// A complex number in Float64 (the spectra module works in Float64 throughout).
public struct Complex: Equatable, Sendable, CustomStringConvertible {
    public var re: Double
    public var im: Double
    public init(_ re: Double, _ im: Double = 0) {
        self.re = re
        self.im = im
    }
    public var magnitude: Double { hypot(re, im) }
    public var phase: Double { atan2(im, re) }
    public static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    public static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    public static func * (a: Complex, b: Complex) -> Complex {
        Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
    }
    public static func * (s: Double, a: Complex) -> Complex { Complex(s * a.re, s * a.im) }
    public var conjugate: Complex { Complex(re, -im) }
    public var description: String { "\(re)\(im < 0 ? "-" : "+")\(abs(im))i" }
    /// e^{iθ} with θ = 2π·turns, reducing the angle in turns first so large arguments keep full accuracy.
    public static func unit(turns: Double) -> Complex {
        let r = turns - turns.rounded()
        return Complex(cos(2 * Double.pi * r), sin(2 * Double.pi * r))
    }
}

/// The unnormalised DFT at chosen frequencies (docs/conventions.md): F(k) = Σ_j f_j e^{−2πi k j/N}, for integer or
/// non-integer k, Float64. O(N) per frequency, four samples to a vector (`phaseSum`). The phase k·j/N is reduced
/// exactly for integer k (k·j mod N in integers) so there is no loss of accuracy at large N.
public func dft(_ samples: [Double], at frequencies: [Double]) -> [Complex] {
    let n = samples.count
    guard n > 0 else { return frequencies.map { _ in Complex(0) } }
    return samples.withUnsafeBufferPointer { f in
        frequencies.map { k in
            if k == k.rounded() && abs(k) < 1e15 {
                let step = (Int(k) % n + n) % n
                var m = 0  // k·j mod N for the next j
                return phaseSum(f.baseAddress!, count: n) { _ in
                    var lanes = SIMD4<Double>()
                    for t in 0..<4 {
                        lanes[t] = Double(m)
                        m += step
                        if m >= n { m -= n }
                    }
                    return -(Double4(lanes) / Double4(repeating: Double(n)))
                }
            }
            // k and k mod N (exact) give the same phases at integer j, and the smaller one keeps the turns small.
            let reduced = k.truncatingRemainder(dividingBy: Double(n))
            return phaseSum(f.baseAddress!, count: n) { j in
                let js = Double4(SIMD4(Double(j), Double(j + 1), Double(j + 2), Double(j + 3)))
                return -((reduced * js) / Double4(repeating: Double(n)))
            }
        }
    }
}

/// Σ_j w_j e^{2πi·turns_j} for j < count, with `turns(j)` giving the turns of j…j+3 (called for j = 0, 4, 8, … in
/// order; lanes past `count` are ignored). Four terms at a time: phases by `unitCircle`, and each lane's sum kept
/// with its exact rounding error (Knuth's two-sum), so the error does not grow with the number of terms; the lanes
/// are combined with a compensated sum at the end. |turns| must stay below 2⁵¹.
@inline(__always)
func phaseSum(_ w: UnsafePointer<Double>, count: Int, turns: (Int) -> Double4) -> Complex {
    var sumRe = Double4(repeating: 0)
    var errorRe = sumRe
    var sumIm = sumRe
    var errorIm = sumRe
    @inline(__always) func add(_ sum: inout Double4, _ error: inout Double4, _ x: Double4) {
        let s = sum + x
        let xPart = s - sum
        error = error + ((sum - (s - xPart)) + (x - xPart))
        sum = s
    }
    var j = 0
    while j < count {
        let weights: Double4
        if j + 4 <= count {
            weights = Double4.load(w + j)
        } else {
            var lanes = SIMD4<Double>()
            for t in 0..<(count - j) { lanes[t] = w[j + t] }
            weights = Double4(lanes)
        }
        let phase = unitCircle(turns: turns(j))
        add(&sumRe, &errorRe, weights * phase.cos)
        add(&sumIm, &errorIm, weights * phase.sin)
        j += 4
    }
    var re = CompensatedSum()
    var im = CompensatedSum()
    for t in 0..<4 {
        re.add(sumRe.lanes[t])
        re.add(errorRe.lanes[t])
        im.add(sumIm.lanes[t])
        im.add(errorIm.lanes[t])
    }
    return Complex(re.value, im.value)
}

/// The amplitude scaling: for f_j = A sin(2π k j/N + φ) with integer 0 < k < N/2, 2|F(k)|/N = A.
public func sinusoidAmplitudes(_ samples: [Double], at frequencies: [Double]) -> [Double] {
    dft(samples, at: frequencies).map { 2 * $0.magnitude / Double(samples.count) }
}

/// Neumaier's compensated sum: error O(ε) independent of the number of terms (for sums not dominated by
/// cancellation), at four flops per term.
public struct CompensatedSum {
    private var sum = 0.0
    private var compensation = 0.0
    public init() {}
    public mutating func add(_ x: Double) {
        let t = sum + x
        compensation += abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum
        sum = t
    }
    public var value: Double { sum + compensation }
}

/// The two scalings of docs/conventions.md for a DFT value F of N samples on [a, b) with step h = (b − a)/N:
/// F/N (amplitude of a sinusoid: A·sin gives |F/N| = A/2 at its bin) and F·h (approximates the continuous
/// transform on the window).
public enum DFTScaling {
    public static func perSample(_ f: Complex, count: Int) -> Complex { (1 / Double(count)) * f }
    public static func window(_ f: Complex, step: Double) -> Complex { step * f }
}

/// The trapezoid-rule estimate of the window transform ∫_a^b f(x) e^{−2πikx} dx from N + 1 samples f(a + jh),
/// j = 0…N, h = (b − a)/N, end points weighted ½ — for any real k. Its error is O(h²) for a function whose
/// derivative is piecewise continuous (and smaller for a smooth periodic one); the exact module's window transforms
/// are checked against it.
public func trapezoidWindowTransform(_ samples: [Double], a: Double, b: Double, at frequencies: [Double]) -> [Complex] {
    precondition(samples.count >= 2, "the trapezoid rule needs both end points")
    let n = samples.count - 1
    let h = (b - a) / Double(n)
    var weighted = samples
    weighted[0] *= 0.5
    weighted[n] *= 0.5
    // Σ_j w_j f_j e^{−2πik(a + jh)}, four j at a time (`phaseSum`)
    return weighted.withUnsafeBufferPointer { w in
        frequencies.map { k in
            // Only the fractional parts of k·a and k·h matter at integer j; keeping those keeps the turns small.
            let (ka, kh) = (k * a, k * h)
            let (start, step) = (ka - ka.rounded(), kh - kh.rounded())
            return h
                * phaseSum(w.baseAddress!, count: n + 1) { j in
                    let js = Double4(SIMD4(Double(j), Double(j + 1), Double(j + 2), Double(j + 3)))
                    return -(Double4(repeating: start) + step * js)
                }
        }
    }
}
