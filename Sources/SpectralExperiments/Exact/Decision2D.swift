import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralPlot
import SpectralSpectra

/// `spectral decision2d`: the exact decision boundary of a 2-input classifier (logit > 0 is class 1), its class
/// regions' areas and connected components, checked against the net's sign on a grid (docs/exact.md).
public struct Decision2D: Experiment {
    public static let name = "decision2d"

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var weights: InputFile
        public var domain: Domain2D
        public var maxRegions = EnumerationLimits.regions.maximumCount
        /// The check grid: side × side points over the domain's bounding box (the notebook's picture is 200 × 200).
        public var gridSide = 200
        /// The model, slice and logit or margin (`--model`, `--through`, …); nil: `weights` as a 2-input net.
        public var model: ModelSource?
        public var domainFromSlice = false

        public init(weights: InputFile, domain: Domain2D) {
            self.weights = weights
            self.domain = domain
        }

        public var inputFiles: [InputFile] { model?.inputFiles ?? [weights] }

        public func validate() throws {
            guard (2...4000).contains(gridSide) else { throw SpectralError.usage("--grid must be 2…4000") }
        }
    }

    public struct Result {
        public let regions: LinearRegions2D
        public let decision: DecisionRegions2D
        public let grid: GridCheck
        public let slice: PreparedNetwork.Record?
    }

    /// The grid's points inside the domain, each classified twice: by the net's Float64 forward pass, and by the
    /// affine map of the region that contains it. Points within `nearBoundary` of {f = 0} (|f| / |∇f| in their
    /// region) are counted apart: there the two may differ by rounding alone.
    public struct GridCheck: Codable, Sendable {
        public let points: Int, nearBoundary: Int, disagreements: Int, outsideEveryRegion: Int
        public static let nearBoundaryDistance = 1e-9
    }

    public struct Summary: Codable, Sendable {
        public let regions: Int, boundarySegments: Int, boundaryLength: Double
        public let positiveComponents: Int, negativeComponents: Int
        public let positiveArea: Double, negativeArea: Double, domainArea: Double
        /// |positive + negative − domain| / domain.
        public let areaError: Double
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
            try PreparedNetwork.plane(
                c.model ?? ModelSource(file: c.weights), domain: c.domain, fromSlice: c.domainFromSlice)
        }
        let network = prepared.chain
        let regions = try context.time("enumeration") {
            try Regions2D.enumerate(network, domain: domain, maxRegions: c.maxRegions, context: context)
        }
        let decision = context.time("decision regions") { DecisionRegions2D(regions) }
        let grid = context.time("grid check") { check(regions, network) }
        return Result(
            regions: regions, decision: decision, grid: grid, slice: prepared.record(c.model?.selection ?? .only))
    }

    /// The grid point (i, j) of the bounding box.
    func gridPoint(_ i: Int, _ j: Int, box: (x: ClosedRange<Double>, y: ClosedRange<Double>)) -> (Double, Double) {
        let n = Double(configuration.gridSide - 1)
        return (
            box.x.lowerBound + Double(i) / n * (box.x.upperBound - box.x.lowerBound),
            box.y.lowerBound + Double(j) / n * (box.y.upperBound - box.y.lowerBound)
        )
    }

    /// Each region visits the grid points of its bounding box (so locating every point costs about one pass).
    func check(_ regions: LinearRegions2D, _ network: ExactNetwork) -> GridCheck {
        let side = configuration.gridSide
        let box = Regions2D.boundingBox(regions)
        var owner = [Int](repeating: -1, count: side * side)
        let mesh = regions.mesh
        // A point on an edge can round to outside both its regions; a slack of 1e-12 of the box lets one claim it
        // (the first, in region order). Its value from that region's map is then off by ~1e-12·L_f at most.
        let slack = 1e-12 * max(box.x.upperBound - box.x.lowerBound, box.y.upperBound - box.y.lowerBound)
        func index(_ v: Double, _ range: ClosedRange<Double>) -> Double {
            (v - range.lowerBound) / (range.upperBound - range.lowerBound) * Double(side - 1)
        }
        for f in 0..<regions.regionCount {
            let corners = mesh.corners(f).map { Int($0) }
            let xs = corners.map { mesh.x[$0] }
            let ys = corners.map { mesh.y[$0] }
            // One column and row of margin: a point on the bounding box's edge may round to either side of it.
            let i0 = max(0, Int(index(xs.min()!, box.x).rounded(.down)))
            let i1 = min(side - 1, Int(index(xs.max()!, box.x)) + 1)
            let j0 = max(0, Int(index(ys.min()!, box.y).rounded(.down)))
            let j1 = min(side - 1, Int(index(ys.max()!, box.y)) + 1)
            guard i0 <= i1, j0 <= j1 else { continue }
            for j in j0...j1 {
                for i in i0...i1 where owner[j * side + i] < 0 {
                    let (x, y) = gridPoint(i, j, box: box)
                    if mesh.contains(face: f, x, y, slack: slack) { owner[j * side + i] = f }
                }
            }
        }
        var (points, near, disagreements, outside) = (0, 0, 0, 0)
        for j in 0..<side {
            for i in 0..<side {
                let (x, y) = gridPoint(i, j, box: box)
                let f = owner[j * side + i]
                guard f >= 0 else {
                    outside += 1
                    continue
                }
                points += 1
                let exact = regions.value(face: f, x, y)
                let slope = hypot(regions.gradientX[f], regions.gradientY[f])
                if abs(exact) <= GridCheck.nearBoundaryDistance * slope {
                    near += 1
                } else if (network(x, y) > 0) != (exact > 0) {
                    disagreements += 1
                }
            }
        }
        return GridCheck(points: points, nearBoundary: near, disagreements: disagreements, outsideEveryRegion: outside)
    }
}

