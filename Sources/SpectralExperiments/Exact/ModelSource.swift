import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralNetworks
import SpectralPlot

/// `--model FILE --through POINTS --output I | --margin A,B`: the network an exact command analyses (ONNX or
/// safetensors) and the slice of its input space (docs/models.md).
public struct ModelOptions: ParsableArguments {
    @Option(help: "the network: an ONNX file (.onnx) or safetensors weights") var model: InputFile?
    @Option(help: "2-4 points of the input space for a line, plane or 3-space: CSV rows, .npy, or idx:FILE:I,J,K")
    var through: String?
    @Option(help: "analyse logit I of a network with several outputs", check: .within(0...1_000_000)) var output: Int?
    @Option(help: "analyse logit A minus logit B") var margin: IntegerList?
    public init() {}

    public func validate() throws {
        try exclusive($output, $margin)
        if let margin, margin.values.count != 2 || margin.values.contains(where: { $0 < 0 }) {
            throw SpectralError.usage("--margin takes two logit numbers A,B")
        }
    }

    /// The source, with `weights` (an older command's `--weights`) as the file when `--model` is not given.
    public func source(weights: InputFile?) throws -> ModelSource {
        guard let file = model ?? weights else { throw SpectralError.usage("give the network with --model FILE") }
        if model != nil && weights != nil {
            throw SpectralError.usage("--model and --weights cannot be given together")
        }
        let selection: OutputSelection =
            margin.map { .margin($0.values[0], $0.values[1]) } ?? output.map { .index($0) } ?? .only
        return ModelSource(file: file, through: through, selection: selection)
    }
}

/// A network file, a slice and an output: what an exact command's configuration records.
public struct ModelSource: Codable, Sendable, Equatable {
    public var file: InputFile
    public var through: String?
    public var output: Int?
    public var margin: [Int]?

    public init(file: InputFile, through: String? = nil, selection: OutputSelection = .only) {
        (self.file, self.through) = (file, through)
        switch selection {
        case .only: break
        case .index(let i): output = i
        case .margin(let a, let b): margin = [a, b]
        }
    }

    public var selection: OutputSelection {
        margin.map { .margin($0[0], $0[1]) } ?? output.map { .index($0) } ?? .only
    }

    /// The files read: the network and, for an IDX or CSV slice, the points' file.
    public var inputFiles: [InputFile] { [file] + (pointsFile.map { [$0] } ?? []) }

