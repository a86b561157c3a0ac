import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralPlot
import SpectralSpectra

/// `spectral exact1d`: every kink of a 1-D network, its exact spectra and the theorem's checks (docs/exact.md),
/// all in Float64 at the weights' own precision.
public struct Exact1D: Experiment {
    public static let name = "exact1d"

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var weights: InputFile
        /// The window [a, b]; nil: every kink plus 5% of their span on each side (±1 around one kink or none).
        public var interval: NumberPair?
        public var frequencies: NumberList
        /// The enumeration stops with an error beyond this many pieces.
        public var maxPieces = EnumerationLimits.pieces.maximumCount
        /// The model, line and output (`--model`, `--through`, …); nil: `weights` as a 1-input net.
        public var model: ModelSource?

        public init(weights: InputFile, interval: NumberPair? = nil, frequencies: NumberList) {
            self.weights = weights
            self.interval = interval
            self.frequencies = frequencies
        }

        public var inputFiles: [InputFile] { model?.inputFiles ?? [weights] }

        public func validate() throws {
            guard !frequencies.values.isEmpty else { throw SpectralError.usage("no frequencies to evaluate") }
            guard frequencies.values.allSatisfy({ $0 > 0 }) else {
                throw SpectralError.usage("--freqs must be positive (the kink spectrum is a distribution at k = 0)")
            }
            if let interval, !(interval.second > interval.first) {
                throw SpectralError.usage(
                    "--interval \(interval.argumentDescription) is empty: B must be greater than A")
            }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            estimate.add("three transforms at every frequency", count: 3 * Double(frequencies.values.count), width: 16)
            return estimate
        }
    }

    public struct Result {
        public let function: PiecewiseLinear1D
        public let interval: (a: Double, b: Double)
        public let intervalWasGiven: Bool
        public let frequencies: [Double]
        public let kink: [Complex]
        public let window: [Complex]
        public let detrended: [Complex]
        public let check: Theorem1DCheck
        public let slice: PreparedNetwork.Record?
    }

    public struct Summary: Codable, Sendable {
        public struct Frequencies: Codable, Sendable { public let count: Int, min: Double, max: Double }
        public let theorem: Theorem1DSummary
        public let interval: [Double]
        public let intervalSource: String
        public let kinksOnRealLine: Int
        public let kinksInInterval: Int
        public let frequencies: Frequencies
        public let precision: String
    }

    public let configuration: Configuration
    /// A network given in memory (the demo's freshly trained net) instead of the weights file.
    let network: ExactNetwork?

    public init(_ configuration: Configuration) throws {
        try self.init(configuration, network: nil)
    }

    /// With a network in memory (a net just trained), which the weights file's path then only names.
    public init(_ configuration: Configuration, network: ExactNetwork?) throws {
        try configuration.validate()
        self.configuration = configuration
        self.network = network
    }

    public func run(_ context: RunContext) throws -> Result {
        var (network, record, lineBox) = (self.network, PreparedNetwork.Record?.none, ClosedRange<Double>?.none)
        if network == nil {
            let given = configuration.interval.map { [$0.first...$0.second] }
            let prepared = try context.time("model") {
                try PreparedNetwork(
                    configuration.model ?? ModelSource(file: configuration.weights), dimension: 1, box: given)
            }
            (network, record, lineBox) = (
                prepared.chain, prepared.record(configuration.model?.selection ?? .only), prepared.box?[0]
            )
        }
        var limits = EnumerationLimits.pieces
        limits.maximumCount = configuration.maxPieces
        let progress = context.progress(total: network!.layerCount, unit: "layers")
        limits.progress = { done, _ in progress.update(done) }
        var function = try context.time("enumeration") {
            try enumerateKinks(network!, pool: context.pool, limits: limits)
        }
        // On a slice the network was simplified on the line's box: only the kinks inside it are the model's.
        if let lineBox { function = function.restricted(to: lineBox) }
        try context.checkInterrupt()
        let interval: (a: Double, b: Double)
        if let given = configuration.interval {
            interval = (given.first, given.second)
        } else if let lineBox {
            interval = (lineBox.lowerBound, lineBox.upperBound)
        } else if let first = function.kinks.first, let last = function.kinks.last, last > first {
            let pad = 0.05 * (last - first)
            interval = (first - pad, last + pad)
        } else {
            let centre = function.kinks.first ?? 0
            interval = (centre - 1, centre + 1)
        }
        let frequencies = configuration.frequencies.values
        let exact = ExactSpectrum1D(function, pool: context.pool)
        return try context.time("transforms") {
            let kink = exact.kinkSpectrum(frequencies)
            try context.checkInterrupt()
            let window = exact.window(frequencies, a: interval.a, b: interval.b)
            try context.checkInterrupt()
            let detrended = exact.detrendedWindow(frequencies, a: interval.a, b: interval.b)
            return Result(
                function: function, interval: interval, intervalWasGiven: configuration.interval != nil,
                frequencies: frequencies, kink: kink, window: window, detrended: detrended,
                check: Theorem1DCheck(function, frequencies: frequencies, kinkSpectrum: kink), slice: record)
        }
    }

    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        var breakpoints = CSVTable(header: ["x", "slope_jump", "value"])
        for j in r.function.kinks.indices
        where !r.intervalWasGiven || (r.function.kinks[j] >= r.interval.a && r.function.kinks[j] <= r.interval.b) {
            breakpoints.append([
                .double(r.function.kinks[j]), .double(r.function.slopeJumps[j]), .double(r.function.values[j]),
            ])
        }
        try folder.write(breakpoints, "breakpoints.csv")
        if let slice = r.slice { try folder.writeJSON(slice, "slice.json") }
        var spectrum = CSVTable(header: [
            "k", "kink_re", "kink_im", "window_re", "window_im", "detrended_re", "detrended_im",
        ])
        for i in r.frequencies.indices {
            spectrum.append([
                .double(r.frequencies[i]), .double(r.kink[i].re), .double(r.kink[i].im), .double(r.window[i].re),
                .double(r.window[i].im), .double(r.detrended[i].re), .double(r.detrended[i].im),
            ])
        }
        try folder.write(spectrum, "spectrum.csv")
        let name = URL(fileURLWithPath: configuration.weights.path).lastPathComponent
        let jump = r.check.totalSlopeJump
        let bound = r.frequencies.map { jump / ((2 * Double.pi * $0) * (2 * Double.pi * $0)) }
        try folder.write(
            linePlot(
                title: "Exact spectrum of \(name) (\(r.function.pieces) pieces)",
                series: [
                    Series(name: "|kink spectrum|", x: r.frequencies, y: r.kink.map(\.magnitude)),
                    Series(name: "|window transform|", x: r.frequencies, y: r.window.map(\.magnitude)),
                    Series(name: "|detrended window|", x: r.frequencies, y: r.detrended.map(\.magnitude)),
                    Series(name: "bound sum|ds|/(2 pi k)^2", x: r.frequencies, y: bound, dashed: true),
                ], xLabel: "frequency k (cycles per unit)", yLabel: "magnitude", logX: true, logY: true), "spectrum")
        return Summary(
            theorem: r.check.summary, interval: [r.interval.a, r.interval.b],
            intervalSource: r.intervalWasGiven ? "given" : "all kinks plus 5% of their span on each side",
            kinksOnRealLine: r.function.kinks.count, kinksInInterval: breakpoints.rowCount,
            frequencies: .init(count: r.frequencies.count, min: r.frequencies.min()!, max: r.frequencies.max()!),
            precision: "Float64 (the weights file's values; F32 widened once)")
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        let t = s.theorem
        let decay =
            t.decayExponent.map { String(format: "%.3f ± %.3f", $0, t.decayExponentStandardError ?? .nan) } ?? "n/a"
        return [
            String(
                format:
                    "%d kinks (%d pieces), L_f = %.4g, sum|ds| = %.4g; max |f~|(2 pi k)^2 / sum|ds| = %.4f, sum|ds| / (2 N_f L_f) = %.4f; decay exponent %@",
                s.kinksOnRealLine, t.pieces, t.lipschitz, t.totalSlopeJump, t.ratioScaledSpectrumToTotalJump,
                t.ratioTotalJumpToTwoPiecesLipschitz, decay), "results in \(folder.path)",
        ]
    }
}

