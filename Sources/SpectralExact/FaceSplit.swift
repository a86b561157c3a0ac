/// A vertex as one chunk of a layer's face splits names it: a global id (an old vertex, or one inserted on an old
/// edge), or the chunk's own interior vertex i (made where a chord is crossed inside a face), whose global id is
/// known only once the chunks before it are counted (`resolved(interiorBase:)`). Stored as one Int32: the global id,
/// or −(i + 1).
struct ChunkVertex: Hashable {
    private let code: Int32
    static func global(_ v: Int32) -> Self { Self(code: v) }
    static func interior(_ i: Int) -> Self { Self(code: Int32(-i - 1)) }
    func resolved(interiorBase: Int) -> Int32 { code >= 0 ? code : Int32(interiorBase + Int(-code - 1)) }
}

/// A half-edge as one chunk names it: a global half-edge (of a piece of an old edge), or a half-edge of one of the
/// chunk's own chords, whose edge id is known only once the chunks before it are counted (`resolved(chordBase:)`).
/// While one face is cut its chords are numbered from 0 in the face; `offsettingChords(by:)` renumbers them into
/// the chunk's count. Stored as one Int: the global code, or −(chord << 1 | reversed) − 1.
struct ChunkHalfEdge: Hashable {
    private let code: Int
    static func global(_ h: HalfEdge) -> Self { Self(code: Int(h.code)) }
    static func chord(_ index: Int, reversed: Bool) -> Self { Self(code: -(index << 1 | (reversed ? 1 : 0)) - 1) }
    /// The chord and the direction it is run in, or nil for a global half-edge.
    var chord: (index: Int, reversed: Bool)? { code >= 0 ? nil : ((-code - 1) >> 1, (-code - 1) & 1 == 1) }

    func offsettingChords(by offset: Int) -> Self {
        guard let chord else { return self }
        return .chord(chord.index + offset, reversed: chord.reversed)
    }

    func resolved(chordBase: Int) -> HalfEdge {
        guard let chord else { return HalfEdge(edge: code >> 1, reversed: code & 1 == 1) }
        return HalfEdge(edge: chordBase + chord.index, reversed: chord.reversed)
    }
}

/// What one layer makes of a chunk of faces: the cells each face is cut into, the vertices created inside faces,
/// and the new edges (chords) between cells, named so that chunks can be joined in order (`ChunkVertex`,
/// `ChunkHalfEdge`).
final class FaceSplitChunk {
    var cellOffsets: [Int] = [0]
    var cellHalfEdges: [ChunkHalfEdge] = []
    var cellParent: [Int32] = []
    /// The layer's activation bits of each cell, `words` UInt64 per cell.
    var cellBits: [UInt64] = []
    var interiorX: [Double] = []
    var interiorY: [Double] = []
    var chordStart: [ChunkVertex] = []
    var chordEnd: [ChunkVertex] = []
    var chordUnit: [Int32] = []
    var ambiguous = 0
    let words: Int
    init(words: Int) { self.words = words }
}

/// The affine maps of one layer's pre-activations on the faces: face f, unit u: z = a·x + b·y + c with
/// (a, b, c) = (maps[f·3w + u], maps[f·3w + w + u], maps[f·3w + 2w + u]).
struct FaceMaps {
    let maps: UnsafePointer<Double>
    let width: Int
    @inline(__always) func value(face: Int, unit: Int, _ x: Double, _ y: Double) -> Double {
        let m = maps + face * 3 * width + unit
        return m[0] * x + m[width] * y + m[2 * width]
    }
}

/// One convex cell during the cut of a face: corners (local vertex indices) and the half-edge leaving each.
private struct Cell {
    var vertices: [Int32]
    var halfEdges: [ChunkHalfEdge]
}

