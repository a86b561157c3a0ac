import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralPlot
import SpectralSpectra

/// `spectral exact2d`: exact transforms of a 2-D network on a box or convex polygon, and its decay direction by
/// direction (docs/exact.md).
public struct Exact2D: Experiment {
    public static let name = "exact2d"

    /// The frequencies k = (kx, ky) of spectrum.csv: a list, or an n × n grid over [−kmax, kmax]².
    public enum Frequencies: Codable, Sendable, Equatable {
        case list([NumberPair])
        case grid(FrequencyGrid)

        var points: [(kx: Double, ky: Double)] {
            switch self {
            case .list(let ks): return ks.map { ($0.first, $0.second) }
            case .grid(let g):
                let axis = (0..<g.n).map { g.n == 1 ? 0 : -g.kmax + 2 * g.kmax * Double($0) / Double(g.n - 1) }
                return axis.flatMap { ky in axis.map { kx in (kx, ky) } }
            }
        }
    }

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var weights: InputFile
        public var domain: Domain2D = .unitBox
        public var frequencies: Frequencies = .grid(FrequencyGrid(kmax: 16, n: 33))
        public var ridges = 3
        public var rays = 0
        public var radii = RadiusRange(low: 20, high: 2000, count: 40)
        public var maxRegions = EnumerationLimits.regions.maximumCount
        /// The model, slice and output (`--model`, `--through`, …); nil: `weights` as a 2-input net.
        public var model: ModelSource?
        public var domainFromSlice = false

        public init(weights: InputFile) { self.weights = weights }

        public var inputFiles: [InputFile] { model?.inputFiles ?? [weights] }