public struct Exact1DCommand: ExperimentCommand {
    public typealias Runner = Exact1D
    public static let description = CommandDescription(
        name: "exact1d",
        abstract: "Every kink of a 1-D ReLU net, its exact Fourier transforms and the theorem's bounds (Float64).",
        discussion: """
            Reads safetensors weights (input size 1, output size 1; F64 values stay Float64). Writes breakpoints.csv
            (x,slope_jump,value), spectrum.csv (k, kink spectrum, window transform on [a, b], the same with the end line
            removed; real and imaginary parts), summary.json (pieces, Lipschitz constant, total slope jump, decay exponent,
            bound ratios), the spectrum picture (log-log, with the k^-2 bound) and run.json. Convention:
            f~(k) = integral of f(x) exp(-2 pi i k x) dx.
            """)

    @Option(help: "safetensors file of the network (or --model)") var weights: InputFile?
    @OptionGroup var model: ModelOptions
    @Option(help: "the window [a, b] (default: all kinks plus 5% on each side)") var interval: NumberPair?
    @Option(
        help: "frequencies k > 0: a list or START:STOP:STEP",
        check: .positive(1...10_000_000))
    var freqs = NumberList(start: 0.5, stop: 500, step: 0.5)
    @Option(help: "stop with an error beyond this many linear pieces", check: .within(1...Int(Int32.max)))
    var maxPieces = EnumerationLimits.pieces.maximumCount
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func validate() throws {
        if let interval, !(interval.second > interval.first) {
            throw SpectralError.usage("--interval \(interval.argumentDescription) is empty: B must be greater than A")
        }
    }

    public func configuration() throws -> Exact1D.Configuration {
        let source = try model.source(weights: weights)
        var c = Exact1D.Configuration(weights: source.file, interval: interval, frequencies: freqs)
        c.maxPieces = maxPieces
        c.model = source
        return c
    }
}
