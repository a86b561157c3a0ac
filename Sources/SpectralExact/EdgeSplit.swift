import SpectralKernels

/// Pre-activation values of one layer at every vertex: `width` Float64 values per vertex, and their signs as two
/// bit masks (positive, negative; `words` UInt64 each) so that which units change sign along an edge or around a
/// face is a few word operations. Vertices that existed when the layer started have rows in `old` (evaluated
/// once, from one canonical face's affine map, so every face reads the same value, and so the same sign, at a
/// shared vertex); vertices inserted on edges during the layer have rows in `added`. Positions follow the split.
struct VertexStore {
    let oldX: UnsafePointer<Double>, oldY: UnsafePointer<Double>, old: UnsafePointer<Double>
    let oldMasks: UnsafePointer<UInt64>
    let oldCount: Int
    let addedX: UnsafePointer<Double>, addedY: UnsafePointer<Double>, added: UnsafePointer<Double>
    let addedMasks: UnsafePointer<UInt64>
    let width: Int
    /// The units this pass cuts by (the masks hold only their signs).
    let units: Range<Int>
    /// Units that never cut (carried values): always positive in the masks. Nil when there are none.
    let linear: UnsafePointer<UInt64>?
    var words: Int { (width + 63) / 64 }

    @inline(__always) func row(_ v: Int32) -> UnsafePointer<Double> {
        let i = Int(v)
        return i < oldCount ? old + i * width : added + (i - oldCount) * width
    }

    /// Positive mask at masks(v), negative mask at masks(v) + words.
    @inline(__always) func masks(_ v: Int32) -> UnsafePointer<UInt64> {
        let i = Int(v)
        return i < oldCount ? oldMasks + i * 2 * words : addedMasks + (i - oldCount) * 2 * words
    }

    @inline(__always) func position(_ v: Int32) -> (x: Double, y: Double) {
        let i = Int(v)
        return i < oldCount ? (oldX[i], oldY[i]) : (addedX[i - oldCount], addedY[i - oldCount])
    }
}

/// The vertices one layer inserts on existing edges: every unit whose pre-activation changes sign strictly between
/// an edge's ends crosses it once, at t = z₀/(z₀ − z₁) (z is affine along the edge). Two passes over the edges,
/// both parallel: count the vertices of each edge, then write them straight to their place (no concatenation).
struct EdgeVertices {
    /// insertedOffsets[e] ..< insertedOffsets[e + 1]: the new vertices on edge e, from its start to its end.
    let insertedOffsets: [Int]
    let x: AlignedBuffer<Double>, y: AlignedBuffer<Double>
    let rows: AlignedBuffer<Double>
    let masks: AlignedBuffer<UInt64>

