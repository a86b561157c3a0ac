import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralPlot
import SpectralSpectra

/// `spectral regions3d`: the linear regions of a 3-D network on a box (docs/exact.md, "Regions in 3-D").
public struct Regions3D: Experiment {
    public static let name = "regions3d"

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var weights: InputFile
        public var box = Box3DRanges(x: NumberPair(-1, 1), y: NumberPair(-1, 1), z: NumberPair(-1, 1))
        /// Planes x_axis = value drawn as pictures.
        public var slices = PlaneSlices.middle
        /// The enumeration stops with an error beyond this many cells.
        public var maxCells = EnumerationLimits.regions.maximumCount
        /// The domain is the box cut to these half-spaces (none: the box).
        public var halfSpaces: HalfSpaceList?
        /// The model, slice and output (`--model`, `--through`, …); nil: `weights` as a 3-input net.
        public var model: ModelSource?
        /// The box is the slice's default box (no --box was given with --through); slices through its middle.
        public var domainFromSlice = false
        /// `--classes`: the argmax regions of a multi-logit model (its cells with an argmax tournament appended).
        public var classes: Bool?

        public init(weights: InputFile) { self.weights = weights }
        public var inputFiles: [InputFile] { model?.inputFiles ?? [weights] }

        var box3D: Box3D {
            Box3D(
                lower: SIMD3(box.x.first, box.y.first, box.z.first),
                upper: SIMD3(box.x.second, box.y.second, box.z.second))
        }

