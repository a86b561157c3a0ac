import Foundation

/// A complex number in Float64 (the spectra module works in Float64 throughout).
public struct Complex: Equatable, Sendable, CustomStringConvertible {
    public var re: Double
    public var im: Double
    public init(_ re: Double, _ im: Double = 0) { self.re = re; self.im = im }
    public var magnitude: Double { hypot(re, im) }
    public var phase: Double { atan2(im, re) }
    public static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    public static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    public static func * (a: Complex, b: Complex) -> Complex { Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re) }
    public static func * (s: Double, a: Complex) -> Complex { Complex(s * a.re, s * a.im) }
    public var conjugate: Complex { Complex(re, -im) }
    public var description: String { "\(re)\(im < 0 ? "-" : "+")\(abs(im))i" }
    /// e^{iθ} with θ = 2π·turns, reducing the angle in turns first so large arguments keep full accuracy.
    public static func unit(turns: Double) -> Complex {
        let r = turns - turns.rounded()
        return Complex(cos(2 * Double.pi * r), sin(2 * Double.pi * r))
    }
}

/// The unnormalised DFT at chosen frequencies (conventions.md): F(k) = Σ_j f_j e^{−2πi k j/N}, for integer or
/// non-integer k, Float64 with compensated (Neumaier) summation. O(N) per frequency; the phase k·j/N is reduced
/// exactly for integer k (k·j mod N in integers) so there is no loss of accuracy at large N.
public func dft(_ samples: [Double], at frequencies: [Double]) -> [Complex] {
    let n = samples.count
    return frequencies.map { k in
        var sumRe = CompensatedSum(), sumIm = CompensatedSum()
        let integer = k == k.rounded() && abs(k) < 1e15
        let kInt = integer ? Int(k) : 0
        for j in 0..<n {
            let turns: Double
            if integer {
                let m = ((kInt % n) * j) % n
                turns = Double(m) / Double(n)
            } else {
                turns = k * Double(j) / Double(n)
            }
            let e = Complex.unit(turns: -turns)
            sumRe.add(samples[j] * e.re)
            sumIm.add(samples[j] * e.im)
        }
        return Complex(sumRe.value, sumIm.value)
    }
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

/// The two scalings of conventions.md for a DFT value F of N samples on [a, b) with step h = (b − a)/N:
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
    // Σ_j w_j f_j e^{−2πik(a + jh)} = e^{−2πika} · DFT at m = k(b − a) over N + 1 points with period N.
    return frequencies.map { k in
        var re = CompensatedSum(), im = CompensatedSum()
        for j in 0...n {
            let e = Complex.unit(turns: -(k * a + k * h * Double(j)))
            re.add(weighted[j] * e.re)
            im.add(weighted[j] * e.im)
        }
        return h * Complex(re.value, im.value)
    }
}
