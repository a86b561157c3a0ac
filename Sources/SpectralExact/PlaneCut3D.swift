import SpectralKernels

/// The complex while one layer cuts it, one unit's plane at a time (`cut(unit:)`), with the layer's
/// pre-activations at every vertex (`width` per vertex).
///
/// One plane at a time keeps every step the one of a convex polytope and a plane. Each new vertex is made on an
/// existing edge, shared by all faces and cells around that edge, and its values are the convex combination of the
/// edge's ends, with the cutting unit's set to exactly 0. So along every edge each later unit changes sign at most
/// once, both sides of every face see the same crossings, and every sign test reads one stored number:
///
///     edges   a ──●── b     a vertex where the unit is 0 (t = z_a / (z_a − z_b)), one per edge crossed strictly
///     faces   ┌───●───┐     a chord between the two zeros of the face's boundary: the face becomes its positive
///             │ + │ − │     part (same id) and its negative part (a new id), listed by both of its cells
///             └───●───┘
///     cells   the chords and the cell's edges that lie between a positive and a negative face close into one
///             polygon P: the cell becomes its positive side (same id) and its negative side (a new id), P between
///
/// Rounding can leave a face or a cell whose corner signs an affine function could not make (a face with more than
/// two sign changes, a cell whose P is not one cycle): it stays whole, is counted in `ambiguous`, and its bit is
/// the unit's sign at its vertex mean.
struct ComplexUnderCut {
    var px = IDArray<VertexID, Double>(), py = IDArray<VertexID, Double>(), pz = IDArray<VertexID, Double>()
    var values: [Double] = []
    var width = 0
    var edgeStart = IDArray<EdgeID, VertexID>(), edgeEnd = IDArray<EdgeID, VertexID>()
    var faceVertices = IDArray<FaceID, [VertexID]>(), faceEdges = IDArray<FaceID, [EdgeID]>()
    var faceCellA = IDArray<FaceID, CellID>(), faceCellB = IDArray<FaceID, CellID>()
    /// The hidden unit (numbered across layers) whose zero set holds each face; −1 on the domain's boundary.
    var faceUnit = IDArray<FaceID, Int32>()
    var cellFaces = IDArray<CellID, [FaceID]>()
    /// Per cell: the cell it comes from at the start of the layer, its activation bits (`patternWords`) and the
    /// layer's units that may still cross it (`candidateWords`).
    var cellParent = IDArray<CellID, CellID>()
    var patterns: [UInt64] = []
    var candidates: [UInt64] = []
    var patternWords = 1, candidateWords = 1
    var ambiguous = 0
    // Per pass: which edges and faces were looked at, and the vertex and second half of each split edge.
    private var pass: Int32 = 0
    private var edgeStamp = IDArray<EdgeID, Int32>(), faceStamp = IDArray<FaceID, Int32>()
    private var splitVertex = IDArray<EdgeID, VertexID?>(), splitEdge = IDArray<EdgeID, EdgeID?>()

    var cellCount: Int { cellFaces.count }
    var vertexCount: Int { px.count }

    init() {}

    /// The box, as one cell.
    init(box: Box3D, patternWords: Int) {
        for k in 0..<2 {
            for j in 0..<2 {
                for i in 0..<2 {
                    px.append(i == 0 ? box.lower.x : box.upper.x)
                    py.append(j == 0 ? box.lower.y : box.upper.y)
                    pz.append(k == 0 ? box.lower.z : box.upper.z)
                }
            }
        }
        let quads = [[0, 2, 6, 4], [1, 3, 7, 5], [0, 1, 5, 4], [2, 3, 7, 6], [0, 1, 3, 2], [4, 5, 7, 6]]
        var edgeOf: [SIMD2<Int32>: EdgeID] = [:]
        for quad in quads.map({ $0.map { VertexID($0) } }) {
            var edges: [EdgeID] = []
            for i in 0..<4 {
                let (a, b) = (quad[i], quad[(i + 1) % 4])
                let key = SIMD2(min(a.raw, b.raw), max(a.raw, b.raw))
                if edgeOf[key] == nil {
                    edgeOf[key] = edgeStart.append(a)
                    edgeEnd.append(b)
                }
                edges.append(edgeOf[key]!)
            }
            addFace(vertices: quad, edges: edges, cells: (CellID(0), .outside), unit: -1)
        }
        cellFaces = IDArray([(0..<6).map { FaceID($0) }])
        cellParent = IDArray([CellID(0)])
        self.patternWords = patternWords
        patterns = [UInt64](repeating: 0, count: patternWords)
        candidates = [0]
    }