        public func validate() throws {
            if domainFromSlice { return }  // the box is known once the slice is read
            let b = box3D
            for s in slices.planes where !(b.lower[s.axis]...b.upper[s.axis]).contains(s.value) {
                throw SpectralError.usage("--slices: \(s.text) lies outside the box")
            }
        }
    }

    public struct Summary: Codable, Sendable {
        public let cells: Int, faces: Int, edges: Int, vertices: Int, interiorFaces: Int
        public let eulerCharacteristic: Int
        public let volumeError: Double, smallestVolume: Double, cellsPerUnitVolume: Double, lipschitz: Double
        public let ambiguousCells: Int
        public let box: [[Double]], boxVolume: Double
        /// Each half-space as (A, B, C, D): A·x + B·y + C·z ≤ D; the domain is the box cut to them.
        public let halfSpaces: [[Double]], domainVolume: Double
        public let slices: [String]
        public let precision: String
        public let hiddenSizes: [Int]
        /// With --classes: each class's volume and number of components.
        public var classVolumes: [Double]?, componentsPerClass: [Int]?
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws { self.configuration = configuration }

    public struct Result {
        public let regions: LinearRegions3D
        public let slice: PreparedNetwork.Record?
        /// The configuration with the box resolved (the slice's default box when it came from the slice).
        public let resolved: Configuration
        /// With --classes: the model on the 3-space (every logit), which classifies each cell.
        public let logits: PiecewiseLinearNetwork?
    }

    /// The network for the 3-D engine and the configuration with its box resolved.
    func prepared() throws -> (PreparedNetwork, Configuration) {
        let c = configuration
        let given = [c.box.x.first...c.box.x.second, c.box.y.first...c.box.y.second, c.box.z.first...c.box.z.second]
        let prepared = try PreparedNetwork(
            c.model ?? ModelSource(file: c.weights), dimension: 3, box: c.domainFromSlice ? nil : given,
            argmax: c.classes == true)
        var resolved = c
        if c.domainFromSlice, let b = prepared.box {
            let pairs = b.map { NumberPair($0.lowerBound, $0.upperBound) }
            resolved.box = Box3DRanges(x: pairs[0], y: pairs[1], z: pairs[2])
            resolved.slices = try PlaneSlices(argument: "z=\((b[2].lowerBound + b[2].upperBound) / 2)")
            resolved.domainFromSlice = false
        }
        return (prepared, resolved)
    }

    public func run(_ context: RunContext) throws -> Result {
        let (prepared, resolved) = try context.time("model") { try self.prepared() }
        try resolved.validate()
        let network = prepared.chain
        let configuration = resolved
        var limits = EnumerationLimits.regions
        limits.maximumCount = configuration.maxCells
        limits.option = "--max-cells"
        let progress = context.progress(total: network.hiddenSizes.count, unit: "layers")
        limits.progress = { done, _ in progress.update(done) }
        let halfSpaces = configuration.halfSpaces?.spaces ?? []
        // The polytope comes from the options: an empty one, which the engine refuses as bad input, is a bad option.
        do {
            _ = try domainVolume(box: configuration.box3D, halfSpaces: halfSpaces, pool: context.pool)
        } catch SpectralError.badInput(let message) {
            throw SpectralError.usage("--half-spaces: " + message)
        }
        let regions = try context.time("enumeration") {
            try enumerateRegions3D(
                network, box: configuration.box3D, halfSpaces: halfSpaces, pool: context.pool, limits: limits)
        }
        return Result(
            regions: regions, slice: prepared.record(configuration.model?.selection ?? .only), resolved: resolved,
            logits: configuration.classes == true ? prepared.restricted : nil)
    }

    public func write(_ result: Result, to folder: OutputFolder) throws -> Summary {
        if let slice = result.slice { try folder.writeJSON(slice, "slice.json") }
        return try Regions3D(result.resolved).writeRegions(result.regions, logits: result.logits, to: folder)
    }

    func writeRegions(
        _ regions: LinearRegions3D, logits: PiecewiseLinearNetwork? = nil, to folder: OutputFolder
    ) throws -> Summary {
        let k = regions.complex
        let geometry = folder.pool.mapChunks(count: k.cellCount, chunkSize: 1024) { range in
            range.map { k.volumeAndCentroid(cell: $0) }
        }.flatMap { $0 }
        let classes = logits.map { network in
            ArgmaxRegions3D(
                k, classes: network.outputCount, volume: geometry.map(\.volume), centroid: geometry.map(\.centroid),
                logits: network.evaluate)
        }
        try folder.writeTable(
            [
                "cell", "volume", "centroid_x", "centroid_y", "centroid_z", "gradient_x", "gradient_y", "gradient_z",
                "offset", "faces",
            ], count: k.cellCount, "cells.csv"
        ) { c in
            let (g, m) = (regions.gradient[c], geometry[c].centroid)
            return [
                .int(c), .double(geometry[c].volume), .double(m.x), .double(m.y), .double(m.z), .double(g.x),
                .double(g.y), .double(g.z), .double(regions.offset[c]), .int(k.cellOffsets[c + 1] - k.cellOffsets[c]),
            ]
        }
        if let classes { try writeClasses(classes, to: folder) }
        let name = URL(fileURLWithPath: configuration.weights.path).lastPathComponent
        for s in configuration.slices.planes {
            let title = classes == nil ? "\(name): cells met by \(s.text)" : "\(name): argmax classes on \(s.text)"
            try folder.write(slicePicture(regions, s, classes: classes, title: title), "slice_\(s.fileName)")
        }
        var summary = summary(
            regions, volumes: geometry.map(\.volume),
            domain: try domainVolume(box: regions.box, halfSpaces: regions.halfSpaces, pool: folder.pool))
        if let classes {
            summary.classVolumes = classes.classVolume
            summary.componentsPerClass = classes.classVolume.indices.map { c in
                classes.components.filter { $0.classIndex == c }.count
            }
        }
        return summary
    }

    /// cell_classes.csv (each cell's class and component) and components.csv (each component's class, volume, cell
    /// count and a point inside it).
    func writeClasses(_ classes: ArgmaxRegions3D, to folder: OutputFolder) throws {
        try folder.writeTable(["cell", "class", "component"], count: classes.cellClass.count, "cell_classes.csv") {
            [.int($0), .int(Int(classes.cellClass[$0])), .int(Int(classes.cellComponent[$0]))]
        }
        try folder.writeTable(
            ["component", "class", "volume", "cells", "inside_x", "inside_y", "inside_z"],
            count: classes.components.count, "components.csv"
        ) { i in
            let c = classes.components[i]
            return [
                .int(i), .int(c.classIndex), .double(c.volume), .int(c.cells), .double(c.inside.x),
                .double(c.inside.y), .double(c.inside.z),
            ]
        }
    }

    func summary(_ regions: LinearRegions3D, volumes: [Double], domain: Double) -> Summary {
        let k = regions.complex
        let b = regions.box
        var total = CompensatedSum()
        for v in volumes { total.add(v) }
        return Summary(
            cells: k.cellCount, faces: k.faceCount, edges: k.edgeCount, vertices: k.vertexCount,
            interiorFaces: (0..<k.faceCount).filter { k.faceCells[2 * $0 + 1] >= 0 }.count,
            eulerCharacteristic: k.vertexCount - k.edgeCount + k.faceCount - k.cellCount,
            volumeError: abs(total.value - domain) / domain, smallestVolume: volumes.min() ?? 0,
            cellsPerUnitVolume: Double(k.cellCount) / domain,
            lipschitz: regions.gradient.map { ($0 * $0).sum().squareRoot() }.max() ?? 0,
            ambiguousCells: regions.ambiguousCells, box: (0..<3).map { [b.lower[$0], b.upper[$0]] },
            boxVolume: b.volume,
            halfSpaces: regions.halfSpaces.map { [$0.normal.x, $0.normal.y, $0.normal.z, $0.offset] },
            domainVolume: domain, slices: configuration.slices.planes.map(\.text),
            precision: "Float64 (the weights file's values; F32 widened once)", hiddenSizes: regions.hiddenSizes)
    }

    /// The cells a plane meets, as polygons coloured by f at their centre (or by class); outlines while there are
    /// few (≤ 20,000).
    func slicePicture(
        _ regions: LinearRegions3D, _ s: PlaneSlice, classes: ArgmaxRegions3D? = nil, title: String
    ) -> Figure {
        let k = regions.complex
        var polygons: [[(x: Double, y: Double)]] = []
        var values: [Double] = []
        let others = [0, 1, 2].filter { $0 != s.axis }
        for c in 0..<k.cellCount {
            guard let polygon = k.slice(cell: c, axis: s.axis, at: s.value) else { continue }
            var p = SIMD3<Double>(repeating: s.value)
            p[others[0]] = polygon.reduce(0) { $0 + $1.x } / Double(polygon.count)
            p[others[1]] = polygon.reduce(0) { $0 + $1.y } / Double(polygon.count)
            polygons.append(polygon)
            values.append(classes.map { Double($0.cellClass[c]) } ?? regions.value(cell: c, p))
        }
        let outlines =
            polygons.count > 20_000
            ? []
            : polygons.flatMap { q in
                q.indices.map { i -> (Segment, RGB, Double) in
                    let (a, b) = (q[i], q[(i + 1) % q.count])
                    return (Segment(a.x, a.y, b.x, b.y), RGB(40, 40, 40), 1)
                }
            }
        let b = regions.box
        let names = PictureAxes(configuration.model, nil).names
        return polygonMap(
            title: title + " (\(polygons.count))", polygons: polygons, values: values, segments: outlines,
            xRange: b.lower[others[0]]...b.upper[others[0]], yRange: b.lower[others[1]]...b.upper[others[1]],
            xLabel: names[others[0]], yLabel: names[others[1]],
            colorLabel: classes == nil ? "f at the polygon's centre" : "class (argmax logit)")
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        [
            String(
                format: "%d cells, %d faces, %d edges, %d vertices; volume error %.1e; results in %@", s.cells, s.faces,
                s.edges, s.vertices, s.volumeError, folder.path)
        ]
    }
}