        public func validate() throws {
            guard (0...100).contains(ridges), (0...3600).contains(rays) else {
                throw SpectralError.usage("--ridges must be 0…100 and --rays 0…3600")
            }
            guard !frequencies.points.isEmpty else { throw SpectralError.usage("no frequencies to evaluate") }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            estimate.add("two transforms at every frequency", count: 2 * Double(frequencies.points.count), width: 16)
            return estimate
        }
    }

    public struct Direction: Codable, Sendable {
        public let angle: Double
        public let kind: String
        public let ridgeWeight: Double
        public let exponent: Double?
        public let standardError: Double?
        public let points: Int
        /// The predicted radius beyond which the decay is asymptotic (`crossoverRadius`), and the exponent fitted on
        /// [crossover, 100·crossover].
        public let crossoverRadius: Double?
        public let asymptoticExponent: Double?
        public let asymptoticStandardError: Double?
    }

    public struct Result {
        public let regions: LinearRegions2D
        public let frequencies: [(kx: Double, ky: Double)]
        public let window: [Complex]
        public let edge: [Complex]
        public let directions: [(Direction, DirectionalDecay)]
        public let polar: (angles: [Double], radii: [Double], values: [[Double]])
        public let totalEdgeJump: Double
        public let slice: PreparedNetwork.Record?
    }

    public struct Summary: Codable, Sendable {
        public let regions: Regions2D.Summary
        public let totalEdgeJump: Double
        public let interiorEdgeLength: Double
        public let spectrumBoundRatio: Double
        public let edgeJumpBoundRatio: Double
        public let directions: [Direction]
        public let frequencies: Int
        public let spectrum: String
    }

    public let configuration: Configuration
    let network: ExactNetwork?

    public init(_ configuration: Configuration) throws { try self.init(configuration, network: nil) }

    /// With a network in memory (a net just trained), which the weights file's path then only names.
    public init(_ configuration: Configuration, network: ExactNetwork?) throws {
        try configuration.validate()
        self.configuration = configuration
        self.network = network
    }

    /// Directions: the `ridges` heaviest predicted ridges, the generic direction farthest from all of them, and
    /// `rays` evenly spaced angles in [0, π); each sampled at the radii.
    public func run(_ context: RunContext) throws -> Result {
        let c = configuration
        var (network, domain, record) = (self.network, c.domain, PreparedNetwork.Record?.none)
        if network == nil {
            let (prepared, resolved) = try context.time("model") {
                try PreparedNetwork.plane(
                    c.model ?? ModelSource(file: c.weights), domain: c.domain, fromSlice: c.domainFromSlice)
            }
            (network, domain, record) = (prepared.chain, resolved, prepared.record(c.model?.selection ?? .only))
        }
        let regions = try context.time("enumeration") {
            try Regions2D.enumerate(network!, domain: domain, maxRegions: c.maxRegions, context: context)
        }
        try context.checkInterrupt()
        let spectrum = ExactSpectrum2D(regions, pool: context.pool)
        let points = c.frequencies.points
        let (window, edge) = context.time("transforms") { (spectrum.window(points), spectrum.edgeSpectrum(points)) }
        try context.checkInterrupt()
        let ridges = regions.ridges()
        var chosen = ridges.prefix(c.ridges).map { ($0.angle, "ridge", $0.weight) }
        chosen.append((genericAngle(avoiding: ridges), "generic", 0))
        chosen += (0..<c.rays).map { (Double.pi * Double($0) / Double(c.rays), "requested", 0) }
        let radii = c.radii.values
        let decays = context.time("directions") { spectrum.directionalDecay(angles: chosen.map(\.0), radii: radii) }
        let asymptotic = context.time("crossovers") {
            chosen.map { choice -> (Double, DecayFit)? in
                guard choice.1 != "ridge", let r = regions.crossoverRadius(angle: choice.0, start: radii.first!),
                    let fit = spectrum.directionalDecay(
                        angles: [choice.0], radii: geometricRadii(r, 100 * r, count: 40))[0]
                        .fit
                else { return nil }
                return (r, fit)
            }
        }
        let directions = zip(chosen, zip(decays, asymptotic)).map { choice, fits in
            (
                Direction(
                    angle: choice.0, kind: choice.1, ridgeWeight: choice.2, exponent: fits.0.fit?.slope,
                    standardError: fits.0.fit?.standardError, points: fits.0.fit?.points ?? 0,
                    crossoverRadius: fits.1?.0, asymptoticExponent: fits.1?.1.slope,
                    asymptoticStandardError: fits.1?.1.standardError), fits.0
            )
        }
        try context.checkInterrupt()
        // Polar picture: |S|·|ω|² over angle × radius (ridges stay level, other directions fall as 1/|k|).
        let angles = (0..<90).map { Double.pi * (Double($0) + 0.5) / 90 }
        let polarRadii = geometricRadii(radii.first!, radii.last!, count: 30)
        let polarDecays = context.time("directions") { spectrum.directionalDecay(angles: angles, radii: polarRadii) }
        let values = polarRadii.indices.map { r in
            polarDecays.map { d in log10(d.magnitudes[r] * pow(2 * Double.pi * polarRadii[r], 2)) }
        }
        return Result(
            regions: regions, frequencies: points, window: window, edge: edge, directions: directions,
            polar: (angles, polarRadii, values), totalEdgeJump: ridges.reduce(0) { $0 + $1.weight }, slice: record)
    }

    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        let name = URL(fileURLWithPath: configuration.weights.path).lastPathComponent
        let geometry = RegionGeometry(r.regions, pool: folder.pool)
        if let slice = r.slice { try folder.writeJSON(slice, "slice.json") }
        try Regions2D.writeFiles(
            r.regions, geometry, title: "Linear regions of \(name): \(r.regions.regionCount)",
            axes: PictureAxes(configuration.model, r.slice), to: folder)
        var table = CSVTable(header: ["kx", "ky", "window_re", "window_im", "edge_re", "edge_im"])
        for (k, (w, e)) in zip(r.frequencies, zip(r.window, r.edge)) {
            table.append([.double(k.kx), .double(k.ky), .double(w.re), .double(w.im), .double(e.re), .double(e.im)])
        }
        try folder.write(table, "spectrum.csv")
        var directionTable = CSVTable(header: [
            "angle", "angle_degrees", "kind", "ridge_weight", "exponent", "standard_error", "points",
            "crossover_radius", "asymptotic_exponent", "asymptotic_standard_error",
        ])
        let optional = { (x: Double?) -> CSVValue in x.map { .double($0) } ?? .empty }
        for (d, _) in r.directions {
            directionTable.append([
                .double(d.angle), .double(d.angle * 180 / .pi), .text(d.kind), .double(d.ridgeWeight),
                optional(d.exponent), optional(d.standardError), .int(d.points), optional(d.crossoverRadius),
                optional(d.asymptoticExponent), optional(d.asymptoticStandardError),
            ])
        }
        try folder.write(directionTable, "directions.csv")
        try writePictures(r, to: folder)
        return summary(r, geometry)
    }

    private func summary(_ r: Result, _ geometry: RegionGeometry) -> Summary {
        let mesh = r.regions.mesh
        var interiorLength = 0.0
        for e in 0..<mesh.edgeCount where mesh.edgeRight[e] >= 0 {
            interiorLength += hypot(
                mesh.x[Int(mesh.edgeEnd[e])] - mesh.x[Int(mesh.edgeStart[e])],
                mesh.y[Int(mesh.edgeEnd[e])] - mesh.y[Int(mesh.edgeStart[e])])
        }
        var scaled = 0.0
        for (k, s) in zip(r.frequencies, r.edge) where k.kx != 0 || k.ky != 0 {
            scaled = max(scaled, s.magnitude * 4 * Double.pi * Double.pi * (k.kx * k.kx + k.ky * k.ky))
        }
        for (_, d) in r.directions {
            for (radius, m) in zip(d.radii, d.magnitudes) { scaled = max(scaled, m * pow(2 * Double.pi * radius, 2)) }
        }
        // |S(k)|·|ω|² ≤ Σ_E |(g_R − g_L)·ν_E| ≤ 2·L_f·(interior edge length): both as ratios (≤ 1).
        return Summary(
            regions: Regions2D.summary(r.regions, geometry), totalEdgeJump: r.totalEdgeJump,
            interiorEdgeLength: interiorLength,
            spectrumBoundRatio: r.totalEdgeJump > 0 ? scaled / r.totalEdgeJump : 0,
            edgeJumpBoundRatio: interiorLength > 0 ? r.totalEdgeJump / (2 * r.regions.lipschitz * interiorLength) : 0,
            directions: r.directions.map(\.0), frequencies: r.frequencies.count,
            spectrum:
                "edge spectrum S(k) = -T(k)/|2 pi k|^2 (transform of the Laplacian's edge measure); window = integral over the domain"
        )
    }

    private func writePictures(_ r: Result, to folder: OutputFolder) throws {
        try folder.write(
            linePlot(
                title: "Edge spectrum along rays: ridges ~ |k|^-2, generic ~ |k|^-3",
                series: r.directions.filter { $0.0.kind != "requested" }.map { d, decay in
                    Series(
                        name: String(format: "%@ %.1f deg (%.2f)", d.kind, d.angle * 180 / .pi, d.exponent ?? .nan),
                        x: decay.radii, y: decay.magnitudes)
                }, xLabel: "|k| (cycles per unit)", yLabel: "|S(k)|", logX: true, logY: true), "directions")
        try folder.write(
            heatMap(
                title: "log10 |S(k)| (2 pi |k|)^2 by direction: ridges are level lines", values: r.polar.values,
                xValues: r.polar.angles.map { $0 * 180 / .pi }, yValues: r.polar.radii,
                xLabel: "direction of k (degrees)", yLabel: "|k| (cycles per unit)",
                colorLabel: "log10 |S| |2 pi k|^2", logY: true), "polar")
        if case .grid(let g) = configuration.frequencies {
            let axis = r.frequencies.prefix(g.n).map(\.kx)
            let values = (0..<g.n).map { row in (0..<g.n).map { col in log10(r.edge[row * g.n + col].magnitude) } }
            try folder.write(
                heatMap(
                    title: "log10 |edge spectrum S(k)|", values: values, xValues: axis, yValues: axis,
                    xLabel: "kx (cycles per unit)", yLabel: "ky (cycles per unit)", colorLabel: "log10 |S(k)|"),
                "spectrum")
        }
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        s.directions.filter { $0.kind != "requested" }.map { d in
            String(
                format: "%@ direction %.2f deg: exponent %@%@", d.kind, d.angle * 180 / .pi,
                d.exponent.map { String(format: "%.3f ± %.3f", $0, d.standardError ?? .nan) } ?? "n/a",
                crossoverNote(d.crossoverRadius, d.asymptoticExponent, d.asymptoticStandardError))
        } + ["\(s.regions.regions) regions; results in \(folder.path)"]
    }
}