/// Cuts face f by every unit of the layer whose pre-activation changes sign on it, in unit order, and appends the
/// cells to `out`. Old edges were already split (`EdgeVertices`), so on f's boundary every sign change passes
/// through a vertex where the unit is exactly 0; only chords inside f are crossed strictly, and the vertex made
/// there is shared by the two cells on either side of the chord. A cell is cut when the signs of its corners
/// (zeros aside) form exactly one positive and one negative run; the chord joins the last zero before each run.
/// Rounding can leave a sliver whose corners alternate in sign more often than an affine function allows: it is
/// kept whole (counted in `ambiguous`) and its bit is the sign of the unit at its centroid.
func splitFace(
    _ f: Int, mesh: PlanarSubdivision, insertedOffsets: UnsafePointer<Int>, values: VertexStore,
    maps: FaceMaps, into out: FaceSplitChunk
) {
    // 1. The boundary, with the vertices inserted on its edges.
    var boundary: [Int32] = []
    var boundaryEdges: [ChunkHalfEdge] = []
    // Old edge e's pieces are the new edges subBase ..< subBase + count + 1, from its start to its end.
    func piece(_ k: Int, reversed: Bool) -> ChunkHalfEdge { .global(HalfEdge(edge: k, reversed: reversed)) }
    for i in mesh.faceOffsets[f]..<mesh.faceOffsets[f + 1] {
        let h = mesh.halfEdges[i]
        let e = h.edge
        let (first, count) = (insertedOffsets[e], insertedOffsets[e + 1] - insertedOffsets[e])
        let subBase = e + first
        let newBase = values.oldCount + first
        boundary.append(mesh.origin(h))
        if !h.isReversed {
            boundaryEdges.append(piece(subBase, reversed: false))
            for j in 0..<count {
                boundary.append(Int32(newBase + j))
                boundaryEdges.append(piece(subBase + j + 1, reversed: false))
            }
        } else {
            boundaryEdges.append(piece(subBase + count, reversed: true))
            for j in stride(from: count - 1, through: 0, by: -1) {
                boundary.append(Int32(newBase + j))
                boundaryEdges.append(piece(subBase + j, reversed: true))
            }
        }
    }
    // 2. Which units cross f (values of both signs at its corners), and the sign of the others.
    let words = values.words
    var positive = [UInt64](repeating: 0, count: words)
    var negative = positive
    for v in boundary {
        let m = values.masks(v)
        for w in 0..<words {
            positive[w] |= m[w]
            negative[w] |= m[words + w]
        }
    }
    var baseBits = [UInt64](repeating: 0, count: out.words)
    var crossing: [Int] = []
    for w in 0..<words {
        baseBits[w] = positive[w] & ~negative[w]
        var bits = positive[w] & negative[w]
        while bits != 0 {
            crossing.append(w * 64 + bits.trailingZeroBitCount)
            bits &= bits - 1
        }
    }
    if crossing.isEmpty {
        emit(boundaryEdges, bits: baseBits, face: f, out: out)
        return
    }
    // 3. The local arrangement.
    var arrangement = LocalArrangement(face: f, boundary: boundary, crossing: crossing, values: values, maps: maps)
    var cells = [Cell(vertices: (0..<boundary.count).map(Int32.init), halfEdges: boundaryEdges)]
    for j in crossing.indices {
        arrangement.splitChords.removeAll(keepingCapacity: true)
        for c in cells.indices where arrangement.hasBothSigns(cells[c], unit: j) {
            if let negativeSide = arrangement.cut(&cells[c], unit: j) { cells.append(negativeSide) }
        }
    }
    // 4. Bits of the crossing units, then the cells.
    let chordBase = out.chordStart.count
    let interiorBase = out.interiorX.count
    for cell in cells {
        var bits = baseBits
        for (j, u) in crossing.enumerated() {
            var positive = false
            var negative = false
            for v in cell.vertices {
                let z = arrangement.z[Int(v) * crossing.count + j]
                positive = positive || z > 0
                negative = negative || z < 0
            }
            if positive && negative { positive = arrangement.centroidValue(cell.vertices, unit: u) > 0 }
            if positive { bits[u >> 6] |= 1 << UInt64(u & 63) }
        }
        emit(cell.halfEdges.map { $0.offsettingChords(by: chordBase) }, bits: bits, face: f, out: out)
    }
    let name = { (v: Int32) -> ChunkVertex in
        Int(v) < boundary.count ? .global(boundary[Int(v)]) : .interior(interiorBase + Int(v) - boundary.count)
    }
    for c in arrangement.chordStart.indices {
        out.chordStart.append(name(arrangement.chordStart[c]))
        out.chordEnd.append(name(arrangement.chordEnd[c]))
        out.chordUnit.append(Int32(crossing[arrangement.chordUnit[c]]))
    }
    out.interiorX.append(contentsOf: arrangement.x[boundary.count...])
    out.interiorY.append(contentsOf: arrangement.y[boundary.count...])
    out.ambiguous += arrangement.ambiguous
}

/// Appends one cell (its half-edges already coded for the chunk).
private func emit(_ halfEdges: [ChunkHalfEdge], bits: [UInt64], face: Int, out: FaceSplitChunk) {
    out.cellHalfEdges.append(contentsOf: halfEdges)
    out.cellOffsets.append(out.cellHalfEdges.count)
    out.cellParent.append(Int32(face))
    out.cellBits.append(contentsOf: bits)
}

/// The vertices, values and chords of one face's cut. Local vertex v < boundary count is a boundary vertex;
/// z holds the crossing units' values, `crossing.count` per vertex.
private struct LocalArrangement {
    let face: Int
    let crossing: [Int]
    let maps: FaceMaps
    var x: [Double] = [], y: [Double] = [], z: [Double] = []
    var chordStart: [Int32] = [], chordEnd: [Int32] = [], chordUnit: [Int] = []
    /// Chords split by the current unit: chord → (new vertex, the new chord that carries the far half).
    var splitChords: [Int: (vertex: Int32, chord: Int)] = [:]
    var ambiguous = 0

