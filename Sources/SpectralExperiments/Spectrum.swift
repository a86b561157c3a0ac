import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralPlot
import SpectralSpectra

/// `spectral spectrum`: the DFT of sampled data, with the two scalings people use and a fitted decay
/// (docs/conventions.md: F_m = Σ_j f(x_j) e^{−2πi m j/N}, F/N for sinusoid amplitudes, F·h for the window transform).
public struct SampledSpectrum: Experiment {
    public static let name = "spectrum"
    public static var summaryFile: String { "decay.json" }

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var input: InputFile
        public var interval = NumberPair(0, 1)
        public var band: NumberPair?
        /// 1-based column of the samples (1-D).
        public var column = 1
        /// The CSV is a 2-D grid: each row of the file is a row of samples.
        public var grid = false

        public init(input: InputFile) { self.input = input }
        public var inputFiles: [InputFile] { [input] }

        public func validate() throws {
            guard interval.second > interval.first else {
                throw SpectralError.usage(
                    "--interval \(interval.argumentDescription) is empty: B must be greater than A")
            }
            if let band, !(band.second > band.first) {
                throw SpectralError.usage("--band \(band.argumentDescription) is empty")
            }
            guard column >= 1 else { throw SpectralError.usage("--column must be at least 1") }
        }
    }

    public struct Fit: Codable, Sendable {
        public let slope: Double, standardError: Double, kMin: Double, kMax: Double, points: Int
        init?(_ fit: DecayFit?) {
            guard let fit else { return nil }
            (slope, standardError, kMin, kMax, points) = (
                fit.slope, fit.standardError, fit.band.lowerBound, fit.band.upperBound, fit.points
            )
        }
    }

    public struct Summary: Codable, Sendable {
        public let samples: Int
        public let rows: Int?
        public let columns: Int?
        public let interval: [Double]
        public let decayFit: Fit?
        public let envelopeDecayFit: Fit?
    }

    public enum Result {
        case line(samples: [Double], spectrum: [Complex])
        case grid(rows: Int, columns: Int, spectrum: [Complex])
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func run(_ context: RunContext) throws -> Result {
        let c = configuration
        let csv = try NumericCSV.read(URL(fileURLWithPath: c.input.path))
        if c.grid {
            let (ny, nx) = (csv.rows.count, csv.rows[0].count)
            guard ny >= 2, nx >= 2 else { throw SpectralError.badInput("a 2-D grid needs at least 2 × 2 samples") }
            return .grid(
                rows: ny, columns: nx,
                spectrum: context.time("transform") { fft2D(csv.rows.flatMap { $0 }, rows: ny, columns: nx) })
        }
        guard c.column <= csv.rows[0].count else {
            throw SpectralError.usage(
                "--column \(c.column) does not exist: \(c.input.path) has \(csv.rows[0].count) columns")
        }
        let samples = csv.rows.map { $0[c.column - 1] }
        guard samples.count >= 4 else {
            throw SpectralError.badInput("\(c.input.path) has \(samples.count) samples; a spectrum needs at least 4")
        }
        return .line(
            samples: samples, spectrum: context.time("transform") { RealFFTPlan(count: samples.count).forward(samples) }
        )
    }

    public func write(_ result: Result, to folder: OutputFolder) throws -> Summary {
        switch result {
        case .line(let samples, let spectrum): return try writeLine(samples, spectrum, to: folder)
        case .grid(let rows, let columns, let spectrum): return try writeGrid(rows, columns, spectrum, to: folder)
        }
    }

    private func writeLine(_ samples: [Double], _ spectrum: [Complex], to folder: OutputFolder) throws -> Summary {
        let (a, b) = (configuration.interval.first, configuration.interval.second)
        let n = samples.count
        let length = b - a
        let h = length / Double(n)
        var table = CSVTable(header: ["k", "dft_re", "dft_im", "amplitude", "window_magnitude"])
        var ks: [Double] = []
        var magnitudes: [Double] = []
        for (m, value) in spectrum.enumerated() {
            let k = Double(m) / length
            table.append([
                .double(k), .double(value.re), .double(value.im), .double(value.magnitude / Double(n)),
                .double(value.magnitude * h),
            ])
            if m > 0 {
                ks.append(k)
                magnitudes.append(value.magnitude * h)
            }
        }
        try folder.write(table, "spectrum.csv")
        let band = configuration.band.map { $0.first...$0.second }
        let plain = DecayFit.fit(frequencies: ks, magnitudes: magnitudes, band: band)
        let envelope = DecayFit.fit(frequencies: ks, magnitudes: magnitudes, band: band, envelope: true)
        var series = [Series(name: "|F| h", x: ks, y: magnitudes)]
        if let fit = envelope {
            let xs = [fit.band.lowerBound, fit.band.upperBound]
            series.append(
                Series(
                    name: String(format: "envelope fit k^%.2f", fit.slope), x: xs,
                    y: xs.map { exp(fit.intercept) * pow($0, fit.slope) }, dashed: true))
        }
        let name = URL(fileURLWithPath: configuration.input.path).lastPathComponent
        try folder.write(
            linePlot(
                title: "Spectrum of \(name) (\(n) samples on [\(formattedNumber(a)), \(formattedNumber(b))))",
                series: series, xLabel: "frequency k (cycles per unit)", yLabel: "|F(k)| h", logX: true, logY: true),
            "spectrum")
        return Summary(
            samples: n, rows: nil, columns: nil, interval: [a, b], decayFit: Fit(plain), envelopeDecayFit: Fit(envelope)
        )
    }

    private func writeGrid(_ ny: Int, _ nx: Int, _ values: [Complex], to folder: OutputFolder) throws -> Summary {
        let length = configuration.interval.second - configuration.interval.first
        var table = CSVTable(header: ["kx", "ky", "dft_re", "dft_im", "magnitude"])
        var image = [[Double]](repeating: [Double](repeating: 0, count: nx), count: ny)
        func signedIndex(_ i: Int, _ n: Int) -> Int { i <= n / 2 ? i : i - n }
        for y in 0..<ny {
            for x in 0..<nx {
                let v = values[y * nx + x]
                let (kx, ky) = (signedIndex(x, nx), signedIndex(y, ny))
                table.append([
                    .double(Double(kx) / length), .double(Double(ky) / length), .double(v.re), .double(v.im),
                    .double(v.magnitude),
                ])
                // Centred: row/column index = k + n/2 (the Nyquist row k = n/2 wraps to index 0, where it aliases).
                image[(ky + ny / 2) % ny][(kx + nx / 2) % nx] = log10(max(v.magnitude, 1e-300))
            }
        }
        try folder.write(table, "spectrum.csv")
        let kxs = (0..<nx).map { Double($0 - nx / 2) / length }
        let kys = (0..<ny).map { Double($0 - ny / 2) / length }
        let finite = image.flatMap { $0 }.filter { $0 > -300 }
        let top = finite.max() ?? 0
        try folder.write(
            heatMap(
                title: "2-D spectrum (\(ny) x \(nx) grid)", values: image, xValues: kxs, yValues: kys,
                xLabel: "kx (cycles per unit)", yLabel: "ky (cycles per unit)", colorLabel: "log10 |F|",
                range: max(finite.min() ?? top - 1, top - 12)...top), "spectrum")
        return Summary(
            samples: nx * ny, rows: ny, columns: nx,
            interval: [configuration.interval.first, configuration.interval.second],
            decayFit: nil, envelopeDecayFit: nil)
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        func text(_ f: Fit?) -> String {
            f.map {
                String(
                    format: "slope %.4f ± %.4f over k in [%g, %g] (%d points)", $0.slope, $0.standardError, $0.kMin,
                    $0.kMax, $0.points)
            } ?? "no fit"
        }
        if let rows = s.rows, let columns = s.columns {
            return ["2-D spectrum of a \(rows) × \(columns) grid written to \(folder.path)"]
        }
        return [
            "spectrum of \(s.samples) samples: \(text(s.decayFit)); envelope: \(text(s.envelopeDecayFit))",
            "results in \(folder.path)",
        ]
    }
}

