import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import SpectralExact
import SpectralPlot

/// `spectral exact1d`: every kink of a 1-D network, its exact spectra, the theorem's checks, as files.
public struct Exact1DReport {
    public let function: PiecewiseLinear1D
    public let interval: (a: Double, b: Double)
    public let intervalWasGiven: Bool
    public let frequencies: [Double]
    public let kink: [Complex]
    public let window: [Complex]
    public let detrended: [Complex]
    public let check: Theorem1DCheck
    public let seconds: Double

    /// Without an interval, the window is the smallest one holding every kink, widened by 5% of its span on each
    /// side (±1 around a single kink or none).
    public init(net: MLP, interval: (Double, Double)?, frequencies: [Double], threads: Int) throws {
        guard !frequencies.isEmpty else { throw SpectralError.usage("no frequencies to evaluate") }
        guard frequencies.allSatisfy({ $0 > 0 }) else {
            throw SpectralError.usage("frequencies must be positive (the kink spectrum is a distribution at k = 0)")
        }
        if let interval, !(interval.1 > interval.0) {
            throw SpectralError.usage("the interval \(interval.0):\(interval.1) is empty")
        }
        let network = try Network1D(net)
        let start = monotonicSeconds()
        let pool = ThreadPool(threadCount: threads)
        function = enumerateKinks(network, pool: pool)
        seconds = monotonicSeconds() - start
        intervalWasGiven = interval != nil
        if let interval {
            self.interval = interval
        } else if let first = function.kinks.first, let last = function.kinks.last, last > first {
            let pad = 0.05 * (last - first)
            self.interval = (first - pad, last + pad)
        } else {
            let centre = function.kinks.first ?? 0
            self.interval = (centre - 1, centre + 1)
        }
        self.frequencies = frequencies
        let exact = ExactSpectrum1D(function, pool: pool)
        kink = exact.kinkSpectrum(frequencies)
        window = exact.window(frequencies, a: self.interval.a, b: self.interval.b)
        detrended = exact.detrendedWindow(frequencies, a: self.interval.a, b: self.interval.b)
        check = Theorem1DCheck(function, frequencies: frequencies, kinkSpectrum: kink)
    }

    public func write(to out: URL, title: String) throws {
        var breakpoints = CSVTable(header: ["x", "slope_jump", "value"])
        for j in function.kinks.indices where !intervalWasGiven || (function.kinks[j] >= interval.a && function.kinks[j] <= interval.b) {
            breakpoints.append([.double(function.kinks[j]), .double(function.slopeJumps[j]), .double(function.values[j])])
        }
        try breakpoints.write(to: out.appendingPathComponent("breakpoints.csv"))
        var spectrum = CSVTable(header: ["k", "kink_re", "kink_im", "window_re", "window_im", "detrended_re", "detrended_im"])
        for i in frequencies.indices {
            spectrum.append([.double(frequencies[i]), .double(kink[i].re), .double(kink[i].im), .double(window[i].re),
                             .double(window[i].im), .double(detrended[i].re), .double(detrended[i].im)])
        }
        try spectrum.write(to: out.appendingPathComponent("spectrum.csv"))
        var summary = check.summary
        summary["interval"] = [interval.a, interval.b]
        summary["interval_source"] = intervalWasGiven ? "given" : "all kinks plus 5% of their span on each side"
        summary["kinks_on_real_line"] = function.kinks.count
        summary["kinks_in_interval"] = breakpoints.rowCount
        summary["enumeration_seconds"] = seconds
        summary["frequencies"] = ["count": frequencies.count, "min": frequencies.min()!, "max": frequencies.max()!]
        try writeJSON(summary, to: out.appendingPathComponent("summary.json"))
        let bound = frequencies.map { check.totalSlopeJump / ((2 * Double.pi * $0) * (2 * Double.pi * $0)) }
        try linePlot(title: title, series: [
            Series(name: "|kink spectrum|", x: frequencies, y: kink.map(\.magnitude)),
            Series(name: "|window transform|", x: frequencies, y: window.map(\.magnitude)),
            Series(name: "|detrended window|", x: frequencies, y: detrended.map(\.magnitude)),
            Series(name: "bound sum|ds|/(2 pi k)^2", x: frequencies, y: bound, dashed: true),
        ], xLabel: "frequency k (cycles per unit)", yLabel: "magnitude", logX: true, logY: true)
            .writePNG(to: out.appendingPathComponent("spectrum.png"))
    }
}