    /// Crossings on one edge are sorted by t and equal t's share one vertex. At a new vertex the values are
    /// written so that the order along the edge is exact: a crossing unit j gets (t − t_j)(z₁ − z₀), whose sign is
    /// exactly sign(t − t_j)·sign(z₁ − z₀) (so it is 0 where j crosses and has the right sign on either side,
    /// whatever the rounding), and every other unit the convex combination (1 − t)z₀ + t z₁, which keeps the sign
    /// its ends share. So along every edge each unit changes sign at most once, and always through a vertex where
    /// it is exactly 0: the faces on both sides see the same crossings.
    /// `checkCount` sees the number of new vertices before their rows are allocated (and may refuse it).
    init(
        mesh: PlanarSubdivision, values: VertexStore, pool: ThreadPool, checkCount: (Int) throws -> Void = { _ in }
    ) throws {
        let edges = mesh.edgeCount
        let width = values.width
        let words = values.words
        let counts = pool.mapChunks(count: edges, chunkSize: 4096) { range -> [Int] in
            var crossings: [(t: Double, unit: Int)] = []
            return range.map { e in
                sortedCrossings(e, mesh: mesh, values: values, into: &crossings)
                return distinctCount(crossings)
            }
        }
        var offsets = [0]
        offsets.reserveCapacity(edges + 1)
        for chunk in counts { for c in chunk { offsets.append(offsets.last! + c) } }
        let total = offsets.last!
        try checkCount(total)
        (x, y) = (AlignedBuffer(uninitializedCount: total), AlignedBuffer(uninitializedCount: total))
        rows = AlignedBuffer(uninitializedCount: total * width)
        masks = AlignedBuffer(uninitializedCount: total * 2 * words)
        insertedOffsets = offsets
        let (xs, ys, rs, ms) = (x.pointer, y.pointer, rows.pointer, masks.pointer)
        pool.forEachChunk(count: edges, minimumChunk: 4096) { range in
            var crossings: [(t: Double, unit: Int)] = []
            for e in range where offsets[e + 1] > offsets[e] {
                sortedCrossings(e, mesh: mesh, values: values, into: &crossings)
                let (a, b) = (mesh.edgeStart[e], mesh.edgeEnd[e])
                let (za, zb) = (values.row(a), values.row(b))
                let (pa, pb) = (values.position(a), values.position(b))
                var n = offsets[e]
                var i = 0
                while i < crossings.count {
                    let t = crossings[i].t
                    while i < crossings.count && crossings[i].t == t { i += 1 }
                    xs[n] = (1 - t) * pa.x + t * pb.x
                    ys[n] = (1 - t) * pa.y + t * pb.y
                    let row = rs + n * width
                    for u in 0..<width { row[u] = (1 - t) * za[u] + t * zb[u] }
                    for c in crossings { row[c.unit] = (t - c.t) * (zb[c.unit] - za[c.unit]) }
                    writeSignMasks(
                        row, width: width, units: values.units, linear: values.linear, to: ms + n * 2 * words)
                    n += 1
                }
            }
        }
    }
}

/// The sign masks of values[units] (a row of `width`): positive words, then negative words. A linear unit is
/// positive whatever its value (it never cuts, and its pattern bit is its slope 1).
@inline(__always)
func writeSignMasks(
    _ values: UnsafePointer<Double>, width: Int, units: Range<Int>, linear: UnsafePointer<UInt64>?,
    to masks: UnsafeMutablePointer<UInt64>
) {
    let words = (width + 63) / 64
    masks.update(repeating: 0, count: 2 * words)
    for u in units {
        let bit: UInt64 = 1 << UInt64(u & 63)
        if values[u] > 0 { masks[u >> 6] |= bit } else if values[u] < 0 { masks[words + u >> 6] |= bit }
    }
    guard let linear else { return }
    let (first, last) = (units.lowerBound >> 6, (max(units.upperBound, 1) - 1) >> 6)
    for w in first...last where !units.isEmpty {
        var inPass = ~UInt64(0)
        if w == first { inPass &= ~UInt64(0) << UInt64(units.lowerBound & 63) }
        if w == last && units.upperBound & 63 != 0 { inPass &= ~UInt64(0) >> UInt64(64 - units.upperBound & 63) }
        masks[w] |= linear[w] & inPass
        masks[words + w] &= ~linear[w]
    }
}

/// The units crossing edge e strictly, with their t, sorted by t (then unit).
@inline(__always)
private func sortedCrossings(
    _ e: Int, mesh: PlanarSubdivision, values: VertexStore, into crossings: inout [(t: Double, unit: Int)]
) {
    crossings.removeAll(keepingCapacity: true)
    let (a, b) = (mesh.edgeStart[e], mesh.edgeEnd[e])
    let (ma, mb) = (values.masks(a), values.masks(b))
    let words = values.words
    var any: UInt64 = 0
    for w in 0..<words { any |= (ma[w] & mb[words + w]) | (ma[words + w] & mb[w]) }
    if any == 0 { return }
    let (za, zb) = (values.row(a), values.row(b))
    for w in 0..<words {
        var bits = (ma[w] & mb[words + w]) | (ma[words + w] & mb[w])
        while bits != 0 {
            let u = w * 64 + bits.trailingZeroBitCount
            bits &= bits - 1
            crossings.append((za[u] / (za[u] - zb[u]), u))
        }
    }
    crossings.sort { $0.t < $1.t || ($0.t == $1.t && $0.unit < $1.unit) }
}

private func distinctCount(_ crossings: [(t: Double, unit: Int)]) -> Int {
    var count = 0
    for i in crossings.indices where i == 0 || crossings[i].t != crossings[i - 1].t { count += 1 }
    return count
}
