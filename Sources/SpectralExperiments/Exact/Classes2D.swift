import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralPlot
import SpectralSpectra

/// `spectral classes2d`: the exact argmax (class) regions of a multi-output model on a plane through its input
/// space, their areas and connected components, checked against the argmax of the whole model on a grid
/// (docs/models.md).
public struct Classes2D: Experiment {
    public static let name = "classes2d"

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var model: ModelSource
        public var domain: Domain2D = .unitBox
        public var domainFromSlice = false
        public var maxRegions = EnumerationLimits.regions.maximumCount
        /// The check grid: side × side points over the domain's bounding box.
        public var gridSide = 200

        public init(model: ModelSource) { self.model = model }
        public var inputFiles: [InputFile] { model.inputFiles }

        public func validate() throws {
            guard (2...4000).contains(gridSide) else { throw SpectralError.usage("--grid must be 2…4000") }
            guard model.selection == .only else {
                throw SpectralError.usage("classes2d studies every logit: --output and --margin belong to decision2d")
            }
        }
    }

    /// Grid points classified twice: by the region that holds them and by the whole model's argmax there. A point
    /// where the two differ is excused (`nearBoundary`) when the model's argmax changes within
    /// `nearBoundaryDistance` of it (in slice units; four neighbours), and is a disagreement otherwise.
    public struct GridCheck: Codable, Sendable {
        public let points: Int, nearBoundary: Int, disagreements: Int, outsideEveryRegion: Int
        public static let nearBoundaryDistance = 1e-9
    }

    public struct Result {
        public let regions: LinearRegions2D
        let geometry: RegionGeometry
        public let classes: ArgmaxRegions2D
        public let classCount: Int
        public let grid: GridCheck
        public let slice: PreparedNetwork.Record?
    }

    public struct Summary: Codable, Sendable {
        public let regions: Int, classes: Int, components: Int
        public let classAreas: [Double], componentsPerClass: [Int]
        public let domainArea: Double, areaError: Double
        public let grid: GridCheck
        public let domain: [[Double]]
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func run(_ context: RunContext) throws -> Result {
        let c = configuration
        let (prepared, domain) = try context.time("model") {
            try PreparedNetwork.plane(c.model, domain: c.domain, fromSlice: c.domainFromSlice, argmax: true)
        }
        let regions = try context.time("enumeration") {
            try Regions2D.enumerate(prepared.chain, domain: domain, maxRegions: c.maxRegions, context: context)
        }
        try context.checkInterrupt()
        let geometry = RegionGeometry(regions, pool: context.pool)
        let classes = context.time("classes") {
            ArgmaxRegions2D(
                regions, classes: prepared.whole.outputCount, area: geometry.area,
                centroid: zip(geometry.centroidX, geometry.centroidY).map { ($0, $1) },
                logits: prepared.restricted.evaluate)
        }
        try context.checkInterrupt()
        let reference = prepared.slice.map { prepared.whole.restricted(to: $0, box: nil) } ?? prepared.whole
        let grid = context.time("grid check") { check(regions, classes, reference: reference, pool: context.pool) }
        return Result(
            regions: regions, geometry: geometry, classes: classes, classCount: prepared.whole.outputCount, grid: grid,
            slice: prepared.record(.only))
    }

    /// The argmax of `reference` (the model on the plane, not simplified on the box) at every grid point against
    /// the class of the region that holds it.
    func check(
        _ regions: LinearRegions2D, _ classes: ArgmaxRegions2D, reference: PiecewiseLinearNetwork, pool: ThreadPool
    ) -> GridCheck {
        let side = configuration.gridSide
        let box = Regions2D.boundingBox(regions)
        let h = GridCheck.nearBoundaryDistance
        let argmax = { (t: [Double]) -> Int in argmaxIndex(reference.evaluate(t)) }
        let rows = pool.mapChunks(count: side, chunkSize: 4) { range -> [(Int, Int, Int, Int)] in
            range.map { j in
                var (points, near, wrong, outside) = (0, 0, 0, 0)
                for i in 0..<side {
                    let x = box.x.lowerBound + Double(i) / Double(side - 1) * (box.x.upperBound - box.x.lowerBound)
                    let y = box.y.lowerBound + Double(j) / Double(side - 1) * (box.y.upperBound - box.y.lowerBound)
                    guard let f = classes.region(containing: x, y) else {
                        outside += 1
                        continue
                    }
                    points += 1
                    let c = argmax([x, y])
                    guard c != Int(classes.regionClass[f]) else { continue }
                    // A disagreement is excused only where the argmax itself changes within the distance.
                    if [[x + h, y], [x - h, y], [x, y + h], [x, y - h]].contains(where: { argmax($0) != c }) {
                        near += 1
                    } else {
                        wrong += 1
                    }
                }
                return (points, near, wrong, outside)
            }
        }.flatMap { $0 }
        return GridCheck(
            points: rows.reduce(0) { $0 + $1.0 }, nearBoundary: rows.reduce(0) { $0 + $1.1 },
            disagreements: rows.reduce(0) { $0 + $1.2 }, outsideEveryRegion: rows.reduce(0) { $0 + $1.3 })
    }
}