/// "; beyond the crossover at |k| = R: E ± SE" when an asymptotic fit exists.
func crossoverNote(_ radius: Double?, _ exponent: Double?, _ error: Double?) -> String {
    guard let radius, let exponent else { return "" }
    return String(format: "; beyond the crossover at |k| = %.3g: %.3f ± %.3f", radius, exponent, error ?? .nan)
}

/// KMAX:N, an N × N grid of frequencies over [−KMAX, KMAX]².
public struct FrequencyGrid: ExpressibleByArgument, Codable, Sendable, Equatable {
    public let kmax: Double
    public let n: Int
    public init(kmax: Double, n: Int) { (self.kmax, self.n) = (kmax, n) }
    public init(argument: String) throws {
        let pair = try NumberPair(argument: argument)
        guard pair.first > 0, pair.second >= 1, pair.second <= 1024, pair.second == pair.second.rounded() else {
            throw ArgumentValueError("must be KMAX:N with KMAX > 0 and N a whole number from 1 to 1024")
        }
        (kmax, n) = (pair.first, Int(pair.second))
    }
    public static var valueName: String { "KMAX:N" }
    public var argumentDescription: String { "\(formattedNumber(kmax)):\(n)" }
}

/// RMIN:RMAX:COUNT, radii spaced evenly in log.
public struct RadiusRange: ExpressibleByArgument, Codable, Sendable, Equatable {
    public let low: Double, high: Double, count: Int
    public init(low: Double, high: Double, count: Int) { (self.low, self.high, self.count) = (low, high, count) }
    public init(argument: String) throws {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard parts.count == 3, let low = parts[0], let high = parts[1], let count = parts[2], low > 0, high > low,
            high.isFinite, count >= 3, count <= 10_000, count == count.rounded()
        else {
            throw ArgumentValueError("must be RMIN:RMAX:COUNT with 0 < RMIN < RMAX and COUNT from 3 to 10000")
        }
        (self.low, self.high, self.count) = (low, high, Int(count))
    }
    public static var valueName: String { "RMIN:RMAX:COUNT" }
    public var argumentDescription: String { "\(formattedNumber(low)):\(formattedNumber(high)):\(count)" }
    public var values: [Double] { geometricRadii(low, high, count: count) }
}

