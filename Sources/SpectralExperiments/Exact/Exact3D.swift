import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralPlot
import SpectralSpectra

/// `spectral exact3d`: exact transforms of a 3-D network on a box and Theorem 1's three rates, direction by
/// direction (docs/exact.md, "3-D transforms").
public struct Exact3D: Experiment {
    public static let name = "exact3d"

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var regions: Regions3D.Configuration
        /// spectrum.csv: an n × n × n grid over [−kmax, kmax]³.
        public var grid = FrequencyGrid(kmax: 4, n: 9)
        public var normals = 3
        public var edges = 3
        public var radii = RadiusRange(low: 20, high: 2000, count: 40)
        /// The sphere picture's |k| (default: the largest radius).
        public var sphereRadius: Double?

        public init(regions: Regions3D.Configuration) { self.regions = regions }
        public var inputFiles: [InputFile] { regions.inputFiles }

        public func validate() throws {
            try regions.validate()
            guard grid.n <= 33 else {
                throw SpectralError.usage("--grid allows at most 33 points per axis (35,937 in all)")
            }
            guard (0...20).contains(normals), (0...20).contains(edges) else {
                throw SpectralError.usage("--normals and --edges must be 0…20")
            }
            if let r = sphereRadius, !(r > 0 && r.isFinite) {
                throw SpectralError.usage("--sphere-radius must be positive")
            }
        }
    }

    /// One fitted direction: k along `direction`; for `edge` rows, on the great circle orthogonal to `edge_direction`.
    public struct Direction: Codable, Sendable {
        public let kind: String
        public let direction: [Double]
        public let edgeDirection: [Double]?
        public let weight: Double
        public let expectedExponent: Double
        public let exponent: Double?, standardError: Double?
        public let crossoverRadius: Double?, asymptoticExponent: Double?, asymptoticStandardError: Double?
    }

    public struct Result {
        public let regions: LinearRegions3D
        public let regionsRun: Regions3D.Result
        public let frequencies: [SIMD3<Double>]
        public let window: [Complex], face: [Complex]
        public let directions: [(Direction, DirectionalDecay3D)]
        public let sphere: (longitudes: [Double], latitudes: [Double], values: [[Double]], radius: Double)
    }

    public struct Summary: Codable, Sendable {
        public let regions: Regions3D.Summary
        public let directions: [Direction]
        public let frequencies: Int
        public let spectrum: String
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws { self.configuration = configuration }

    public func run(_ context: RunContext) throws -> Result {
        let c = configuration
        let regionsRun = try Regions3D(c.regions).run(context)
        let regions = regionsRun.regions
        try context.checkInterrupt()
        let spectrum = ExactSpectrum3D(regions, pool: context.pool)
        let axis = (0..<c.grid.n).map {
            c.grid.n == 1 ? 0 : -c.grid.kmax + 2 * c.grid.kmax * Double($0) / Double(c.grid.n - 1)
        }
        let points = axis.flatMap { z in axis.flatMap { y in axis.map { x in SIMD3(x, y, z) } } }
        let (window, face) = context.time("transforms") { (spectrum.window(points), spectrum.faceSpectrum(points)) }
        try context.checkInterrupt()
        let directions = context.time("directions") { fittedDirections(spectrum) }
        try context.checkInterrupt()
        let sphere = context.time("sphere") { spherePicture(spectrum) }
        try context.checkInterrupt()
        return Result(
            regions: regions, regionsRun: regionsRun, frequencies: points, window: window, face: face,
            directions: directions, sphere: sphere)
    }

    /// The heaviest face normals (−2), points on the great circles orthogonal to the heaviest edge directions (−3),
    /// and the direction farthest from all of them (−4); each fitted on the radii, and beyond its crossover.
    func fittedDirections(_ spectrum: ExactSpectrum3D) -> [(Direction, DirectionalDecay3D)] {
        let c = configuration
        let (normals, edges) = (spectrum.faceNormals(), spectrum.edgeDirections())
        var chosen: [(kind: String, u: SIMD3<Double>, edge: SIMD3<Double>?, weight: Double, expected: Double)] =
            normals.prefix(c.normals).map { ("normal", $0.direction, nil, $0.weight, -2) }
        for (i, e) in edges.prefix(c.edges).enumerated() {
            var others = normals + edges
            others.remove(at: normals.count + i)
            let u = farthestDirection(from: others, candidates: greatCircle(orthogonalTo: e.direction, count: 3600))
            chosen.append(("edge", u.direction, e.direction, e.weight, -3))
        }
        let generic = farthestDirection(from: normals + edges, candidates: fibonacciSphere(count: 20_000))
        chosen.append(("generic", generic.direction, nil, 0, -4))
        let decays = spectrum.directionalDecay(directions: chosen.map(\.u), radii: c.radii.values)
        return zip(chosen, decays).map { choice, decay in
            // Along normals and edge circles the finite-band rate is the final one; only generic directions cross over.
            let asymptotic = choice.kind == "generic" ? asymptoticFit(spectrum, choice.u) : nil
            let d = Direction(
                kind: choice.kind, direction: [choice.u.x, choice.u.y, choice.u.z],
                edgeDirection: choice.edge.map { [$0.x, $0.y, $0.z] }, weight: choice.weight,
                expectedExponent: choice.expected, exponent: decay.fit?.slope, standardError: decay.fit?.standardError,
                crossoverRadius: asymptotic?.0, asymptoticExponent: asymptotic?.1.slope,
                asymptoticStandardError: asymptotic?.1.standardError)
            return (d, decay)
        }
    }

    private func asymptoticFit(_ spectrum: ExactSpectrum3D, _ u: SIMD3<Double>) -> (Double, DecayFit)? {
        guard let r = spectrum.crossoverRadius(direction: u, start: configuration.radii.low),
            let fit = spectrum.directionalDecay(directions: [u], radii: geometricRadii(r, 100 * r, count: 40))[0].fit
        else { return nil }
        return (r, fit)
    }

    /// log10 |S(r·u)|·|2πr|² over an equirectangular grid of directions: face normals are bright points (|k|⁻²
    /// keeps this level), the great circles orthogonal to edges bright curves, the rest dark.
    func spherePicture(
        _ spectrum: ExactSpectrum3D
    ) -> (
        longitudes: [Double], latitudes: [Double], values: [[Double]], radius: Double
    ) {
        let r = configuration.sphereRadius ?? configuration.radii.high
        let longitudes = (0..<72).map { 5 * Double($0) + 2.5 }
        let latitudes = (0..<36).map { -90 + 5 * Double($0) + 2.5 }
        let ks = latitudes.flatMap { lat in
            longitudes.map { lon in
                let (a, b) = (lat * .pi / 180, lon * .pi / 180)
                return r * SIMD3(cos(a) * cos(b), cos(a) * sin(b), sin(a))
            }
        }
        let scale = pow(2 * Double.pi * r, 2)
        let values = spectrum.faceSpectrum(ks).map { log10($0.magnitude * scale) }
        return (longitudes, latitudes, latitudes.indices.map { Array(values[($0 * 72)..<(($0 + 1) * 72)]) }, r)
    }

    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        let regionsSummary = try Regions3D(configuration.regions).write(r.regionsRun, to: folder)
        var table = CSVTable(header: ["kx", "ky", "kz", "window_re", "window_im", "face_re", "face_im"])
        for (k, (w, s)) in zip(r.frequencies, zip(r.window, r.face)) {
            table.append([
                .double(k.x), .double(k.y), .double(k.z), .double(w.re), .double(w.im), .double(s.re), .double(s.im),
            ])
        }
        try folder.write(table, "spectrum.csv")
        let optional = { (x: Double?) -> CSVValue in x.map { .double($0) } ?? .empty }
        var directions = CSVTable(header: [
            "kind", "x", "y", "z", "edge_x", "edge_y", "edge_z", "weight", "expected_exponent", "exponent",
            "standard_error", "crossover_radius", "asymptotic_exponent", "asymptotic_standard_error",
        ])
        for (d, _) in r.directions {
            directions.append(
                [.text(d.kind)] + d.direction.map { .double($0) } + (0..<3).map { optional(d.edgeDirection?[$0]) }
                    + [.double(d.weight), .double(d.expectedExponent)]
                    + [d.exponent, d.standardError, d.crossoverRadius, d.asymptoticExponent, d.asymptoticStandardError]
                    .map(optional))
        }
        try folder.write(directions, "directions.csv")
        try writePictures(r, to: folder)
        return Summary(
            regions: regionsSummary, directions: r.directions.map(\.0), frequencies: r.frequencies.count,
            spectrum:
                "face spectrum S(k) = -T(k)/|2 pi k|^2 (transform of the Laplacian's face measure); "
                + "window = integral over the box"
        )
    }

    private func writePictures(_ r: Result, to folder: OutputFolder) throws {
        try folder.write(
            linePlot(
                title: "Face spectrum along rays: normals ~ |k|^-2, edges ~ |k|^-3, generic ~ |k|^-4",
                series: r.directions.map { d, decay in
                    Series(
                        name: String(format: "%@ (%.2f)", d.kind, d.exponent ?? .nan), x: decay.radii,
                        y: decay.magnitudes)
                }, xLabel: "|k| (cycles per unit)", yLabel: "|S(k)|", logX: true, logY: true), "directions")
        try folder.write(
            heatMap(
                title: String(format: "log10 |S(k)| (2 pi |k|)^2 over directions at |k| = %g", r.sphere.radius),
                values: r.sphere.values, xValues: r.sphere.longitudes, yValues: r.sphere.latitudes,
                xLabel: "longitude of k (degrees)", yLabel: "latitude of k (degrees)",
                colorLabel: "log10 |S| |2 pi k|^2"),
            "sphere")
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        s.directions.map { d in
            String(
                format: "%@ direction: exponent %@ (Theorem 1: %.0f)%@", d.kind,
                d.exponent.map { String(format: "%.3f ± %.3f", $0, d.standardError ?? .nan) } ?? "n/a",
                d.expectedExponent,
                crossoverNote(d.crossoverRadius, d.asymptoticExponent, d.asymptoticStandardError))
        } + ["\(s.regions.cells) cells; results in \(folder.path)"]
    }
}

