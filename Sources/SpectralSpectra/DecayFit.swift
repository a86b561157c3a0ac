import Foundation

/// A least-squares fit of log|F| = intercept + slope·log k over a band of frequencies.
public struct DecayFit: Sendable, CustomStringConvertible {
    /// The fitted exponent: |F| ∝ k^slope.
    public var slope: Double
    public var standardError: Double
    public var intercept: Double
    /// The band actually used (the requested one, trimmed to the data) and how many points fell in it.
    public var band: ClosedRange<Double>
    public var points: Int
    /// True when the fit used the upper envelope (running maximum over k′ ≥ k) rather than |F| itself.
    public var envelope: Bool

    public var description: String {
        String(
            format: "slope %.4f ± %.4f over k in [%g, %g] (%d points%@)", slope, standardError, band.lowerBound,
            band.upperBound, points, envelope ? ", upper envelope" : "")
    }

    /// Fits the points with k in `band`, positive k and positive finite magnitude. With `envelope`, each magnitude
    /// is first replaced by max_{k′ ≥ k} |F(k′)| over the given points (bounds concern envelopes: a decaying
    /// oscillating spectrum has zeros that would bias a plain fit). Returns nil with fewer than 3 usable points.
    public static func fit(
        frequencies: [Double], magnitudes: [Double], band: ClosedRange<Double>? = nil,
        envelope: Bool = false
    ) -> DecayFit? {
        precondition(frequencies.count == magnitudes.count, "one magnitude per frequency")
        let order = frequencies.indices.sorted { frequencies[$0] < frequencies[$1] }
        let k = order.map { frequencies[$0] }
        var m = order.map { magnitudes[$0] }
        if envelope {
            var running = -Double.infinity
            for i in stride(from: m.count - 1, through: 0, by: -1) {
                if m[i].isFinite { running = max(running, m[i]) }
                m[i] = running
            }
        }
        var xs: [Double] = []
        var ys: [Double] = []
        var used: [Double] = []
        for i in k.indices where k[i] > 0 && m[i] > 0 && m[i].isFinite && (band?.contains(k[i]) ?? true) {
            xs.append(log(k[i]))
            ys.append(log(m[i]))
            used.append(k[i])
        }
        guard let line = LineFit(x: xs, y: ys) else { return nil }
        return DecayFit(
            slope: line.slope, standardError: line.standardError, intercept: line.intercept,
            band: used.first!...used.last!, points: xs.count, envelope: envelope)
    }
}

/// Ordinary least squares y = intercept + slope·x, with the slope's standard error √(RSS/(n−2)/Sxx).
public struct LineFit: Sendable {
    public let slope: Double
    public let intercept: Double
    public let standardError: Double

    /// Nil with fewer than 3 finite points or no spread in x.
    public init?(x: [Double], y: [Double]) {
        let pairs = zip(x, y).filter { $0.0.isFinite && $0.1.isFinite }
        guard pairs.count >= 3 else { return nil }
        let n = Double(pairs.count)
        let meanX = pairs.map(\.0).reduce(0, +) / n
        let meanY = pairs.map(\.1).reduce(0, +) / n
        var sxx = 0.0
        var sxy = 0.0
        for (a, b) in pairs {
            sxx += (a - meanX) * (a - meanX)
            sxy += (a - meanX) * (b - meanY)
        }
        guard sxx > 0 else { return nil }
        slope = sxy / sxx
        intercept = meanY - slope * meanX
        var rss = 0.0
        for (a, b) in pairs {
            let r = b - intercept - slope * a
            rss += r * r
        }
        standardError = (rss / (n - 2) / sxx).squareRoot()
    }
}