    init(face: Int, boundary: [Int32], crossing: [Int], values: VertexStore, maps: FaceMaps) {
        (self.face, self.crossing, self.maps) = (face, crossing, maps)
        for v in boundary {
            let p = values.position(v)
            let r = values.row(v)
            x.append(p.x)
            y.append(p.y)
            for u in crossing { z.append(r[u]) }
        }
    }

    @inline(__always) func value(_ v: Int32, _ j: Int) -> Double { z[Int(v) * crossing.count + j] }

    func centroidValue(_ vertices: [Int32], unit: Int) -> Double {
        let n = Double(vertices.count)
        let cx = vertices.reduce(0) { $0 + x[Int($1)] } / n
        let cy = vertices.reduce(0) { $0 + y[Int($1)] } / n
        return maps.value(face: face, unit: unit, cx, cy)
    }

    /// The vertex where unit j crosses chord c (created once; both cells of the chord get the same one).
    mutating func crossingVertex(chord c: Int, unit j: Int) -> (vertex: Int32, chord: Int) {
        if let known = splitChords[c] { return known }
        let (a, b) = (chordStart[c], chordEnd[c])
        let (za, zb) = (value(a, j), value(b, j))
        let t = za / (za - zb)
        let px = (1 - t) * x[Int(a)] + t * x[Int(b)]
        let py = (1 - t) * y[Int(a)] + t * y[Int(b)]
        let w = Int32(x.count)
        x.append(px)
        y.append(py)
        for (k, u) in crossing.enumerated() { z.append(k == j ? 0 : maps.value(face: face, unit: u, px, py)) }
        chordStart.append(w)
        chordEnd.append(b)
        chordUnit.append(chordUnit[c])
        chordEnd[c] = w
        let result = (w, chordStart.count - 1)
        splitChords[c] = result
        return result
    }

    /// Whether unit j is positive at some corner of the cell and negative at another (only such cells can have a
    /// chord crossed strictly or be cut).
    func hasBothSigns(_ cell: Cell, unit j: Int) -> Bool {
        var positive = false
        var negative = false
        for v in cell.vertices {
            let s = value(v, j)
            positive = positive || s > 0
            negative = negative || s < 0
        }
        return positive && negative
    }

    /// Cuts `cell` by unit j (index into `crossing`): it becomes the positive side and the negative side is
    /// returned (or it stays whole, with any crossing vertices inserted, when it cannot be cut).
    mutating func cut(_ cell: inout Cell, unit j: Int) -> Cell? {
        // Insert the crossing vertices of chords crossed strictly (shared with the neighbouring cell).
        var vs: [Int32] = []
        var hs: [ChunkHalfEdge] = []
        var consistent = true
        let n = cell.vertices.count
        vs.reserveCapacity(n + 2)
        hs.reserveCapacity(n + 2)
        for i in 0..<n {
            let a = cell.vertices[i]
            let b = cell.vertices[(i + 1) % n]
            let h = cell.halfEdges[i]
            vs.append(a)
            hs.append(h)
            let (za, zb) = (value(a, j), value(b, j))
            guard (za < 0 && zb > 0) || (za > 0 && zb < 0) else { continue }
            guard let chord = h.chord else {
                consistent = false
                continue
            }
            let (w, far) = crossingVertex(chord: chord.index, unit: j)
            // Forward: a → w on the chord, w → b on its far half. Backward: a → w on the far half, w → b on it.
            //     forward    a ──chord──▶ w ──far──▶ b        backward   a ──far──▶ w ──chord──▶ b
            if !chord.reversed {
                vs.append(w)
                hs.append(.chord(far, reversed: false))
            } else {
                hs[hs.count - 1] = .chord(far, reversed: true)
                vs.append(w)
                hs.append(h)
            }
        }
        // Runs of signs, zeros aside.
        let sign = vs.map { v -> Int in
            let s = value(v, j)
            return s > 0 ? 1 : (s < 0 ? -1 : 0)
        }
        guard consistent, let (pa, pb) = cutPoints(sign) else {
            if !consistent || signChanges(sign) >= 2 { ambiguous += 1 }
            cell = Cell(vertices: vs, halfEdges: hs)
            return nil
        }
        let chord = chordStart.count
        chordStart.append(vs[pa])
        chordEnd.append(vs[pb])
        chordUnit.append(j)
        func arc(from s: Int, to e: Int, closing: ChunkHalfEdge) -> Cell {
            let (cv, ch) = cyclicArc(vs, hs, from: s, to: e, closing: closing)
            return Cell(vertices: cv, halfEdges: ch)
        }
        cell = arc(from: pb, to: pa, closing: .chord(chord, reversed: false))  // positive side, pa → pb forward
        return arc(from: pa, to: pb, closing: .chord(chord, reversed: true))  // negative side, pb → pa backward
    }
}
