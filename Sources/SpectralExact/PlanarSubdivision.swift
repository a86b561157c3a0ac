import Foundation

/// One side of an edge: edge e run forward, edgeStart → edgeEnd, or backward. The face a half-edge bounds lies on
/// its left, so the forward half-edge belongs to edgeLeft[e] and the backward one to edgeRight[e]:
///
///                 edgeLeft[e]
///     edgeStart ──────────────▶ edgeEnd     forward (reversed = false)
///     edgeStart ◀────────────── edgeEnd     backward (reversed = true)
///                 edgeRight[e]
///
/// Stored in 32 bits as e << 1 | reversed, so a face's boundary is one flat array.
public struct HalfEdge: Hashable, Sendable {
    public let code: Int32
    @inline(__always) public init(edge: Int, reversed: Bool) { code = Int32(edge << 1 | (reversed ? 1 : 0)) }
    @inline(__always) public var edge: Int { Int(code >> 1) }
    @inline(__always) public var isReversed: Bool { code & 1 == 1 }
}

/// A planar subdivision of a convex domain into convex faces, with shared vertices and edges (Float64).
///
///     face f's boundary: half-edges halfEdges[faceOffsets[f] ..< faceOffsets[f+1]], counter-clockwise, each
///     bounding f on its left (`HalfEdge`). So edgeLeft[e] is the face that runs e forward and edgeRight[e] the
///     face that runs it backward, or −1 outside the domain.
///
/// Every interior edge therefore knows its two faces, and every vertex is stored once, whatever number of faces
/// meet there.
public struct PlanarSubdivision: Sendable {
    public var x: [Double]
    public var y: [Double]
    public var edgeStart: [Int32]
    public var edgeEnd: [Int32]
    public var edgeLeft: [Int32]
    public var edgeRight: [Int32]
    public var faceOffsets: [Int]
    public var halfEdges: [HalfEdge]

    public var vertexCount: Int { x.count }
    public var edgeCount: Int { edgeStart.count }
    public var faceCount: Int { faceOffsets.count - 1 }

    /// One face: the convex polygon with these counter-clockwise corners.
    public init(polygon: [(x: Double, y: Double)]) {
        let n = polygon.count
        x = polygon.map(\.x)
        y = polygon.map(\.y)
        edgeStart = (0..<n).map { Int32($0) }
        edgeEnd = (0..<n).map { Int32(($0 + 1) % n) }
        edgeLeft = [Int32](repeating: 0, count: n)
        edgeRight = [Int32](repeating: -1, count: n)
        faceOffsets = [0, n]
        halfEdges = (0..<n).map { HalfEdge(edge: $0, reversed: false) }
    }

    public init(
        x: [Double], y: [Double], edgeStart: [Int32], edgeEnd: [Int32], edgeLeft: [Int32],
        edgeRight: [Int32], faceOffsets: [Int], halfEdges: [HalfEdge]
    ) {
        (self.x, self.y, self.edgeStart, self.edgeEnd) = (x, y, edgeStart, edgeEnd)
        (self.edgeLeft, self.edgeRight, self.faceOffsets, self.halfEdges) = (
            edgeLeft, edgeRight, faceOffsets, halfEdges
        )
    }

    /// The vertex a half-edge starts from.
    @inline(__always)
    public func origin(_ halfEdge: HalfEdge) -> Int32 {
        halfEdge.isReversed ? edgeEnd[halfEdge.edge] : edgeStart[halfEdge.edge]
    }

    /// The vertex a half-edge ends at.
    @inline(__always)
    public func destination(_ halfEdge: HalfEdge) -> Int32 {
        halfEdge.isReversed ? edgeStart[halfEdge.edge] : edgeEnd[halfEdge.edge]
    }

    /// The corners of face f, counter-clockwise.
    public func corners(_ f: Int) -> [Int32] {
        (faceOffsets[f]..<faceOffsets[f + 1]).map { origin(halfEdges[$0]) }
    }