    private mutating func addFace(vertices: [VertexID], edges: [EdgeID], cells: (CellID, CellID), unit: Int32) {
        faceVertices.append(vertices)
        faceEdges.append(edges)
        faceCellA.append(cells.0)
        faceCellB.append(cells.1)
        faceUnit.append(unit)
        faceStamp.append(pass)
    }

    private mutating func addEdge(_ a: VertexID, _ b: VertexID) -> EdgeID {
        edgeEnd.append(b)
        edgeStamp.append(pass)
        splitVertex.append(nil)
        splitEdge.append(nil)
        return edgeStart.append(a)
    }

    @inline(__always) func value(_ v: VertexID, _ j: Int) -> Double { values[v.index * width + j] }

    @inline(__always) func position(_ v: VertexID) -> SIMD3<Double> { SIMD3(px[v], py[v], pz[v]) }

    /// The signs of unit j at the corners of a face: (some positive, some negative).
    private func signs(face f: FaceID, unit j: Int) -> (positive: Bool, negative: Bool) {
        var (positive, negative) = (false, false)
        for v in faceVertices[f] {
            let s = value(v, j)
            positive = positive || s > 0
            negative = negative || s < 0
        }
        return (positive, negative)
    }

    /// Starts a layer: `values` holds the layer's pre-activations at every vertex (`width` each), and each cell's
    /// parent is itself. Units of one sign on a cell set (or leave) its bit now; the others become candidates.
    mutating func startLayer(width: Int, values: [Double], wordOffset: Int) {
        self.width = width
        self.values = values
        candidateWords = (width + 63) / 64
        cellParent = IDArray(cellFaces.ids)
        candidates = [UInt64](repeating: 0, count: cellCount * candidateWords)
        edgeStamp = IDArray(repeating: pass, count: edgeStart.count)
        splitVertex = IDArray(repeating: nil, count: edgeStart.count)
        splitEdge = IDArray(repeating: nil, count: edgeStart.count)
        faceStamp = IDArray(repeating: pass, count: faceVertices.count)
        for c in 0..<cellCount {
            var positive = [UInt64](repeating: 0, count: candidateWords)
            var negative = positive
            for f in cellFaces[CellID(c)] {
                for v in faceVertices[f] {
                    for u in 0..<width {
                        let s = value(v, u)
                        if s > 0 { positive[u >> 6] |= 1 << UInt64(u & 63) }
                        if s < 0 { negative[u >> 6] |= 1 << UInt64(u & 63) }
                    }
                }
            }
            for w in 0..<candidateWords {
                patterns[c * patternWords + wordOffset + w] = positive[w] & ~negative[w]
                candidates[c * candidateWords + w] = positive[w] & negative[w]
            }
        }
    }