    var pointsFile: InputFile? {
        guard let through else { return nil }
        let path = through.hasPrefix("idx:") ? String(through.dropFirst(4).split(separator: ":").first ?? "") : through
        return InputFile(path: URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    /// The whole network in the piecewise-linear form, from either kind of file.
    public func network() throws -> PiecewiseLinearNetwork {
        let url = URL(fileURLWithPath: file.path)
        if url.pathExtension.lowercased() == "onnx" { return try PiecewiseLinearNetwork.load(onnx: url) }
        return try PiecewiseLinearNetwork(sequential: NetworkTensors.load(from: url))
    }

    /// The slice through the points of `--through`, nil without it.
    public func slice(inputCount: Int, dimension: Int) throws -> InputSlice? {
        guard let through else { return nil }
        let points = try SlicePoints.read(through)
        guard points.count == dimension + 1 else {
            throw SpectralError.usage(
                "--through gives \(points.count) points; a \(dimension)-D analysis needs \(dimension + 1)")
        }
        guard points.allSatisfy({ $0.count == inputCount }) else {
            throw SpectralError.badInput(
                "--through's points have \(points[0].count) coordinates but the network takes \(inputCount) inputs")
        }
        return try InputSlice(through: points)
    }
}

/// A network ready for a `dimension`-D exact engine, and how it was made.
public struct PreparedNetwork {
    public let chain: ExactNetwork
    public let slice: InputSlice?
    /// The domain the slice was simplified on (slice coordinates), nil without a slice.
    public let box: [ClosedRange<Double>]?
    public let whole: PiecewiseLinearNetwork
    public let restricted: PiecewiseLinearNetwork

    /// Loads, selects the output (or, with `argmax`, keeps every logit and appends the argmax tournament),
    /// slices and simplifies on `box` (nil: the slice's default box), and chains.
    public init(
        _ source: ModelSource, dimension: Int, box given: [ClosedRange<Double>]?, argmax: Bool = false
    ) throws {
        let whole = try source.network()
        if argmax && whole.outputCount < 2 {
            throw SpectralError.badInput("the network has one output: its classes are decision2d's (the sign)")
        }
        let single = argmax ? whole : try whole.selecting(source.selection)
        self.whole = whole
        if let slice = try source.slice(inputCount: whole.inputCount, dimension: dimension) {
            let box = given ?? slice.defaultBox()
            restricted = single.restricted(to: slice, box: box)
            (self.slice, self.box) = (slice, box)
        } else {
            guard whole.inputCount == dimension else {
                let n = whole.inputCount
                throw SpectralError.badInput(
                    "the network takes \(n) input\(n == 1 ? "" : "s"); the \(dimension)-D exact analysis needs exactly \(dimension), or a slice (--through)"
                )
            }
            restricted = single
            (slice, box) = (nil, nil)
        }
        chain = try (argmax ? restricted.appendingArgmaxTournament() : restricted).chain()
    }

    /// The network for the 2-D engine and the domain, resolved: the slice's default box when `fromSlice`, else
    /// `domain`, whose bounding box is then the box the slice is simplified on.
    static func plane(
        _ source: ModelSource, domain: Domain2D, fromSlice: Bool, argmax: Bool = false
    ) throws -> (PreparedNetwork, Domain2D) {
        let corners = domain.corners
        let box = [
            corners.map(\.x).min()!...corners.map(\.x).max()!, corners.map(\.y).min()!...corners.map(\.y).max()!,
        ]
        let prepared = try PreparedNetwork(source, dimension: 2, box: fromSlice ? nil : box, argmax: argmax)
        guard fromSlice, let b = prepared.box else { return (prepared, domain) }
        let resolved = Box2D(
            x: NumberPair(b[0].lowerBound, b[0].upperBound), y: NumberPair(b[1].lowerBound, b[1].upperBound))
        return (prepared, .box(resolved))
    }

    /// What `slice.json` records.
    public struct Record: Codable {
        let origin: [Double], basis: [[Double]], pointCoordinates: [[Double]], box: [[Double]]
        let inputs: Int, outputs: Int, output: String, precision: String, notes: [String]
        let kinkedUnitsPerStage: [Int], unitsCrossingTheBox: [Int], chainWidths: [Int]
    }

    public func record(_ selection: OutputSelection) -> Record? {
        guard let slice, let box else { return nil }
        return Record(
            origin: slice.origin, basis: slice.basis, pointCoordinates: slice.pointCoordinates,
            box: box.map { [$0.lowerBound, $0.upperBound] }, inputs: whole.inputCount, outputs: whole.outputCount,
            output: selection.description, precision: whole.precision, notes: whole.notes,
            kinkedUnitsPerStage: whole.kinkCounts, unitsCrossingTheBox: restricted.kinkCounts,
            chainWidths: Array(chain.sizes.dropFirst().dropLast()))
    }
}

/// How a picture of an input space or a slice of it is labelled: the axes' names (the slice's coordinates t1, t2, t3,
/// input-space distances from the first point of --through, or the network's own inputs x1, x2, x3), and the given
/// points of --through, marked.
struct PictureAxes {
    let names: [String]
    let points: [[Double]]

    init(_ source: ModelSource?, _ record: PreparedNetwork.Record?) {
        names = source?.through == nil ? ["x1", "x2", "x3"] : ["t1 (slice)", "t2 (slice)", "t3 (slice)"]
        points = record?.pointCoordinates ?? []
    }

    /// The given points as white dots over a plane's picture (none without a slice).
    var marks: [Series] {
        guard !points.isEmpty, points.allSatisfy({ $0.count == 2 }) else { return [] }
        return [
            Series(
                name: "given points", x: points.map { $0[0] }, y: points.map { $0[1] }, pointsOnly: true,
                color: RGB(255, 255, 255))
        ]
    }
}