public struct Exact2DCommand: ExperimentCommand {
    public typealias Runner = Exact2D
    public static let description = CommandDescription(
        name: "exact2d",
        abstract: "Exact Fourier transforms of a 2-D ReLU net and its decay direction by direction (Float64).",
        discussion: """
            Everything regions2d writes, plus spectrum.csv (kx, ky, window transform over the box and edge spectrum, real
            and imaginary parts), directions.csv (fitted exponent of the edge spectrum along the predicted k^-2 ridges,
            the generic direction farthest from them, and --rays evenly spaced directions), summary.json and the
            directions, polar and (with --grid) spectrum pictures. Convention: f~(k) = integral of f(x) exp(-2 pi i k.x) dx.
            """)

    @Option(help: "safetensors file of the network (or --model)") var weights: InputFile?
    @OptionGroup var model: ModelOptions
    @OptionGroup var domain: DomainOptions
    @Option(help: "frequencies KX:KY,KX:KY,… (instead of --grid)") var freqs: PairList?
    @Option(help: "an N × N grid over [-KMAX, KMAX]^2") var grid = FrequencyGrid(kmax: 16, n: 33)
    @Option(help: "predicted ridge directions to fit", check: .within(0...100)) var ridges = 3
    @Option(help: "extra evenly spaced directions to fit", check: .within(0...3600)) var rays = 0
    @Option(help: "log-spaced radii for the fits") var radii = RadiusRange(low: 20, high: 2000, count: 40)
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func validate() throws { try exclusive($freqs, $grid) }

    public func configuration() throws -> Exact2D.Configuration {
        let source = try model.source(weights: weights)
        var c = Exact2D.Configuration(weights: source.file)
        c.model = source
        c.domainFromSlice = source.through != nil && !domain.$box.isGiven && !domain.$polygon.isGiven
        c.domain = domain.domain
        c.maxRegions = domain.maxRegions
        c.frequencies = freqs.map { .list($0.pairs) } ?? .grid(grid)
        (c.ridges, c.rays, c.radii) = (ridges, rays, radii)
        return c
    }
}
