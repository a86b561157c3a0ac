import Foundation

/// One axis: a data range mapped onto a pixel range, linear or logarithmic, with readable tick values.
public struct Axis {
    public var low: Double
    public var high: Double
    public var logarithmic: Bool
    public var label: String

    public init(low: Double, high: Double, logarithmic: Bool = false, label: String) {
        var (lo, hi) = (low, high)
        if logarithmic { lo = max(lo, 1e-300); hi = max(hi, lo * 10) }
        if !(hi > lo) { let pad = lo == 0 ? 1 : abs(lo) * 0.1; lo -= pad; hi += pad }
        self.low = lo
        self.high = hi
        self.logarithmic = logarithmic
        self.label = label
    }

    /// Fraction 0…1 of the way along the axis.
    public func fraction(_ v: Double) -> Double {
        logarithmic ? (log10(max(v, 1e-300)) - log10(low)) / (log10(high) - log10(low)) : (v - low) / (high - low)
    }

    /// Tick positions: decades on a log axis, 1-2-5 steps on a linear one.
    public var ticks: [Double] {
        if logarithmic {
            let first = Int(floor(log10(low))), last = Int(ceil(log10(high)))
            let every = max(1, (last - first) / 8)
            return stride(from: first, through: last, by: every).map { pow(10, Double($0)) }
                .filter { $0 >= low * (1 - 1e-9) && $0 <= high * (1 + 1e-9) }
        }
        let raw = (high - low) / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var out: [Double] = []
        var v = ceil(low / step) * step
        while v <= high + step * 1e-9 { out.append(abs(v) < step * 1e-9 ? 0 : v); v += step }
        return out
    }
}

/// Short tick text: plain for moderate numbers, a power of ten or scientific notation otherwise.
public func tickText(_ v: Double, logarithmic: Bool) -> String {
    if v == 0 { return "0" }
    if logarithmic {
        let e = log10(abs(v))
        if abs(e - e.rounded()) < 1e-9 && (e < -2 || e > 4) { return "1e\(Int(e.rounded()))" }
    }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 { return String(format: "%.0e", v) }
    if a == a.rounded() { return String(format: "%.0f", v) }
    var s = String(format: "%.3f", v)
    while s.hasSuffix("0") { s.removeLast() }
    return s
}
