import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralPlot
import SpectralSpectra

/// `spectral regions2d`: the linear regions of a 2-D network on a box or a convex polygon (docs/exact.md).
public struct Regions2D: Experiment {
    public static let name = "regions2d"

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var weights: InputFile
        public var domain: Domain2D
        /// The enumeration stops with an error beyond this many regions.
        public var maxRegions = EnumerationLimits.regions.maximumCount
        /// The model, slice and output (`--model`, `--through`, …); nil: `weights` as a 2-input net.
        public var model: ModelSource?
        /// The domain is the slice's default box (no --box or --polygon was given with --through).
        public var domainFromSlice = false

        public init(weights: InputFile, domain: Domain2D = .unitBox) {
            self.weights = weights
            self.domain = domain
        }

        public var inputFiles: [InputFile] { model?.inputFiles ?? [weights] }

        func prepared() throws -> (PreparedNetwork, Domain2D) {
            try PreparedNetwork.plane(model ?? ModelSource(file: weights), domain: domain, fromSlice: domainFromSlice)
        }
    }

    public struct Result {
        public let regions: LinearRegions2D
        public let slice: PreparedNetwork.Record?
    }

    public struct Summary: Codable, Sendable {
        public let regions: Int, edges: Int, vertices: Int, interiorEdges: Int, flatEdges: Int
        public let areaError: Double, smallestArea: Double, regionsPerUnitArea: Double, lipschitz: Double
        public let ambiguousCells: Int
        public let box: [[Double]]
        public let domain: [[Double]]
        public let domainArea: Double
        public let precision: String
        public let hiddenSizes: [Int]
    }

    public let configuration: Configuration
    let network: ExactNetwork?

    public init(_ configuration: Configuration) throws { try self.init(configuration, network: nil) }

    /// With a network in memory (a net just trained), which the weights file's path then only names.
    public init(_ configuration: Configuration, network: ExactNetwork?) throws {
        self.configuration = configuration
        self.network = network
    }

    public func run(_ context: RunContext) throws -> Result {
        var (network, domain, record) = (self.network, configuration.domain, PreparedNetwork.Record?.none)
        if network == nil {
            let (prepared, resolved) = try context.time("model") { try configuration.prepared() }
            (network, domain, record) = (
                prepared.chain, resolved, prepared.record(configuration.model?.selection ?? .only)
            )
        }
        let regions = try context.time("enumeration") {
            try Regions2D.enumerate(network!, domain: domain, maxRegions: configuration.maxRegions, context: context)
        }
        return Result(regions: regions, slice: record)
    }

    /// The regions, a bad domain reported as a bad option.
    static func enumerate(
        _ network: ExactNetwork, domain: Domain2D, maxRegions: Int, context: RunContext
    ) throws -> LinearRegions2D {
        var limits = EnumerationLimits.regions
        limits.maximumCount = maxRegions
        let progress = context.progress(total: network.hiddenSizes.count, unit: "layers")
        limits.progress = { done, _ in progress.update(done) }
        // The domain comes from the options: what the engine would refuse as bad input is a bad option here.
        do {
            _ = try validatedPolygon(domain.corners)
        } catch SpectralError.badInput(let message) {
            throw SpectralError.usage(message)
        }
        return try enumerateRegions(network, domain: domain.corners, pool: context.pool, limits: limits)
    }

    public func write(_ result: Result, to folder: OutputFolder) throws -> Summary {
        let regions = result.regions
        if let slice = result.slice { try folder.writeJSON(slice, "slice.json") }
        let geometry = RegionGeometry(regions, pool: folder.pool)
        try Regions2D.writeFiles(
            regions, geometry,
            title:
                "Linear regions of \(URL(fileURLWithPath: configuration.weights.path).lastPathComponent): \(regions.regionCount)",
            axes: PictureAxes(configuration.model, result.slice), to: folder)
        return Regions2D.summary(regions, geometry)
    }

    static func writeFiles(
        _ regions: LinearRegions2D, _ geometry: RegionGeometry, title: String, axes: PictureAxes,
        to folder: OutputFolder
    ) throws {
        let mesh = regions.mesh
        try folder.writeTable(
            ["region", "area", "centroid_x", "centroid_y", "gradient_x", "gradient_y", "offset", "vertices"],
            count: regions.regionCount, "regions.csv"
        ) { f in
            [
                .int(f), .double(geometry.area[f]), .double(geometry.centroidX[f]), .double(geometry.centroidY[f]),
                .double(regions.gradientX[f]), .double(regions.gradientY[f]), .double(regions.offset[f]),
                .int(mesh.faceOffsets[f + 1] - mesh.faceOffsets[f]),
            ]
        }
        try folder.write(regionPicture(regions, geometry, title: title, axes: axes), "regions")
    }

    static func summary(_ regions: LinearRegions2D, _ geometry: RegionGeometry) -> Summary {
        let mesh = regions.mesh
        let domainArea = regions.domainArea
        let interior = (0..<mesh.edgeCount).filter { mesh.edgeRight[$0] >= 0 }
        let box = boundingBox(regions)
        var total = CompensatedSum()
        for a in geometry.area { total.add(a) }
        return Summary(
            regions: regions.regionCount, edges: mesh.edgeCount, vertices: mesh.vertexCount,
            interiorEdges: interior.count, flatEdges: interior.filter { regions.isFlat(edge: $0) }.count,
            areaError: abs(total.value - domainArea) / domainArea, smallestArea: geometry.area.min() ?? 0,
            regionsPerUnitArea: Double(regions.regionCount) / domainArea, lipschitz: regions.lipschitz,
            ambiguousCells: regions.ambiguousCells,
            box: [[box.x.lowerBound, box.x.upperBound], [box.y.lowerBound, box.y.upperBound]],
            domain: regions.domain.map { [$0.x, $0.y] }, domainArea: domainArea,
            precision: "Float64 (the weights file's values; F32 widened once)", hiddenSizes: regions.hiddenSizes)
    }

    static func boundingBox(_ regions: LinearRegions2D) -> (x: ClosedRange<Double>, y: ClosedRange<Double>) {
        let d = regions.domain
        return (d.map(\.x).min()!...d.map(\.x).max()!, d.map(\.y).min()!...d.map(\.y).max()!)
    }

    /// Regions coloured by f at their centroid; edges drawn while there are few enough to see (≤ 20,000).
    static func regionPicture(
        _ regions: LinearRegions2D, _ geometry: RegionGeometry, title: String, axes: PictureAxes
    ) -> Figure {
        let mesh = regions.mesh
        let polygons = (0..<regions.regionCount).map { f in
            mesh.corners(f).map { (x: mesh.x[Int($0)], y: mesh.y[Int($0)]) }
        }
        let values = (0..<regions.regionCount).map {
            regions.value(face: $0, geometry.centroidX[$0], geometry.centroidY[$0])
        }
        let segments =
            mesh.edgeCount > 20_000
            ? []
            : (0..<mesh.edgeCount).map { e -> (Segment, RGB, Double) in
                let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
                return (Segment(mesh.x[p], mesh.y[p], mesh.x[q], mesh.y[q]), RGB(40, 40, 40), 1)
            }
        let box = boundingBox(regions)
        return polygonMap(
            title: title, polygons: polygons, values: values, segments: segments, xRange: box.x, yRange: box.y,
            xLabel: axes.names[0], yLabel: axes.names[1], colorLabel: "f at region centroid", series: axes.marks)
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        [
            String(
                format: "%d regions, %d edges, %d vertices; L_f = %.4g; results in %@", s.regions, s.edges, s.vertices,
                s.lipschitz, folder.path)
        ]
    }
}

