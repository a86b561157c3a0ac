import Foundation
import SpectralCore
import SpectralKernels

extension PiecewiseLinearNetwork {
    /// The network whose one output is the largest logit, as a tournament of pairwise maxima (C − 1 ReLU units for
    /// C logits, ⌈log₂ C⌉ stages). Each of its linear regions has one sign pattern of the tournament's units, and
    /// so one winner: the argmax is constant on every region (ties lie on region boundaries).
    public func appendingArgmaxTournament() -> PiecewiseLinearNetwork {
        var copy = self
        var next = unitCount
        let logits = (0..<outputCount).map { r -> AffineElement in
            let row = output.row(r)
            return AffineElement(
                columns: Array(row.columns), coefficients: Array(row.coefficients), constant: row.constant)
        }
        let winner = pairwiseMaxima([logits]) { differences in
            var map = SparseAffineMap()
            for e in differences { map.append(columns: e.columns, coefficients: e.coefficients, constant: e.constant) }
            copy.stages.append(Stage(map: map, activations: differences.map { _ in .relu }))
            defer { next += differences.count }
            return (next..<(next + differences.count)).map { .unit($0) }
        }[0]
        copy.output = SparseAffineMap()
        copy.output.append(columns: winner.columns, coefficients: winner.coefficients, constant: winner.constant)
        return copy
    }
}

/// The class regions {argmax of the logits = c} of a multi-output network on a plane, exactly, from the linear
/// regions of its argmax tournament (on each of which the class is constant): each region's class, the area of
/// every class, and the connected components of every class (regions of one class joined across shared edges by
/// union–find; regions of one class that meet at a vertex only are not joined, as the open sets do not meet).
public struct ArgmaxRegions2D: Sendable {
    public struct Component: Sendable {
        public let classIndex: Int, area: Double, regions: Int
        /// A point inside the component: the centroid of its largest region.
        public let x: Double, y: Double
    }

    public let regionClass: [Int32]
    public let classArea: [Double]
    public let regionComponent: [Int32]
    public let components: [Component]
    private let locator: _RegionLocator

    /// `logits(t)`: the logits at a point of the plane, evaluated at each region's centroid (any interior point
    /// gives the same argmax).
    public init(
        _ regions: LinearRegions2D, classes: Int, area: [Double], centroid: [(x: Double, y: Double)],
        logits: ([Double]) -> [Double]
    ) {
        let mesh = regions.mesh
        regionClass = (0..<regions.regionCount).map { f in
            let l = logits([centroid[f].x, centroid[f].y])
            return Int32(l.indices.max { l[$0] < l[$1] || (l[$0] == l[$1] && $0 > $1) }!)
        }
        var classArea = [Double](repeating: 0, count: classes)
        for f in 0..<regions.regionCount { classArea[Int(regionClass[f])] += area[f] }
        self.classArea = classArea
        var sets = UnionFind(count: regions.regionCount)
        for e in 0..<mesh.edgeCount where mesh.edgeRight[e] >= 0 {
            let (l, r) = (Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e]))
            if regionClass[l] == regionClass[r] { sets.join(l, into: r) }
        }
        var componentOf = [Int32](repeating: -1, count: regions.regionCount)
        var members: [[Int]] = []
        for f in 0..<regions.regionCount {
            let r = sets.root(f)
            if componentOf[r] < 0 {
                componentOf[r] = Int32(members.count)
                members.append([])
            }
            componentOf[f] = componentOf[r]
            members[Int(componentOf[r])].append(f)
        }
        regionComponent = componentOf
        let regionClass = self.regionClass
        components = members.map { faces in
            let largest = faces.max { area[$0] < area[$1] }!
            return Component(
                classIndex: Int(regionClass[faces[0]]), area: faces.reduce(0) { $0 + area[$1] }, regions: faces.count,
                x: centroid[largest].x, y: centroid[largest].y)
        }
        locator = _RegionLocator(mesh)
    }

    /// The region that holds (x, y) (the first in region order for a point on an edge), nil outside the domain.
    public func region(containing x: Double, _ y: Double) -> Int? { locator.region(containing: x, y) }
}