    /// Signed area (shoelace, relative to the first corner to limit cancellation) and centroid of face f.
    public func areaAndCentroid(_ f: Int) -> (area: Double, cx: Double, cy: Double) {
        let c = corners(f).map(Int.init)
        let (x0, y0) = (x[c[0]], y[c[0]])
        var twiceArea = 0.0
        var sx = 0.0
        var sy = 0.0
        for i in 1..<(c.count - 1) {
            let (ax, ay) = (x[c[i]] - x0, y[c[i]] - y0)
            let (bx, by) = (x[c[i + 1]] - x0, y[c[i + 1]] - y0)
            let cross = ax * by - ay * bx
            twiceArea += cross
            sx += cross * (ax + bx)
            sy += cross * (ay + by)
        }
        let n = Double(c.count)
        let mean = (c.reduce(0) { $0 + x[$1] } / n, c.reduce(0) { $0 + y[$1] } / n)
        if twiceArea == 0 { return (0, mean.0, mean.1) }
        let (cx, cy) = (x0 + sx / (3 * twiceArea), y0 + sy / (3 * twiceArea))
        // A sliver whose area is all rounding can put the quotient outside the face: its corners' mean is inside.
        let xs = c.map { x[$0] }
        let ys = c.map { y[$0] }
        guard (xs.min()!...xs.max()!).contains(cx), (ys.min()!...ys.max()!).contains(cy) else {
            return (twiceArea / 2, mean.0, mean.1)
        }
        return (twiceArea / 2, cx, cy)
    }

    /// Whether (px, py) lies in the closed face f (a convex polygon), with a tolerance `slack` on each side.
    public func contains(face f: Int, _ px: Double, _ py: Double, slack: Double = 0) -> Bool {
        let c = corners(f).map(Int.init)
        var sides = 0
        for i in c.indices {
            let (a, b) = (c[i], c[(i + 1) % c.count])
            let (ex, ey) = (x[b] - x[a], y[b] - y[a])
            if ex == 0 && ey == 0 { continue }  // a corner repeated: no side
            sides += 1
            let cross = ex * (py - y[a]) - ey * (px - x[a])
            if cross < -slack * hypot(ex, ey) { return false }
        }
        // A face collapsed to a point (concurrent lines) holds no point.
        return sides >= 2
    }

    /// Structural checks: every half-edge's end is the next half-edge's start, every edge is used once in each
    /// direction it has a face for, edge endpoints are distinct, and V − E + F = 1 (a subdivided disc: every vertex
    /// on an edge, no hole, no loose piece). With `domainArea`, the faces' areas must also sum to it within
    /// 1e−9 of it: each face's shoelace sum is exact to a few ulps of its own extent, far inside that. Returns the
    /// first problem found, if any.
    public func validate(domainArea: Double? = nil) -> String? {
        var forward = [Int32](repeating: -1, count: edgeCount)
        var backward = forward
        for f in 0..<faceCount {
            let range = faceOffsets[f]..<faceOffsets[f + 1]
            if range.count < 3 { return "face \(f) has \(range.count) corners" }
            for i in range {
                let h = halfEdges[i]
                let next = halfEdges[i + 1 == range.upperBound ? range.lowerBound : i + 1]
                let e = h.edge
                if destination(h) != origin(next) { return "face \(f) is not a closed cycle at half-edge \(i)" }
                if !h.isReversed {
                    if forward[e] != -1 { return "edge \(e) is run forward by two faces" }
                    forward[e] = Int32(f)
                } else {
                    if backward[e] != -1 { return "edge \(e) is run backward by two faces" }
                    backward[e] = Int32(f)
                }
            }
        }
        for e in 0..<edgeCount {
            if edgeStart[e] == edgeEnd[e] { return "edge \(e) starts and ends at one vertex" }
            if forward[e] != edgeLeft[e] || backward[e] != edgeRight[e] { return "edge \(e) has inconsistent faces" }
            if forward[e] == -1 { return "edge \(e) has no face on its left" }
        }
        let euler = vertexCount - edgeCount + faceCount
        if euler != 1 {
            return "V − E + F = \(euler), not 1 (\(vertexCount) vertices, \(edgeCount) edges, \(faceCount) faces)"
        }
        if let domainArea {
            let sum = (0..<faceCount).reduce(0) { $0 + areaAndCentroid($1).area }
            if abs(sum - domainArea) > 1e-9 * abs(domainArea) {
                return "the faces' areas sum to \(sum), not the domain's \(domainArea)"
            }
        }
        return nil
    }
}