public struct Regions2DCommand: ExperimentCommand {
    public typealias Runner = Regions2D
    public static let description = CommandDescription(
        name: "regions2d",
        abstract: "The linear regions of a 2-D ReLU net on a box: exact polygons, affine maps, patterns (Float64).",
        discussion: """
            Reads safetensors weights (input size 2, output size 1; F64 values stay Float64). Writes regions.csv (region,
            area, centroid, gradient, offset, vertex count), summary.json (regions, edges, vertices, area_error, ...), the
            regions picture (PNG and SVG) and run.json.
            """)

    @Option(help: "safetensors file of the network (or --model)") var weights: InputFile?
    @OptionGroup var model: ModelOptions
    @OptionGroup var domain: DomainOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func configuration() throws -> Regions2D.Configuration {
        let source = try model.source(weights: weights)
        var c = Regions2D.Configuration(weights: source.file, domain: domain.domain)
        c.maxRegions = domain.maxRegions
        c.model = source
        c.domainFromSlice = source.through != nil && !domain.$box.isGiven && !domain.$polygon.isGiven
        return c
    }
}

/// Every region's area and centroid, computed once (in parallel) for the table, the summary and the picture.
struct RegionGeometry {
    let area: [Double], centroidX: [Double], centroidY: [Double]

    init(_ regions: LinearRegions2D, pool: ThreadPool) {
        let chunks = pool.mapChunks(count: regions.regionCount, chunkSize: 4096) { range in
            range.map { regions.mesh.areaAndCentroid($0) }
        }
        let all = chunks.flatMap { $0 }
        (area, centroidX, centroidY) = (all.map(\.area), all.map(\.cx), all.map(\.cy))
    }
}