extension Classes2D {
    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        let (g, k) = (r.geometry, r.classes)
        if let slice = r.slice { try folder.writeJSON(slice, "slice.json") }
        try folder.writeTable(
            ["region", "area", "centroid_x", "centroid_y", "class", "component"], count: r.regions.regionCount,
            "regions.csv"
        ) { f in
            [
                .int(f), .double(g.area[f]), .double(g.centroidX[f]), .double(g.centroidY[f]),
                .int(Int(k.regionClass[f])), .int(Int(k.regionComponent[f])),
            ]
        }
        try folder.writeTable(
            ["component", "class", "area", "regions", "inside_x", "inside_y"], count: k.components.count,
            "components.csv"
        ) { i in
            let c = k.components[i]
            return [.int(i), .int(c.classIndex), .double(c.area), .int(c.regions), .double(c.x), .double(c.y)]
        }
        try folder.write(classPicture(r), "classes")
        let domainArea = r.regions.domainArea
        var total = CompensatedSum()
        for a in k.classArea { total.add(a) }
        let perClass = (0..<r.classCount).map { c in k.components.filter { $0.classIndex == c }.count }
        return Summary(
            regions: r.regions.regionCount, classes: r.classCount, components: k.components.count,
            classAreas: k.classArea, componentsPerClass: perClass, domainArea: domainArea,
            areaError: abs(total.value - domainArea) / domainArea, grid: r.grid,
            domain: r.regions.domain.map { [$0.x, $0.y] })
    }

    /// Regions coloured by class (a legend-like colour scale over the class numbers), the given points marked.
    func classPicture(_ r: Result) -> Figure {
        let mesh = r.regions.mesh
        let polygons = (0..<r.regions.regionCount).map { f in
            mesh.corners(f).map { (x: mesh.x[Int($0)], y: mesh.y[Int($0)]) }
        }
        let box = Regions2D.boundingBox(r.regions)
        let axes = PictureAxes(configuration.model, r.slice)
        return polygonMap(
            title: "Argmax regions of \(URL(fileURLWithPath: configuration.model.file.path).lastPathComponent)",
            polygons: polygons, values: r.classes.regionClass.map(Double.init), segments: [], xRange: box.x,
            yRange: box.y, xLabel: axes.names[0], yLabel: axes.names[1],
            colorScale: ColorScale(range: 0...Double(max(r.classCount - 1, 1)), label: "class (argmax logit)"),
            series: axes.marks)
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        [
            "\(s.regions) regions, \(s.classes) classes in \(s.components) components; grid: \(s.grid.disagreements) of "
                + "\(s.grid.points) points disagree (\(s.grid.nearBoundary) within 1e-9 of a boundary); results in "
                + folder.path
        ]
    }
}

public struct Classes2DCommand: ExperimentCommand {
    public typealias Runner = Classes2D
    public static let description = CommandDescription(
        name: "classes2d",
        abstract: "The exact argmax regions of a multi-class model on a plane: classes, areas, components.",
        discussion: """
            Reads an ONNX or safetensors model with several outputs (logits) and a plane through its input space
            (--through, or a 2-input model). Each linear region of the model with an argmax tournament of pairwise
            maxima appended has one class. Writes regions.csv (region, area, centroid, class, component),
            components.csv (component, class, area, regions, inside_x, inside_y), the classes picture with the given
            points marked, slice.json, summary.json (class areas, components, the grid check against the model's own
            argmax) and run.json.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var domain: DomainOptions
    @Option(help: "points per side of the check grid", check: .within(2...4000)) var grid = 200
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func configuration() throws -> Classes2D.Configuration {
        var c = Classes2D.Configuration(model: try model.source(weights: nil))
        (c.domain, c.maxRegions, c.gridSide) = (domain.domain, domain.maxRegions, grid)
        c.domainFromSlice = c.model.through != nil && !domain.$box.isGiven && !domain.$polygon.isGiven
        return c
    }
}
