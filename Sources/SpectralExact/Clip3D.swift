import SpectralCore
import SpectralKernels

/// A closed half-space {x : n·x ≤ offset}.
public struct HalfSpace3D: Sendable, Equatable {
    public var normal: SIMD3<Double>, offset: Double
    public init(normal: SIMD3<Double>, offset: Double) { (self.normal, self.offset) = (normal, offset) }
}

extension ComplexUnderCut {
    /// The box clipped to the half-spaces: each plane n·x = offset cuts the complex as a unit would (exact zeros,
    /// shared vertices), then only the cells inside every half-space are kept. Throws when nothing of the box is left.
    static func polytope(box: Box3D, halfSpaces: [HalfSpace3D], patternWords: Int, pool: ThreadPool) throws -> Self {
        let planes = halfSpaces.count
        var complex = ComplexUnderCut(box: box, patternWords: (planes + 63) / 64)
        let values = (0..<complex.vertexCount).flatMap { v in
            halfSpaces.map { dot($0.normal, SIMD3(complex.px[v], complex.py[v], complex.pz[v])) - $0.offset }
        }
        complex.startLayer(width: planes, values: values, wordOffset: 0)
        for (u, h) in halfSpaces.enumerated() {
            complex.cut(unit: u, globalUnit: -1, wordOffset: 0, pool: pool) { _, p in dot(h.normal, p) - h.offset > 0 }
        }
        // Inside every half-space: no plane is positive on the cell.
        let words = complex.patternWords
        let inside = (0..<complex.cellCount).map { c in (0..<words).allSatisfy { complex.patterns[c * words + $0] == 0 }
        }
        guard inside.contains(true) else {
            throw SpectralError.badInput("the polytope is empty: no part of the box lies inside every half-space")
        }
        complex.keepCells(inside, patternWords: patternWords)
        return complex
    }

    /// Keeps the cells marked true (in order) and the faces, edges and vertices they use; a face left with one cell
    /// becomes a boundary face (that cell first, unit −1). Patterns restart at zero, `patternWords` per cell.
    mutating func keepCells(_ keep: [Bool], patternWords words: Int) {
        var cellId = [Int32](repeating: -1, count: cellCount)
        var next: Int32 = 0
        for c in 0..<cellCount where keep[c] {
            cellId[c] = next
            next += 1
        }
        var (faceId, vertexId, edgeId) = (
            [Int32](repeating: -1, count: faceVertices.count), [Int32](repeating: -1, count: vertexCount),
            [Int32](repeating: -1, count: edgeStart.count)
        )
        var kept = ComplexUnderCut()
        for f in faceVertices.indices {
            var (a, b) = (cellId[Int(faceCellA[f])], faceCellB[f] < 0 ? -1 : cellId[Int(faceCellB[f])])
            guard a >= 0 || b >= 0 else { continue }
            if a < 0 { (a, b) = (b, -1) }
            faceId[f] = Int32(kept.faceVertices.count)
            kept.faceVertices.append(
                faceVertices[f].map { v in
                    if vertexId[Int(v)] < 0 {
                        vertexId[Int(v)] = Int32(kept.px.count)
                        kept.px.append(px[Int(v)])
                        kept.py.append(py[Int(v)])
                        kept.pz.append(pz[Int(v)])
                    }
                    return vertexId[Int(v)]
                })
            kept.faceEdges.append(
                faceEdges[f].map { e in
                    if edgeId[Int(e)] < 0 {
                        edgeId[Int(e)] = Int32(kept.edgeStart.count)
                        kept.edgeStart.append(vertexId[Int(edgeStart[Int(e)])])
                        kept.edgeEnd.append(vertexId[Int(edgeEnd[Int(e)])])
                    }
                    return edgeId[Int(e)]
                })
            kept.faceCellA.append(a)
            kept.faceCellB.append(b)
            kept.faceUnit.append(b < 0 ? -1 : faceUnit[f])
        }
        kept.cellFaces = (0..<cellCount).filter { keep[$0] }.map { c in cellFaces[c].map { faceId[Int($0)] } }
        kept.patternWords = words
        kept.patterns = [UInt64](repeating: 0, count: kept.cellFaces.count * words)
        kept.cellParent = (0..<kept.cellFaces.count).map(Int32.init)
        kept.ambiguous = ambiguous
        self = kept
    }
}

/// The volume of the box cut to the half-spaces (the box's when there are none), from the polytope alone.
public func domainVolume(box: Box3D, halfSpaces: [HalfSpace3D], pool: ThreadPool) throws -> Double {
    guard !halfSpaces.isEmpty else { return box.volume }
    let c = try ComplexUnderCut.polytope(box: box, halfSpaces: halfSpaces, patternWords: 1, pool: pool)
    let k = frozen(c)
    var total = 0.0
    for cell in 0..<k.cellCount { total += k.volumeAndCentroid(cell: cell).volume }
    return total
}