extension Decision2D {
    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        let d = r.decision
        try folder.writeTable(["x0", "y0", "x1", "y1", "region"], count: d.segments.count, "boundary.csv") { i in
            let s = d.segments[i]
            return [.double(s.x0), .double(s.y0), .double(s.x1), .double(s.y1), .int(s.region)]
        }
        try folder.writeTable(
            ["component", "class", "area", "regions", "inside_x", "inside_y"], count: d.components.count,
            "components.csv"
        ) { i in
            let c = d.components[i]
            return [.int(i), .int(c.positive ? 1 : 0), .double(c.area), .int(c.regions), .double(c.x), .double(c.y)]
        }
        try folder.write(picture(r), "decision")
        if let slice = r.slice { try folder.writeJSON(slice, "slice.json") }
        var (positive, negative, length) = (CompensatedSum(), CompensatedSum(), CompensatedSum())
        for a in d.positiveArea { positive.add(a) }
        for a in d.negativeArea { negative.add(a) }
        for s in d.segments { length.add(hypot(s.x1 - s.x0, s.y1 - s.y0)) }
        let domainArea = r.regions.domainArea
        return Summary(
            regions: r.regions.regionCount, boundarySegments: d.segments.count, boundaryLength: length.value,
            positiveComponents: d.components.filter(\.positive).count,
            negativeComponents: d.components.filter { !$0.positive }.count,
            positiveArea: positive.value, negativeArea: negative.value, domainArea: domainArea,
            areaError: abs(positive.value + negative.value - domainArea) / domainArea, grid: r.grid,
            domain: r.regions.domain.map { [$0.x, $0.y] })
    }

    /// The class pieces of every region, the exact boundary drawn over them.
    func picture(_ r: Result) -> Figure {
        let name = URL(fileURLWithPath: configuration.weights.path).lastPathComponent
        return decisionMap(
            r.regions, r.decision,
            title: "Exact decision boundary of \(name): \(r.decision.components.count) class components",
            axes: PictureAxes(configuration.model, r.slice))
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        [
            String(
                format: "%d boundary segments (length %.4g); class 1: %d components, area %.6g; class 0: %d, %.6g",
                s.boundarySegments, s.boundaryLength, s.positiveComponents, s.positiveArea, s.negativeComponents,
                s.negativeArea),
            "grid check: \(s.grid.disagreements) of \(s.grid.points) points disagree (\(s.grid.nearBoundary) within "
                + "1e-9 of the boundary); results in \(folder.path)",
        ]
    }
}

public struct Decision2DCommand: ExperimentCommand {
    public typealias Runner = Decision2D
    public static let description = CommandDescription(
        name: "decision2d",
        abstract: "The exact decision boundary of a 2-input classifier: segments, class areas, components.",
        discussion: """
            Reads safetensors weights (2 inputs, 1 output: a logit, class 1 where it is > 0) and finds the linear
            regions on the domain (Float64), then {f = 0} as exact segments, {f > 0} and {f < 0} with their areas
            and connected components, and checks the net's sign on a --grid × --grid lattice against the region
            that holds each point. Writes boundary.csv (x0,y0,x1,y1,region), components.csv
            (component,class,area,regions,inside_x,inside_y), the decision picture, summary.json and run.json.
            For exp6's nets use --box -1.6:1.6,-1.6:1.6 (the notebook's picture).
            """)

    @Option(help: "safetensors file of the classifier (or --model)") var weights: InputFile?
    @OptionGroup var model: ModelOptions
    @OptionGroup var domain: DomainOptions
    @Option(help: "points per side of the check grid", check: .within(2...4000)) var grid = 200
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func configuration() throws -> Decision2D.Configuration {
        let source = try model.source(weights: weights)
        var c = Decision2D.Configuration(weights: source.file, domain: domain.domain)
        (c.maxRegions, c.gridSide, c.model) = (domain.maxRegions, grid, source)
        c.domainFromSlice = source.through != nil && !domain.$box.isGiven && !domain.$polygon.isGiven
        return c
    }
}

/// The class regions of a 2-input classifier as a picture: the pieces {f > 0} and {f < 0} of every linear region,
/// the exact boundary {f = 0} in black, `series` (paths, samples) over them.
func decisionMap(
    _ regions: LinearRegions2D, _ decision: DecisionRegions2D, title: String, series: [Series] = [],
    axes: PictureAxes = PictureAxes(nil, nil)
) -> Figure {
    var (polygons, values) = ([[(x: Double, y: Double)]](), [Double]())
    for f in 0..<regions.regionCount {
        let pieces = DecisionRegions2D.pieces(of: f, in: regions)
        for (polygon, value) in [(pieces.positive, 1.0), (pieces.negative, 0)] where polygon.count >= 3 {
            polygons.append(polygon)
            values.append(value)
        }
    }
    let segments = decision.segments.map { (Segment($0.x0, $0.y0, $0.x1, $0.y1), RGB.black, 2.0) }
    let box = Regions2D.boundingBox(regions)
    let shade = ColorScale(range: 0...1, label: "class (logit > 0)") {
        $0 > 0.5 ? RGB(250, 200, 200) : RGB(200, 220, 245)
    }
    return polygonMap(
        title: title, polygons: polygons, values: values, segments: segments, xRange: box.x, yRange: box.y,
        xLabel: axes.names[0], yLabel: axes.names[1], colorScale: shade, series: series + axes.marks)
}
