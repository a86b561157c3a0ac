import Foundation

/// A polyhedral complex in ℝ³ (Float64): convex cells bounded by planar convex polygons (2-faces), with every
/// vertex, edge and 2-face stored once however many cells meet there.
///
///     face f: corners faceVertices[faceOffsets[f] ..< faceOffsets[f + 1]], in cycle order; the edge at the same
///             index of faceEdges joins that corner to the next one;
///     face f lies between cells faceCells[2f] and faceCells[2f + 1] (−1 for the outside of the domain);
///     cell c: its faces cellFaces[cellOffsets[c] ..< cellOffsets[c + 1]].
///
/// Faces carry no orientation: a cell's outward normal of a face is the one pointing away from the cell's centroid.
public struct PolyhedralComplex: Sendable {
    public var x: [Double], y: [Double], z: [Double]
    public var edgeStart: [Int32], edgeEnd: [Int32]
    public var faceOffsets: [Int], faceVertices: [Int32], faceEdges: [Int32], faceCells: [Int32]
    public var cellOffsets: [Int], cellFaces: [Int32]

    public var vertexCount: Int { x.count }
    public var edgeCount: Int { edgeStart.count }
    public var faceCount: Int { faceOffsets.count - 1 }
    public var cellCount: Int { cellOffsets.count - 1 }

    public func position(_ v: Int32) -> SIMD3<Double> { SIMD3(x[Int(v)], y[Int(v)], z[Int(v)]) }

    public func corners(face f: Int) -> ArraySlice<Int32> { faceVertices[faceOffsets[f]..<faceOffsets[f + 1]] }
    public func faces(cell c: Int) -> ArraySlice<Int32> { cellFaces[cellOffsets[c]..<cellOffsets[c + 1]] }
    public func cells(face f: Int) -> (Int32, Int32) { (faceCells[2 * f], faceCells[2 * f + 1]) }

    /// The distinct corners of cell c, in increasing order.
    public func vertices(cell c: Int) -> [Int32] {
        Array(Set(faces(cell: c).flatMap { corners(face: Int($0)) })).sorted()
    }

    /// The mean of the cell's distinct corners: a point strictly inside a non-degenerate convex cell.
    public func vertexMean(cell c: Int) -> SIMD3<Double> {
        meanOfCorners(faces(cell: c).flatMap { corners(face: Int($0)) }, position: position)
    }

    /// Newell's normal of face f: its direction is the face's normal, its length twice the face's area.
    public func areaVector(face f: Int) -> SIMD3<Double> {
        let c = corners(face: f)
        let origin = position(c.first!)
        var n = SIMD3<Double>()
        var previous = SIMD3<Double>()
        for v in c.dropFirst() {
            let p = position(v) - origin
            n += cross(previous, p)
            previous = p
        }
        return n
    }

    /// Volume and centroid of cell c: a fan of tetrahedra from its vertex mean over every face's triangle fan, each
    /// counted with |det| / 6 (the cell is convex and the mean inside it, so none is negative).
    public func volumeAndCentroid(cell c: Int) -> (volume: Double, centroid: SIMD3<Double>) {
        let apex = vertexMean(cell: c)
        var volume = 0.0
        var moment = SIMD3<Double>()
        for f in faces(cell: c) {
            let k = corners(face: Int(f))
            let a = position(k.first!) - apex
            for (v, w) in zip(k.dropFirst(), k.dropFirst(2)) {
                let (b, d) = (position(v) - apex, position(w) - apex)
                let six = abs(dot(a, cross(b, d)))
                volume += six
                moment += six * (a + b + d) / 4
            }
        }
        if volume == 0 { return (0, apex) }
        return (volume / 6, apex + moment / volume)
    }

    /// The sum of the cells' volumes.
    public var totalVolume: Double { (0..<cellCount).reduce(0) { $0 + volumeAndCentroid(cell: $1).volume } }