    /// Cuts every cell that unit j crosses by its plane. `sign(parent, point)` is the unit's sign from the parent
    /// cell's affine map (only for cells left whole). Which cells are crossed, and how each crossed cell splits, are
    /// read-only questions answered in parallel (`classify`, `plans`); edges, faces and the splits are applied in
    /// cell order, so ids never depend on the thread count.
    mutating func cut(
        unit j: Int, globalUnit: Int32, wordOffset: Int, pool: ThreadPool, sign: (CellID, SIMD3<Double>) -> Bool
    ) {
        pass += 1
        let (word, bit) = (j >> 6, UInt64(1) << UInt64(j & 63))
        var crossed: [CellID] = []
        for (c, side) in ComplexUnderCut.classify(self, unit: j, pool: pool).enumerated() where side != .notCandidate {
            candidates[c * candidateWords + word] &= ~bit
            if side == .crossed { crossed.append(CellID(c)) }
            if side == .positive { patterns[c * patternWords + wordOffset + word] |= bit }
        }
        var touched: [FaceID] = []
        for c in crossed {
            for f in cellFaces[c] where faceStamp[f] != pass {
                faceStamp[f] = pass
                touched.append(f)
                for e in faceEdges[f] { splitIfCrossed(edge: e, unit: j) }
            }
        }
        for f in touched {
            insertSplitVertices(face: f)
            let s = signs(face: f, unit: j)
            if s.positive && s.negative { split(face: f, unit: j) }
        }
        for (c, plan) in zip(crossed, ComplexUnderCut.plans(self, cells: crossed, unit: j, pool: pool)) {
            if let plan {
                apply(plan, cell: c, unit: j, globalUnit: globalUnit, wordOffset: wordOffset)
            } else {
                ambiguous += 1
                let inside = vertexMean(cellFaces[c])
                if sign(cellParent[c], inside) { patterns[c.index * patternWords + wordOffset + word] |= bit }
            }
        }
    }

    private enum Side { case notCandidate, positive, nonPositive, crossed }

    /// Each cell's side of unit j's plane (candidates only), in parallel over a snapshot of the complex.
    private static func classify(_ complex: ComplexUnderCut, unit j: Int, pool: ThreadPool) -> [Side] {
        let (word, bit) = (j >> 6, UInt64(1) << UInt64(j & 63))
        return pool.mapChunks(count: complex.cellCount, chunkSize: 4096) { range in
            range.map { c -> Side in
                guard complex.candidates[c * complex.candidateWords + word] & bit != 0 else { return .notCandidate }
                var (positive, negative) = (false, false)
                for f in complex.cellFaces[CellID(c)] {
                    let s = complex.signs(face: f, unit: j)
                    (positive, negative) = (positive || s.positive, negative || s.negative)
                }
                return positive && negative ? .crossed : (positive ? .positive : .nonPositive)
            }
        }.flatMap { $0 }
    }

    /// How one crossed cell splits: the side of each of its faces (true: positive) and the polygon P between them.
    private struct CellCut {
        var positive: [Bool]
        var vertices: [VertexID], edges: [EdgeID]
    }

    private static func plans(
        _ complex: ComplexUnderCut, cells: [CellID], unit j: Int, pool: ThreadPool
    ) -> [CellCut?] {
        pool.mapChunks(count: cells.count, chunkSize: 256) { range in
            range.map { complex.plan(cell: cells[$0], unit: j) }
        }.flatMap { $0 }
    }

    /// Cell c's split along P, or nil when the faces' signs cannot come from one plane (c then stays whole).
    private func plan(cell c: CellID, unit j: Int) -> CellCut? {
        var positive: [Bool] = []
        // Keyed by the raw id: Int32 keys hash in one step, a wrapper's synthesized hash through a whole Hasher.
        var between: [Int32: (positive: Int, negative: Int)] = [:]
        for f in cellFaces[c] {
            let s = signs(face: f, unit: j)
            guard s.positive != s.negative else { return nil }
            positive.append(s.positive)
            for e in faceEdges[f] {
                var count = between[e.raw, default: (0, 0)]
                if s.positive { count.positive += 1 } else { count.negative += 1 }
                between[e.raw] = count
            }
        }
        let cutEdges = between.filter { $0.value == (1, 1) }.keys.sorted().map { EdgeID(raw: $0) }
        guard let cycle = closedCycle(cutEdges) else { return nil }
        return CellCut(positive: positive, vertices: cycle.vertices, edges: cycle.edges)
    }