public struct SpectrumCommand: ExperimentCommand {
    public typealias Runner = SampledSpectrum
    public static let description = CommandDescription(
        name: "spectrum",
        abstract:
            "Spectrum of sampled data (CSV: one column of samples, or a grid of rows): CSV, picture, fitted decay.",
        discussion: """
            1-D: samples f(x_j) on a uniform grid of [a, b) (--interval a:b, default 0:1); frequencies k = m/(b − a) in
            cycles per unit for m = 0…N/2. spectrum.csv has k, the unnormalised DFT (dft_re, dft_im), |F|/N and |F|·h (the
            window transform's approximation, h = (b − a)/N). The decay fit (slope of log |F| against log k, plain and upper
            envelope, in decay.json) uses --band kmin:kmax (default: the lowest nonzero to the highest frequency).
            2-D (--grid): a rows × columns grid on [a, b)²; spectrum.csv has kx, ky, dft_re, dft_im, magnitude, and the
            spectrum picture shows log10 |F| over the centred frequency plane.
            """)

    @Option(help: "CSV of samples (a header row is optional)") var input: InputFile
    @Option(help: "the sampled interval [a, b)") var interval = NumberPair(0, 1)
    @Option(help: "frequency band KMIN:KMAX of the decay fit (1-D)") var band: NumberPair?
    @Option(help: "which column holds the samples (1-D, 1-based)", check: .within(1...1_000_000)) var column = 1
    @Flag(help: "the CSV is a 2-D grid: each row of the file is a row of samples") var grid = false
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func validate() throws {
        try ignored($column, when: grid, "with --grid (every column is a sample)")
        try ignored($band, when: grid, "with --grid (the 2-D spectrum has no decay fit)")
    }

    public func configuration() throws -> SampledSpectrum.Configuration {
        var c = SampledSpectrum.Configuration(input: input)
        (c.interval, c.band, c.column, c.grid) = (interval, band, column, grid)
        return c
    }
}
