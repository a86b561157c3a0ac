import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact

/// The region of the plane a 2-D analysis covers: a box or a convex polygon.
public enum Domain2D: Codable, Sendable, Equatable {
    case box(Box2D)
    case polygon([NumberPair])

    public static let unitBox = Domain2D.box(Box2D(x: NumberPair(-1, 1), y: NumberPair(-1, 1)))

    public var corners: [(x: Double, y: Double)] {
        switch self {
        case .box(let b): return boxPolygon(x0: b.x.first, x1: b.x.second, y0: b.y.first, y1: b.y.second)
        case .polygon(let points): return points.map { ($0.first, $0.second) }
        }
    }

    public var description: String {
        switch self {
        case .box(let b): return "box \(b.argumentDescription)"
        case .polygon(let p): return "polygon " + PairList(p).argumentDescription
        }
    }
}

/// `--box` or `--polygon`, never both.
public struct DomainOptions: ParsableArguments {
    @Option(help: "the box [x0, x1] × [y0, y1]") var box = Box2D(x: NumberPair(-1, 1), y: NumberPair(-1, 1))
    @Option(help: "a convex polygon's corners X:Y,X:Y,…, instead of --box") var polygon: PairList?
    @Option(help: "stop with an error beyond this many linear regions", check: .within(1...Int(Int32.max)))
    var maxRegions = EnumerationLimits.regions.maximumCount
    public init() {}

    public func validate() throws {
        try exclusive($box, $polygon)
        if let polygon, polygon.pairs.count < 3 { throw SpectralError.usage("--polygon needs at least 3 corners") }
    }

    public var domain: Domain2D { polygon.map { .polygon($0.pairs) } ?? .box(box) }
}