/// One plane x_axis = value ("z=0").
public struct PlaneSlice: Sendable, Equatable {
    public let axis: Int
    public let value: Double
    public var text: String { "\(["x", "y", "z"][axis])=\(formattedNumber(value))" }
    var fileName: String { text.replacingOccurrences(of: "=", with: "_") }
}

/// Planes "z=0,x=0.5" (at most 12).
public struct PlaneSlices: TextCodedArgument, Sendable, Equatable {
    public let text: String
    public let planes: [PlaneSlice]
    public static let middle = try! PlaneSlices(argument: "z=0")

    public init(argument: String) throws {
        text = argument
        planes = try argument.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let parts = item.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2, let axis = ["x", "y", "z"].firstIndex(of: String(parts[0])),
                let value = Double(parts[1]), value.isFinite
            else { throw ArgumentValueError("must list planes AXIS=VALUE, AXIS x, y or z and VALUE a finite number") }
            return PlaneSlice(axis: axis, value: value)
        }
        guard (1...12).contains(planes.count) else { throw ArgumentValueError("must list 1 to 12 planes") }
    }

    public static var valueName: String { "AXIS=V,…" }
    public var argumentDescription: String { text }
}

public struct Regions3DCommand: ExperimentCommand {
    public typealias Runner = Regions3D
    public static let description = CommandDescription(
        name: "regions3d",
        abstract: "The linear regions of a 3-D ReLU net on a box: an exact polyhedral complex (Float64).",
        discussion: """
            Reads safetensors weights (input size 3, output size 1; F64 values stay Float64). Writes cells.csv (cell,
            volume, centroid, gradient, offset, face count), summary.json (cells, faces, edges, vertices, Euler
            characteristic, volume_error, ...), one picture per slice plane (the cells it meets, coloured by f) and
            run.json. With --classes (a model with several logits): the argmax regions, cell_classes.csv (cell, class,
            component), components.csv, class volumes in summary.json and pictures coloured by class.
            """)

