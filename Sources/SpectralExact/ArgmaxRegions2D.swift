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
        regionClass = (0..<regions.regionCount).map { f in Int32(argmaxIndex(logits([centroid[f].x, centroid[f].y]))) }
        classArea = classMeasures(regionClass, area, classes: classes)
        let grouped = classComponents(regionClass) { join in
            for e in 0..<mesh.edgeCount where mesh.edgeRight[e] >= 0 {
                join(Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e]))
            }
        }
        regionComponent = grouped.component
        let regionClass = self.regionClass
        components = grouped.members.map { faces in
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

/// The index of the largest value, the first of tied ones.
public func argmaxIndex(_ values: [Double]) -> Int {
    values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }!
}

/// Σ of `measure` (areas, volumes) per class.
func classMeasures(_ regionClass: [Int32], _ measure: [Double], classes: Int) -> [Double] {
    var total = [Double](repeating: 0, count: classes)
    for (c, m) in zip(regionClass, measure) { total[Int(c)] += m }
    return total
}

/// The connected components of the regions of each class: `adjacent(join)` calls join(a, b) for every pair of
/// regions that share a facet (an edge in 2-D, a face in 3-D), and those of one class are joined (union–find).
/// Components are numbered in the order of their first region; `members` lists each one's regions in order.
func classComponents(
    _ regionClass: [Int32], adjacent: ((Int, Int) -> Void) -> Void
) -> (component: [Int32], members: [[Int]]) {
    var sets = UnionFind(count: regionClass.count)
    adjacent { a, b in if regionClass[a] == regionClass[b] { sets.join(a, into: b) } }
    var componentOf = [Int32](repeating: -1, count: regionClass.count)
    var members: [[Int]] = []
    for f in regionClass.indices {
        let r = sets.root(f)
        if componentOf[r] < 0 {
            componentOf[r] = Int32(members.count)
            members.append([])
        }
        componentOf[f] = componentOf[r]
        members[Int(componentOf[r])].append(f)
    }
    return (componentOf, members)
}