    /// Splits edge e at unit j's zero when the unit's sign at its ends differs strictly (once per pass):
    ///
    ///     before   a ────────e──────── b
    ///     after    a ───e─── w ──far── b       z_w = 0 exactly for unit j; far = splitEdge[e], w = splitVertex[e]
    private mutating func splitIfCrossed(edge e: EdgeID, unit j: Int) {
        guard edgeStamp[e] != pass else { return }
        edgeStamp[e] = pass
        splitVertex[e] = nil
        let (a, b) = (edgeStart[e], edgeEnd[e])
        let (za, zb) = (value(a, j), value(b, j))
        guard (za > 0 && zb < 0) || (za < 0 && zb > 0) else { return }
        let t = za / (za - zb)
        let w = px.append((1 - t) * px[a] + t * px[b])
        py.append((1 - t) * py[a] + t * py[b])
        pz.append((1 - t) * pz[a] + t * pz[b])
        let (ra, rb) = (a.index * width, b.index * width)
        for u in 0..<width { values.append(u > j ? (1 - t) * values[ra + u] + t * values[rb + u] : 0) }
        edgeEnd[e] = w
        let far = addEdge(w, b)
        splitVertex[e] = w
        splitEdge[e] = far
    }

    /// Puts the vertices made on face f's edges into its cycle.
    private mutating func insertSplitVertices(face f: FaceID) {
        let (vs, es) = (faceVertices[f], faceEdges[f])
        guard es.contains(where: { splitVertex[$0] != nil }) else { return }
        var newVertices: [VertexID] = []
        var newEdges: [EdgeID] = []
        for (a, e) in zip(vs, es) {
            newVertices.append(a)
            guard let w = splitVertex[e], let far = splitEdge[e] else {
                newEdges.append(e)
                continue
            }
            // e now runs start → w and far w → the old end; the face may run it either way.
            let forward = a == edgeStart[e]
            newEdges.append(forward ? e : far)
            newVertices.append(w)
            newEdges.append(forward ? far : e)
        }
        faceVertices[f] = newVertices
        faceEdges[f] = newEdges
    }

    /// Cuts face f by the chord between the zeros before its negative and its positive run: f keeps the positive
    /// part, a new face takes the negative one.
    private mutating func split(face f: FaceID, unit j: Int) {
        let (vs, es) = (faceVertices[f], faceEdges[f])
        let sign = vs.map { v -> Int in
            let s = value(v, j)
            return s > 0 ? 1 : (s < 0 ? -1 : 0)
        }
        guard let (pa, pb) = cutPoints(sign) else { return }  // its cells will be left whole
        let chord = addEdge(vs[pa], vs[pb])
        let positive = cyclicArc(vs, es, from: pb, to: pa, closing: chord)
        let negative = cyclicArc(vs, es, from: pa, to: pb, closing: chord)
        faceVertices[f] = positive.vertices
        faceEdges[f] = positive.edges
        let g = faceVertices.nextID
        addFace(
            vertices: negative.vertices, edges: negative.edges, cells: (faceCellA[f], faceCellB[f]),
            unit: faceUnit[f])
        cellFaces[faceCellA[f]].append(g)
        if !faceCellB[f].isOutside { cellFaces[faceCellB[f]].append(g) }
    }

    /// Splits cell c along the polygon P (see the type's comment): c keeps its positive faces, a new cell takes the
    /// negative ones, P lies between them.
    private mutating func apply(_ plan: CellCut, cell c: CellID, unit j: Int, globalUnit: Int32, wordOffset: Int) {
        let newCell = cellFaces.nextID
        let p = faceVertices.nextID
        addFace(vertices: plan.vertices, edges: plan.edges, cells: (c, newCell), unit: globalUnit)
        var positiveFaces: [FaceID] = [p]
        var negativeFaces: [FaceID] = [p]
        for (f, positive) in zip(cellFaces[c], plan.positive) {
            if positive {
                positiveFaces.append(f)
                continue
            }
            negativeFaces.append(f)
            if faceCellA[f] == c { faceCellA[f] = newCell } else { faceCellB[f] = newCell }
        }
        cellFaces[c] = positiveFaces
        cellFaces.append(negativeFaces)
        cellParent.append(cellParent[c])
        // Word by word: appending a slice of the array itself would copy the whole array (the slice shares it).
        for w in 0..<patternWords { patterns.append(patterns[c.index * patternWords + w]) }
        for w in 0..<candidateWords { candidates.append(candidates[c.index * candidateWords + w]) }
        patterns[c.index * patternWords + wordOffset + j >> 6] |= 1 << UInt64(j & 63)
    }

