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
        let values = complex.px.ids.flatMap { v in
            halfSpaces.map { dot($0.normal, complex.position(v)) - $0.offset }
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
        var cellID = IDArray<CellID, CellID>(repeating: .outside, count: cellCount)
        var next = 0
        for c in 0..<cellCount where keep[c] {
            cellID[CellID(c)] = CellID(next)
            next += 1
        }
        var faceID = IDArray<FaceID, FaceID?>(repeating: nil, count: faceVertices.count)
        var vertexID = IDArray<VertexID, VertexID?>(repeating: nil, count: vertexCount)
        var edgeID = IDArray<EdgeID, EdgeID?>(repeating: nil, count: edgeStart.count)
        var kept = ComplexUnderCut()
        for f in faceVertices.ids {
            var (a, b) = (cellID[faceCellA[f]], faceCellB[f].isOutside ? .outside : cellID[faceCellB[f]])
            guard !a.isOutside || !b.isOutside else { continue }
            if a.isOutside { (a, b) = (b, .outside) }
            faceID[f] = kept.faceVertices.append(
                faceVertices[f].map { v in
                    if vertexID[v] == nil {
                        vertexID[v] = kept.px.append(px[v])
                        kept.py.append(py[v])
                        kept.pz.append(pz[v])
                    }
                    return vertexID[v]!
                })
            kept.faceEdges.append(
                faceEdges[f].map { e in
                    if edgeID[e] == nil {
                        edgeID[e] = kept.edgeStart.append(vertexID[edgeStart[e]]!)
                        kept.edgeEnd.append(vertexID[edgeEnd[e]]!)
                    }
                    return edgeID[e]!
                })
            kept.faceCellA.append(a)
            kept.faceCellB.append(b)
            kept.faceUnit.append(b.isOutside ? -1 : faceUnit[f])
        }
        kept.cellFaces = IDArray(cellFaces.ids.filter { keep[$0.index] }.map { c in cellFaces[c].map { faceID[$0]! } })
        kept.patternWords = words
        kept.patterns = [UInt64](repeating: 0, count: kept.cellFaces.count * words)
        kept.cellParent = IDArray(kept.cellFaces.ids)
        kept.ambiguous = ambiguous
        self = kept
    }
}

/// The volume of the box cut to the half-spaces (the box's when there are none), from the polytope alone.
public func domainVolume(box: Box3D, halfSpaces: [HalfSpace3D], pool: ThreadPool) throws -> Double {
    guard !halfSpaces.isEmpty else { return box.volume }
    return frozen(try ComplexUnderCut.polytope(box: box, halfSpaces: halfSpaces, patternWords: 1, pool: pool))
        .totalVolume
}