public struct Exact3DCommand: ExperimentCommand {
    public typealias Runner = Exact3D
    public static let description = CommandDescription(
        name: "exact3d",
        abstract:
            "Exact Fourier transforms of a 3-D ReLU net and Theorem 1's three decay rates by direction (Float64).",
        discussion: """
            Everything regions3d writes, plus spectrum.csv (kx, ky, kz, window transform over the box and face spectrum,
            real and imaginary parts), directions.csv (fitted exponent of the face spectrum along the heaviest face
            normals, expected -2; on great circles orthogonal to the heaviest edge directions, -3; in the direction
            farthest from all of them, -4; with the predicted crossover radius and the exponent fitted beyond it),
            summary.json, the directions picture and the sphere picture. Convention: f~(k) = integral of f(x)
            exp(-2 pi i k.x) dx.
            """)

    @OptionGroup var regions: Regions3DOptions
    @Option(help: "an N × N × N grid over [-KMAX, KMAX]^3 for spectrum.csv") var grid = FrequencyGrid(kmax: 4, n: 9)
    @Option(help: "heaviest face normals to fit", check: .within(0...20)) var normals = 3
    @Option(help: "heaviest edge directions to fit", check: .within(0...20)) var edges = 3
    @Option(help: "log-spaced radii for the fits") var radii = RadiusRange(low: 20, high: 2000, count: 40)
    @Option(help: "|k| of the sphere picture (default: the largest radius)", check: .positive) var sphereRadius: Double?
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func configuration() throws -> Exact3D.Configuration {
        var c = Exact3D.Configuration(regions: try regions.configuration())
        (c.grid, c.normals, c.edges, c.radii, c.sphereRadius) = (grid, normals, edges, radii, sphereRadius)
        return c
    }
}