    /// The edges as one closed cycle (every vertex on exactly two of them), or nil.
    private func closedCycle(_ edges: [EdgeID]) -> (vertices: [VertexID], edges: [EdgeID])? {
        guard edges.count >= 3 else { return nil }
        var at: [Int32: [EdgeID]] = [:]  // by the vertex's raw id, as in `plan`
        for e in edges {
            at[edgeStart[e].raw, default: []].append(e)
            at[edgeEnd[e].raw, default: []].append(e)
        }
        guard at.values.allSatisfy({ $0.count == 2 }) else { return nil }
        var vertices: [VertexID] = [edgeStart[edges[0]]]
        var cycle: [EdgeID] = [edges[0]]
        var current = edgeEnd[edges[0]]
        while current != vertices[0] {
            let pair = at[current.raw]!
            let next = pair[0] == cycle.last! ? pair[1] : pair[0]
            vertices.append(current)
            cycle.append(next)
            current = edgeStart[next] == current ? edgeEnd[next] : edgeStart[next]
            if cycle.count > edges.count { return nil }
        }
        return cycle.count == edges.count ? (vertices, cycle) : nil
    }

    func vertexMean(_ faces: [FaceID]) -> SIMD3<Double> {
        meanOfCorners(faces.flatMap { faceVertices[$0] }, position: position)
    }
}

/// For the corner signs of a convex polygon cut by a plane: the zero before the negative run and the zero before the
/// positive run, or nil unless the nonzero signs form exactly one run of each with a zero before each.
func cutPoints(_ sign: [Int]) -> (beforeNegative: Int, beforePositive: Int)? {
    let m = sign.count
    let nonzero = (0..<m).filter { sign[$0] != 0 }
    guard signChanges(sign) == 2 else { return nil }
    func zeroBefore(runOf s: Int) -> Int? {
        for t in nonzero.indices where sign[nonzero[t]] == -s && sign[nonzero[(t + 1) % nonzero.count]] == s {
            let before = (nonzero[(t + 1) % nonzero.count] - 1 + m) % m
            return sign[before] == 0 ? before : nil
        }
        return nil
    }
    guard let a = zeroBefore(runOf: -1), let b = zeroBefore(runOf: 1) else { return nil }
    return (a, b)
}

/// The corners of a polygon's cycle from `from` to `to` (inclusive, going forward) and the edges between them, closed
/// by `closing` (the chord from `to` back to `from`): one side of a polygon cut along that chord.
func cyclicArc<Vertex, Edge>(
    _ vertices: [Vertex], _ edges: [Edge], from: Int, to: Int, closing: Edge
) -> (vertices: [Vertex], edges: [Edge]) {
    var (cv, ce): ([Vertex], [Edge]) = ([], [])
    var i = from
    while i != to {
        cv.append(vertices[i])
        ce.append(edges[i])
        i = (i + 1) % vertices.count
    }
    cv.append(vertices[to])
    ce.append(closing)
    return (cv, ce)
}

/// How often the nonzero signs change going once around the cycle.
func signChanges(_ sign: [Int]) -> Int {
    let nonzero = sign.filter { $0 != 0 }
    return nonzero.indices.filter { nonzero[$0] != nonzero[($0 + 1) % nonzero.count] }.count
}

/// An axis-aligned box [lower, upper] in ℝ³.
public struct Box3D: Sendable, Equatable {
    public var lower: SIMD3<Double>, upper: SIMD3<Double>
    public init(lower: SIMD3<Double>, upper: SIMD3<Double>) { (self.lower, self.upper) = (lower, upper) }
    public static let unit = Box3D(lower: SIMD3(repeating: -1), upper: SIMD3(repeating: 1))
    public var volume: Double { (upper - lower).x * (upper - lower).y * (upper - lower).z }
}