    /// Structural checks (the regioncam kind): every face a closed cycle of ≥ 3 distinct corners whose edges join
    /// consecutive corners; every face listed by the cells it names, and those only; every edge of a cell in exactly
    /// two of its faces; Euler's V − E + F = 2 for every cell and V − E + F − C = 1 for the whole (a subdivided ball).
    /// With `domainVolume`, the cells' volumes must also sum to it within 1e−9 of it (each cell's tetrahedral fan is
    /// exact to a few ulps of its extent cubed). Returns the first problem found, if any.
    public func validate(domainVolume: Double? = nil) -> String? {
        for f in 0..<faceCount {
            let range = faceOffsets[f]..<faceOffsets[f + 1]
            if range.count < 3 { return "face \(f) has \(range.count) corners" }
            if Set(faceVertices[range]).count != range.count { return "face \(f) repeats a corner" }
            for i in range {
                let (a, b) = (faceVertices[i], faceVertices[i + 1 == range.upperBound ? range.lowerBound : i + 1])
                let e = Int(faceEdges[i])
                let (s, t) = (edgeStart[e], edgeEnd[e])
                if !((s == a && t == b) || (s == b && t == a)) {
                    return "face \(f): edge \(e) does not join its corners"
                }
            }
            if faceCells[2 * f] < 0 { return "face \(f) has no cell on its first side" }
        }
        var listed = [Int](repeating: 0, count: faceCount)
        for c in 0..<cellCount {
            for f in faces(cell: c) {
                listed[Int(f)] += 1
                let (a, b) = cells(face: Int(f))
                if a != Int32(c) && b != Int32(c) { return "cell \(c) lists face \(f), which does not name it" }
            }
            if let problem = validateCellSurface(c) { return problem }
        }
        for f in 0..<faceCount where listed[f] != (faceCells[2 * f + 1] < 0 ? 1 : 2) {
            return "face \(f) is listed by \(listed[f]) cells"
        }
        let euler = vertexCount - edgeCount + faceCount - cellCount
        if euler != 1 { return "V − E + F − C = \(euler), not 1" }
        if let domainVolume {
            let sum = totalVolume
            if abs(sum - domainVolume) > 1e-9 * abs(domainVolume) {
                return "the cells' volumes sum to \(sum), not the domain's \(domainVolume)"
            }
        }
        return nil
    }

    private func validateCellSurface(_ c: Int) -> String? {
        var uses: [Int32: Int] = [:]
        for f in faces(cell: c) {
            for i in faceOffsets[Int(f)]..<faceOffsets[Int(f) + 1] { uses[faceEdges[i], default: 0] += 1 }
        }
        if let (e, n) = uses.first(where: { $0.value != 2 }) { return "cell \(c): edge \(e) lies on \(n) of its faces" }
        let (v, e, f) = (vertices(cell: c).count, uses.count, faces(cell: c).count)
        return v - e + f == 2 ? nil : "cell \(c) has V − E + F = \(v - e + f), not 2"
    }
}

@inline(__always) func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

@inline(__always) func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

extension PolyhedralComplex {
    /// The distinct edges of cell c.
    public func edges(cell c: Int) -> [Int32] {
        Array(Set(faces(cell: c).flatMap { faceEdges[faceOffsets[Int($0)]..<faceOffsets[Int($0) + 1]] })).sorted()
    }

    /// The convex polygon where the plane {x_axis = value} meets cell c, in the other two coordinates (in axis
    /// order, counter-clockwise), or nil when it meets the cell in less than a polygon.
    public func slice(cell c: Int, axis: Int, at value: Double) -> [(x: Double, y: Double)]? {
        let others = [0, 1, 2].filter { $0 != axis }
        let (u, v) = (others[0], others[1])
        var points: [SIMD2<Double>] = []
        for e in edges(cell: c) {
            let (a, b) = (position(edgeStart[Int(e)]), position(edgeEnd[Int(e)]))
            let (sa, sb) = (a[axis] - value, b[axis] - value)
            if sa == 0 { points.append(SIMD2(a[u], a[v])) }
            if sb == 0 { points.append(SIMD2(b[u], b[v])) }
            if (sa < 0 && sb > 0) || (sa > 0 && sb < 0) {
                let p = a + (sa / (sa - sb)) * (b - a)
                points.append(SIMD2(p[u], p[v]))
            }
        }
        let distinct = Array(Set(points))
        guard distinct.count >= 3 else { return nil }
        let mean = distinct.reduce(SIMD2<Double>()) { $0 + $1 } / Double(distinct.count)
        let sorted = distinct.sorted { atan2($0.y - mean.y, $0.x - mean.x) < atan2($1.y - mean.y, $1.x - mean.x) }
        return sorted.map { (x: $0.x, y: $0.y) }
    }
}

/// The mean of the distinct vertices among `ids` (listed once per face they are on), summed in vertex order, so the
/// bits do not depend on how a set happens to iterate.
func meanOfCorners<Vertex: Hashable & Comparable>(
    _ ids: [Vertex], position: (Vertex) -> SIMD3<Double>
) -> SIMD3<Double> {
    let distinct = Array(Set(ids)).sorted()
    return distinct.reduce(SIMD3<Double>()) { $0 + position($1) } / Double(distinct.count)
}
