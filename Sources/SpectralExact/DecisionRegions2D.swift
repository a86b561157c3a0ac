import Foundation
import SpectralCore
import SpectralSpectra

/// The decision boundary {f = 0} of a 2-input net and its class regions {f > 0}, {f < 0}, exactly, from the
/// linear regions (docs/exact.md, decision boundaries).
///
/// f is affine on every region P, so {f > 0} ∩ P is P clipped by one half-plane (a convex polygon, maybe empty)
/// and {f = 0} ∩ P a segment. Two pieces of one class in neighbouring regions join when f has that class's sign
/// somewhere on their shared edge (f is continuous and affine along the edge, so: at one of its end points or
/// strictly between them); pieces meeting only at a vertex are joined through the edges around that vertex
/// (f ≠ 0 at the vertex makes f of that sign near it). Union–find over those joins gives the components.
///
///     region P, corners valued by f:        +0.6 ●────────● −0.2
///                                                │  f>0  ╱ │
///     the clip keeps the + side, and the         │     ╱   │      the segment {f = 0} runs between the two
///     crossing points on the sign-changing       │   ╱ f<0 │      crossings t = v_i / (v_i − v_j)
///     edges are the boundary's end points   +0.4 ●─╱──────● −0.8
public struct DecisionRegions2D: Sendable {
    /// A piece of {f = 0}: a segment inside region `region` (or along an edge between regions of opposite sign).
    public struct BoundarySegment: Sendable, Equatable {
        public let x0: Double, y0: Double, x1: Double, y1: Double
        public let region: Int
    }

    /// A connected component of {f > 0} (class 1) or {f < 0} (class 0) inside the domain.
    public struct Component: Sendable {
        public let positive: Bool
        public let area: Double
        public let regions: Int
        /// A point inside the component: the centroid of its largest piece.
        public let x: Double, y: Double
    }

    public let segments: [BoundarySegment]
    /// Per region: the areas of its pieces {f > 0} and {f < 0}.
    public let positiveArea: [Double], negativeArea: [Double]
    /// Per region: the component of its positive and its negative piece (−1: no such piece).
    public let positiveComponent: [Int32], negativeComponent: [Int32]
    public let components: [Component]

    public init(_ regions: LinearRegions2D) {
        let mesh = regions.mesh
        var (positive, negative) = ([Double](), [Double]())
        var pieces: [(positive: ClippedPiece, negative: ClippedPiece)] = []
        var segments: [BoundarySegment] = []
        for f in 0..<regions.regionCount {
            let corners = mesh.corners(f).map { (x: mesh.x[Int($0)], y: mesh.y[Int($0)]) }
            let values = corners.map { regions.value(face: f, $0.x, $0.y) }
            let split = (clip(corners, values, keep: 1), clip(corners, values, keep: -1))
            pieces.append(split)
            positive.append(split.0.area)
            negative.append(split.1.area)
            if let s = zeroSegment(corners, values) {
                segments.append(BoundarySegment(x0: s.0.x, y0: s.0.y, x1: s.1.x, y1: s.1.y, region: f))
            }
        }
        segments += Self.zeroEdges(regions)
        (self.segments, positiveArea, negativeArea) = (segments, positive, negative)
        var components: [Component] = []
        positiveComponent = Self.components(regions, pieces.map(\.positive), sign: 1, into: &components)
        negativeComponent = Self.components(regions, pieces.map(\.negative), sign: -1, into: &components)
        self.components = components
    }

    /// The polygons {f > 0} and {f < 0} inside region f (either may be empty), for pictures.
    public static func pieces(
        of f: Int, in regions: LinearRegions2D
    ) -> (positive: [(x: Double, y: Double)], negative: [(x: Double, y: Double)]) {
        let mesh = regions.mesh
        let corners = mesh.corners(f).map { (x: mesh.x[Int($0)], y: mesh.y[Int($0)]) }
        let values = corners.map { regions.value(face: f, $0.x, $0.y) }
        return (clippedPolygon(corners, values, keep: 1), clippedPolygon(corners, values, keep: -1))
    }

