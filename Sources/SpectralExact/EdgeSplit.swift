/// Pre-activation values of one layer at every vertex: `width` Float64 values per vertex. Vertices that existed
/// when the layer started have rows in `old` (evaluated once, from one canonical face's affine map, so every face
/// reads the same value, and so the same sign, at a shared vertex); vertices inserted on edges during the layer
/// have rows in `added`. Positions follow the same split.
struct VertexStore {
    let oldX: UnsafePointer<Double>, oldY: UnsafePointer<Double>, old: UnsafePointer<Double>
    let oldCount: Int
    let addedX: UnsafePointer<Double>, addedY: UnsafePointer<Double>, added: UnsafePointer<Double>
    let width: Int

    @inline(__always) func row(_ v: Int32) -> UnsafePointer<Double> {
        let i = Int(v)
        return i < oldCount ? old + i * width : added + (i - oldCount) * width
    }

    @inline(__always) func position(_ v: Int32) -> (x: Double, y: Double) {
        let i = Int(v)
        return i < oldCount ? (oldX[i], oldY[i]) : (addedX[i - oldCount], addedY[i - oldCount])
    }
}

/// The vertices one layer inserts on existing edges, for a chunk of edges: every unit whose pre-activation changes
/// sign strictly between an edge's ends crosses it once, at t = z₀/(z₀ − z₁) (z is affine along the edge).
struct EdgeSplitChunk {
    var insertedCounts: [Int32] = []
    var x: [Double] = []
    var y: [Double] = []
    var rows: [Double] = []
}

/// Splits edges `range` of `mesh` by every unit of the layer (values at the old vertices only are used).
///
/// Crossings on one edge are sorted by t and equal t's share one vertex. At a new vertex the values are written
/// so that the order along the edge is exact: a crossing unit j gets (t − t_j)(z₁ − z₀), whose sign is exactly
/// sign(t − t_j)·sign(z₁ − z₀) (so it is 0 where j crosses and has the right sign on either side, whatever the
/// rounding), and every other unit the convex combination (1 − t)z₀ + t z₁, which keeps the sign its ends share.
/// So along every edge each unit changes sign at most once, and always through a vertex where it is exactly 0:
/// the faces on both sides see the same crossings.
func splitEdges(_ range: Range<Int>, mesh: PlanarSubdivision, values: VertexStore) -> EdgeSplitChunk {
    var out = EdgeSplitChunk()
    let width = values.width
    var crossings: [(t: Double, unit: Int)] = []
    out.insertedCounts.reserveCapacity(range.count)
    for e in range {
        let (a, b) = (mesh.edgeStart[e], mesh.edgeEnd[e])
        let (za, zb) = (values.row(a), values.row(b))
        crossings.removeAll(keepingCapacity: true)
        for u in 0..<width where (za[u] < 0 && zb[u] > 0) || (za[u] > 0 && zb[u] < 0) {
            crossings.append((za[u] / (za[u] - zb[u]), u))
        }
        if crossings.isEmpty { out.insertedCounts.append(0); continue }
        crossings.sort { $0.t < $1.t || ($0.t == $1.t && $0.unit < $1.unit) }
        let (pa, pb) = (values.position(a), values.position(b))
        var inserted: Int32 = 0
        var i = 0
        while i < crossings.count {
            let t = crossings[i].t
            while i < crossings.count && crossings[i].t == t { i += 1 }
            out.x.append((1 - t) * pa.x + t * pb.x)
            out.y.append((1 - t) * pa.y + t * pb.y)
            let base = out.rows.count
            for u in 0..<width { out.rows.append((1 - t) * za[u] + t * zb[u]) }
            for c in crossings { out.rows[base + c.unit] = (t - c.t) * (zb[c.unit] - za[c.unit]) }
            inserted += 1
        }
        out.insertedCounts.append(inserted)
    }
    return out
}