    @OptionGroup var regions: Regions3DOptions
    @Flag(help: "the argmax regions of a model with several logits: each cell's class, volumes, components")
    var classes = false
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func validate() throws {
        if classes && (regions.model.output != nil || regions.model.margin != nil) {
            throw SpectralError.usage("--classes studies every logit: --output and --margin choose one")
        }
    }

    public func configuration() throws -> Regions3D.Configuration {
        var c = try regions.configuration()
        c.classes = classes ? true : nil
        return c
    }
}

/// The options of the 3-D regions, shared by `regions3d` and `exact3d`.
public struct Regions3DOptions: ParsableArguments {
    @Option(help: "safetensors file of the network (or --model)") var weights: InputFile?
    @OptionGroup var model: ModelOptions
    @Option(help: "the box [x0, x1] × [y0, y1] × [z0, z1]")
    var box = Box3DRanges(x: NumberPair(-1, 1), y: NumberPair(-1, 1), z: NumberPair(-1, 1))
    @Option(help: "planes to draw, AXIS=VALUE,…") var slices = PlaneSlices.middle
    @Option(help: "stop with an error beyond this many cells", check: .within(1...Int(Int32.max)))
    var maxCells = EnumerationLimits.regions.maximumCount
    @Option(help: "cut the box to half-spaces A:B:C:D,… (A·x + B·y + C·z ≤ D): a convex polytope")
    var halfSpaces: HalfSpaceList?
    public init() {}

    func configuration() throws -> Regions3D.Configuration {
        let source = try model.source(weights: weights)
        var c = Regions3D.Configuration(weights: source.file)
        (c.box, c.slices, c.maxCells, c.halfSpaces) = (box, slices, maxCells, halfSpaces)
        c.model = source
        c.domainFromSlice = source.through != nil && !$box.isGiven
        if c.domainFromSlice && ($slices.isGiven || $halfSpaces.isGiven) {
            throw SpectralError.usage("--slices and --half-spaces need a --box when the slice sets the domain")
        }
        return c
    }
}

/// Half-spaces "A:B:C:D,…", each A·x + B·y + C·z ≤ D (at most 64).
public struct HalfSpaceList: TextCodedArgument, Sendable, Equatable {
    public let text: String
    public let spaces: [HalfSpace3D]

    public init(argument: String) throws {
        text = argument
        spaces = try argument.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let v = item.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
            guard v.count == 4, let a = v[0], let b = v[1], let c = v[2], let d = v[3],
                [a, b, c, d].allSatisfy({ $0.isFinite && abs($0) <= 1e12 }), a != 0 || b != 0 || c != 0
            else { throw ArgumentValueError("must list half-spaces A:B:C:D with finite numbers and A, B, C not all 0") }
            return HalfSpace3D(normal: SIMD3(a, b, c), offset: d)
        }
        guard (1...64).contains(spaces.count) else { throw ArgumentValueError("must list 1 to 64 half-spaces") }
    }

    public static var valueName: String { "A:B:C:D,…" }
    public var argumentDescription: String { text }
}