    /// Edges on which f is exactly 0 at both ends (so all along) between regions of opposite sign: boundary that
    /// no region's interior holds.
    static func zeroEdges(_ regions: LinearRegions2D) -> [BoundarySegment] {
        let mesh = regions.mesh
        var out: [BoundarySegment] = []
        for e in 0..<mesh.edgeCount where mesh.edgeRight[e] >= 0 {
            let (l, r) = (Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e]))
            let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
            guard regions.value(face: l, mesh.x[p], mesh.y[p]) == 0, regions.value(face: l, mesh.x[q], mesh.y[q]) == 0
            else { continue }
            let (cl, cr) = (mesh.areaAndCentroid(l), mesh.areaAndCentroid(r))
            let (sl, sr) = (regions.value(face: l, cl.cx, cl.cy), regions.value(face: r, cr.cx, cr.cy))
            if sl * sr < 0 {
                out.append(BoundarySegment(x0: mesh.x[p], y0: mesh.y[p], x1: mesh.x[q], y1: mesh.y[q], region: l))
            }
        }
        return out
    }

    /// Union–find over the regions' pieces of one sign, joined across interior edges where f has that sign.
    static func components(
        _ regions: LinearRegions2D, _ pieces: [ClippedPiece], sign: Double, into list: inout [Component]
    ) -> [Int32] {
        let mesh = regions.mesh
        var sets = UnionFind(count: pieces.count)
        for e in 0..<mesh.edgeCount where mesh.edgeRight[e] >= 0 {
            let (l, r) = (Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e]))
            guard pieces[l].area > 0, pieces[r].area > 0 else { continue }
            let (p, q) = (Int(mesh.edgeStart[e]), Int(mesh.edgeEnd[e]))
            let ends = [regions.value(face: l, mesh.x[p], mesh.y[p]), regions.value(face: l, mesh.x[q], mesh.y[q])]
            if ends.contains(where: { sign * $0 > 0 }) { sets.join(l, into: r) }
        }
        var ids = [Int32](repeating: -1, count: pieces.count)
        var idOfRoot: [Int: Int32] = [:]
        var members: [[Int]] = []
        for f in pieces.indices where pieces[f].area > 0 {
            let r = sets.root(f)
            let id = idOfRoot[r] ?? Int32(members.count)
            if idOfRoot[r] == nil {
                idOfRoot[r] = id
                members.append([])
            }
            ids[f] = id + Int32(list.count)
            members[Int(id)].append(f)
        }
        for faces in members {
            var area = CompensatedSum()
            for f in faces { area.add(pieces[f].area) }
            let largest = faces.max { pieces[$0].area < pieces[$1].area }!
            list.append(
                Component(
                    positive: sign > 0, area: area.value, regions: faces.count, x: pieces[largest].centroid.x,
                    y: pieces[largest].centroid.y))
        }
        return ids
    }
}

/// A convex polygon's part where `keep` · f > 0: its area and centroid.
struct ClippedPiece: Sendable {
    var area = 0.0
    var centroid = (x: 0.0, y: 0.0)
}

/// Sutherland–Hodgman against the one half-plane keep · f > 0, f given at the corners (affine, so the crossing on an
/// edge is at t = v_i / (v_i − v_j)).
func clip(_ corners: [(x: Double, y: Double)], _ values: [Double], keep: Double) -> ClippedPiece {
    polygonAreaAndCentroid(clippedPolygon(corners, values, keep: keep))
}

/// The corners of the part of a convex polygon where keep · f > 0 (empty when there is none).
func clippedPolygon(
    _ corners: [(x: Double, y: Double)], _ values: [Double], keep: Double
) -> [(x: Double, y: Double)] {
    var kept: [(x: Double, y: Double)] = []
    for i in corners.indices {
        let j = (i + 1) % corners.count
        let (vi, vj) = (keep * values[i], keep * values[j])
        if vi > 0 { kept.append(corners[i]) }
        if (vi > 0) != (vj > 0) && vi != vj {
            let t = vi / (vi - vj)
            kept.append(
                (corners[i].x + t * (corners[j].x - corners[i].x), corners[i].y + t * (corners[j].y - corners[i].y)))
        }
    }
    return kept
}

/// {f = 0} inside a convex polygon whose corners take both signs: the segment between its two crossings (corners
/// where f = 0 count as crossings). Nil when f keeps one sign (f = 0 only at a corner or along an edge).
func zeroSegment(
    _ corners: [(x: Double, y: Double)], _ values: [Double]
) -> ((x: Double, y: Double), (x: Double, y: Double))? {
    guard values.contains(where: { $0 > 0 }), values.contains(where: { $0 < 0 }) else { return nil }
    var points: [(x: Double, y: Double)] = []
    for i in corners.indices {
        let j = (i + 1) % corners.count
        if values[i] == 0 { points.append(corners[i]) }
        if values[i] * values[j] < 0 {
            let t = values[i] / (values[i] - values[j])
            points.append(
                (corners[i].x + t * (corners[j].x - corners[i].x), corners[i].y + t * (corners[j].y - corners[i].y)))
        }
    }
    // A convex polygon meets a line in one segment: its end points are the two crossings farthest apart.
    var best = (0, 0, -1.0)
    for a in points.indices {
        for b in points.indices where b > a {
            let d = hypot(points[a].x - points[b].x, points[a].y - points[b].y)
            if d > best.2 { best = (a, b, d) }
        }
    }
    return best.2 < 0 ? nil : (points[best.0], points[best.1])
}

/// The shoelace area (counter-clockwise positive) and centroid of a simple polygon; zero for fewer than 3 corners.
func polygonAreaAndCentroid(_ p: [(x: Double, y: Double)]) -> ClippedPiece {
    guard p.count >= 3 else { return ClippedPiece() }
    var (twiceArea, cx, cy) = (CompensatedSum(), 0.0, 0.0)
    // Relative to the first corner: the cross products stay small for a small polygon far from the origin.
    let (ox, oy) = (p[0].x, p[0].y)
    for i in 1..<(p.count - 1) {
        let (ax, ay, bx, by) = (p[i].x - ox, p[i].y - oy, p[i + 1].x - ox, p[i + 1].y - oy)
        let cross = ax * by - ay * bx
        twiceArea.add(cross)
        cx += cross * (ax + bx)
        cy += cross * (ay + by)
    }
    let a = twiceArea.value / 2
    guard a > 0 else { return ClippedPiece() }
    return ClippedPiece(area: a, centroid: (ox + cx / (6 * a), oy + cy / (6 * a)))
}
