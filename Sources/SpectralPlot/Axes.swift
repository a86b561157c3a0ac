import Foundation

/// One axis: a data range mapped onto a pixel range, linear or logarithmic, with round tick values (1, 2 or 5 ×
/// 10ⁿ apart on a linear axis; decades, or 1-2-5 within them when the range is short, on a log one).
public struct Axis {
    public var low: Double
    public var high: Double
    public var logarithmic: Bool
    public var label: String

    public init(low: Double, high: Double, logarithmic: Bool = false, label: String) {
        var (lo, hi) = (low.isFinite ? low : 0, high.isFinite ? high : 1)
        if logarithmic {
            lo = max(lo, 1e-300)
            hi = max(hi, lo)
            if hi <= lo * (1 + 1e-9) {
                lo /= 2
                hi *= 2
            }
        } else if !(hi > lo) {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        self.low = lo
        self.high = hi
        self.logarithmic = logarithmic
        self.label = label
    }

    /// Fraction 0…1 of the way along the axis.
    public func fraction(_ v: Double) -> Double {
        logarithmic ? (log10(max(v, 1e-300)) - log10(low)) / (log10(high) - log10(low)) : (v - low) / (high - low)
    }

    /// The linear tick step: the first of 1, 2, 5 × 10ⁿ that gives at most `maximum` ticks.
    func linearStep(maximum: Int = 7) -> Double {
        let raw = (high - low) / Double(maximum)
        let magnitude = pow(10, floor(log10(raw)))
        return [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * magnitude
    }

    public var ticks: [Double] {
        if logarithmic { return logTicks }
        let step = linearStep()
        var out: [Double] = []
        var i = (low / step).rounded(.up)
        while i * step <= high + step * 1e-9 {
            out.append(abs(i * step) < step * 1e-9 ? 0 : i * step)
            i += 1
        }
        return out
    }

    /// Decades when there are at least three; else 1, 2, 5 × 10ⁿ when at least two fall inside; else round linear
    /// steps (a range narrower than a factor of about 2).
    private var logTicks: [Double] {
        let (first, last) = (Int(floor(log10(low) + 1e-9)), Int(ceil(log10(high) - 1e-9)))
        let inside = { (v: Double) in v >= self.low * (1 - 1e-9) && v <= self.high * (1 + 1e-9) }
        let every = max(1, (last - first + 6) / 7)
        let decades = stride(from: first, through: last, by: every).map { pow(10, Double($0)) }.filter(inside)
        if decades.count >= 3 { return decades }
        let oneTwoFive = (first...last).flatMap { e in [1.0, 2, 5].map { $0 * pow(10, Double(e)) } }.filter(inside)
        if oneTwoFive.count >= 2 { return oneTwoFive }
        return linearFallback
    }

    /// Round values within a range narrower than a factor of 2 on a log axis.
    private var linearFallback: [Double] {
        Axis(low: low, high: high, label: label).ticks.filter { $0 > 0 }
    }

    /// Tick text: as few digits as the ticks need to differ (0.5, 1, 1.5), scientific beyond 1e5 or below 1e-3.
    public func tickText(_ v: Double) -> String {
        if v == 0 { return "0" }
        if logarithmic {
            let own = max(0, -Int(floor(log10(abs(v)) + 1e-9)))
            // Within a decade the ticks may be a linear fallback (106.5, 107): as many decimals as its step needs.
            let fallback =
                high / low < 10 && !ticks.allSatisfy(isOneTwoFive)
                ? max(0, -Int(floor(log10(Axis(low: low, high: high, label: "").linearStep()) + 1e-9))) : 0
            return roundNumberText(v, decimals: max(own, fallback))
        }
        let step = linearStep()
        return roundNumberText(v, decimals: max(0, -Int(floor(log10(step) + 1e-9))))
    }
}

/// A round number with `decimals` digits after the point, or as m e n beyond 1e5 and below 1e-3.
func roundNumberText(_ v: Double, decimals: Int) -> String {
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 {
        let exponent = Int(floor(log10(a) + 1e-9))
        var mantissa = String(format: "%.1f", v / pow(10, Double(exponent)))
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        return "\(mantissa)e\(exponent)"
    }
    var s = String(format: "%.\(min(decimals, 6))f", v)
    if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s == "-0" ? "0" : s
}

/// Whether v is 1, 2 or 5 × 10ⁿ.
func isOneTwoFive(_ v: Double) -> Bool {
    guard v != 0, v.isFinite else { return false }
    let mantissa = abs(v) / pow(10, floor(log10(abs(v)) + 1e-9))
    return [1.0, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }
}
