import Foundation
import SpectralCore
import SpectralKernels

/// The linear regions of a ReLU network f: ℝ³ → ℝ on a box, exactly (Float64): a polyhedral complex whose cells are
/// the activation regions, each with its affine map f = g·x + c and activation pattern.
public struct LinearRegions3D: Sendable {
    public let complex: PolyhedralComplex
    public let gradient: [SIMD3<Double>]
    public let offset: [Double]
    /// Hidden-layer widths; each layer's bits start on a 64-bit word boundary of a cell's pattern.
    public let hiddenSizes: [Int]
    public let patternWords: Int
    public let patterns: [UInt64]
    /// The hidden unit (numbered across layers) whose zero set holds each face; −1 on the box's boundary.
    public let faceUnit: [Int32]
    public let box: Box3D
    /// The domain is the box cut to these half-spaces (none: the box).
    public let halfSpaces: [HalfSpace3D]
    /// Cells left whole because rounding made their corner signs inconsistent (0 on generic nets).
    public let ambiguousCells: Int

    public var cellCount: Int { complex.cellCount }

    public func value(cell c: Int, _ p: SIMD3<Double>) -> Double { dot(gradient[c], p) + offset[c] }

    /// Word offset of each layer's bits within a pattern.
    public var layerWordOffsets: [Int] { hiddenSizes.reduce(into: [0]) { $0.append($0.last! + ($1 + 63) / 64) } }

    /// Cell c's pattern as one Bool per hidden unit, layer by layer (the layout of `ExactNetwork.pattern`).
    public func pattern(cell c: Int) -> [Bool] {
        let offsets = layerWordOffsets
        return hiddenSizes.enumerated().flatMap { l, width in
            (0..<width).map { u in
                patterns[c * patternWords + offsets[l] + u >> 6] >> UInt64(u & 63) & 1 == 1
            }
        }
    }
}

/// Enumerates the linear regions of `net` (three inputs, one output) on a box, or on the convex polytope the box and
/// `halfSpaces` cut out (`ComplexUnderCut.polytope`), layer by layer:
///  1. every vertex gets the layer's pre-activations from one canonical cell's affine map (the first cell that has
///     it), so each shared vertex has one value, and one sign, per unit;
///  2. the layer's units cut the complex one plane at a time, in unit order (`ComplexUnderCut.cut`);
///  3. each cell's next affine maps are W_{l+1}·diag(pattern)·(its parent's maps) (`nextLayerMaps`, four rows).
///
/// Ids follow the order of the cuts alone, so the result is the same for any thread count. Before each plane the
/// cell count and the memory are checked against `limits`.
public func enumerateRegions3D(
    _ net: ExactNetwork, box: Box3D, halfSpaces: [HalfSpace3D] = [], pool: ThreadPool,
    limits: EnumerationLimits = .regions
) throws -> LinearRegions3D {
    guard net.sizes.first == 3 else {
        throw SpectralError.badInput("the network takes \(net.sizes[0]) inputs; the 3-D regions need exactly 3")
    }
    try validate(box)
    let hidden = net.hiddenSizes
    let layerWords = hidden.map { ($0 + 63) / 64 }
    let totalWords = max(1, layerWords.reduce(0, +))
    var complex =
        halfSpaces.isEmpty
        ? ComplexUnderCut(box: box, patternWords: totalWords)
        : try ComplexUnderCut.polytope(
            box: box, halfSpaces: try validated(halfSpaces), patternWords: totalWords, pool: pool)
    let start = complex  // for the debug check that the cuts keep the domain's volume
    // Layer 1's maps, the same on every starting cell (one for a box, those of the clipped polytope otherwise).
    var maps = AlignedBuffer<Double>((0..<complex.cellCount).flatMap { _ in firstLayerRows(net) })
    var (unitOffset, wordOffset) = (0, 0)
    for l in 0..<hidden.count {
        let width = hidden[l]
        // Each vertex's values of this layer's units, and each cell's maps of them and of the next layer's: checked
        // before the layer allocates them and again, for the cells it made, before the next maps.
        func checkMemory() throws {
            try limits.check(
                layer: l + 1, count: complex.cellCount, what: "cells",
                bytes: Double(complex.vertexCount) * Double(width + 4) * 8
                    + Double(complex.cellCount) * 4 * Double(width + net.sizes[l + 2]) * 8
                    + Double(complex.faceVertices.count) * 160)
        }
        try checkMemory()
        complex.startLayer(
            width: width, values: vertexValues(complex, maps: maps, width: width, pool: pool), wordOffset: wordOffset)
        let layerMaps = maps
        for u in 0..<width {
            if !net.isPlainReLU && net.activations[l][u].isLinear {
                // A carried value never cuts: its bit is its slope, 1, in every cell.
                for c in 0..<complex.cellCount {
                    complex.patterns[c * totalWords + wordOffset + u >> 6] |= 1 << UInt64(u & 63)
                }
                continue
            }
            try limits.check(
                layer: l + 1, count: complex.cellCount, what: "cells",
                bytes: Double(complex.vertexCount) * Double(width + 4) * 8 + Double(complex.faceVertices.count) * 160)
            complex.cut(unit: u, globalUnit: Int32(unitOffset + u), wordOffset: wordOffset, pool: pool) { parent, p in
                let m = layerMaps.pointer + parent.index * 4 * width + u
                return m[0] * p.x + m[width] * p.y + m[2 * width] * p.z + m[3 * width] > 0
            }
        }
        let bits = (0..<complex.cellCount).flatMap { c in
            complex.patterns[(c * totalWords + wordOffset)..<(c * totalWords + wordOffset + layerWords[l])]
        }
        try checkMemory()
        maps = nextLayerMaps(
            layerMaps, width: width, parents: complex.cellParent.elements.map { $0.raw }, bits: bits,
            words: layerWords[l],
            weight: net.weights[l + 1], sparse: net.sparse[l + 1], bias: net.biases[l + 1], pool: pool, rows: 4,
            activations: net.isPlainReLU ? nil : net.activations[l])
        unitOffset += width
        wordOffset += layerWords[l]
        limits.progress?(l + 1, hidden.count)
    }
    let cells = complex.cellCount
    let result = frozen(complex)
    assertInvariants("the 3-D regions", result.validate(domainVolume: frozen(start).totalVolume))
    return LinearRegions3D(
        complex: result, gradient: (0..<cells).map { SIMD3(maps[$0 * 4], maps[$0 * 4 + 1], maps[$0 * 4 + 2]) },
        offset: (0..<cells).map { maps[$0 * 4 + 3] }, hiddenSizes: hidden, patternWords: totalWords,
        patterns: complex.patterns, faceUnit: complex.faceUnit.elements, box: box, halfSpaces: halfSpaces,
        ambiguousCells: complex.ambiguous)
}

private func validate(_ box: Box3D) throws {
    let corners = [box.lower.x, box.lower.y, box.lower.z, box.upper.x, box.upper.y, box.upper.z]
    guard corners.allSatisfy({ $0.isFinite && abs($0) <= 1e12 }) else {
        throw SpectralError.badInput("the box's corners must be finite and within ±1e12")
    }
    guard box.lower.x < box.upper.x, box.lower.y < box.upper.y, box.lower.z < box.upper.z else {
        throw SpectralError.badInput("the box is empty: each lower bound must be below its upper bound")
    }
}

private func validated(_ halfSpaces: [HalfSpace3D]) throws -> [HalfSpace3D] {
    for (i, h) in halfSpaces.enumerated() {
        let n = [h.normal.x, h.normal.y, h.normal.z]
        guard (n + [h.offset]).allSatisfy({ $0.isFinite && abs($0) <= 1e12 }), n.contains(where: { $0 != 0 }) else {
            throw SpectralError.badInput("half-space \(i + 1) needs a finite, nonzero normal and a finite offset")
        }
    }
    return halfSpaces
}

/// Layer 1's maps on one cell: rows ∂/∂x, ∂/∂y, ∂/∂z and the bias, `width` each.
private func firstLayerRows(_ net: ExactNetwork) -> [Double] {
    let w = net.sizes[1]
    return (0..<3).flatMap { i in (0..<w).map { net.weights[0][$0 * 3 + i] } } + net.biases[0]
}

/// The layer's pre-activations at every vertex, from the first cell that has it.
private func vertexValues(
    _ complex: ComplexUnderCut, maps: AlignedBuffer<Double>, width: Int, pool: ThreadPool
) -> [Double] {
    var canonical = IDArray<VertexID, CellID>(repeating: .outside, count: complex.vertexCount)
    for c in complex.cellFaces.ids {
        for f in complex.cellFaces[c] {
            for v in complex.faceVertices[f] where canonical[v].isOutside { canonical[v] = c }
        }
    }
    var values = [Double](repeating: 0, count: complex.vertexCount * width)
    values.withUnsafeMutableBufferPointer { out in
        let out = out.baseAddress!
        pool.forEachChunk(count: complex.vertexCount, minimumChunk: 1024) { range in
            for v in range.lazy.map({ VertexID($0) }) {
                let m = maps.pointer + canonical[v].index * 4 * width
                let p = complex.position(v)
                for u in 0..<width {
                    out[v.index * width + u] =
                        m[u] * p.x + m[width + u] * p.y + m[2 * width + u] * p.z + m[3 * width + u]
                }
            }
        }
    }
    return values
}

/// The flat, read-only complex: the arrays of ids become arrays of Int32, each face's and cell's lists one after
/// another with their offsets.
func frozen(_ c: ComplexUnderCut) -> PolyhedralComplex {
    func flattened<ID: ComplexID>(_ lists: [[ID]]) -> (offsets: [Int], ids: [Int32]) {
        var offsets = [0]
        offsets.reserveCapacity(lists.count + 1)
        for list in lists { offsets.append(offsets.last! + list.count) }
        var ids: [Int32] = []
        ids.reserveCapacity(offsets.last!)
        for list in lists {
            for id in list { ids.append(id.raw) }
        }
        return (offsets, ids)
    }
    let (faceOffsets, faceVertices) = flattened(c.faceVertices.elements)
    let (cellOffsets, cellFaces) = flattened(c.cellFaces.elements)
    return PolyhedralComplex(
        x: c.px.elements, y: c.py.elements, z: c.pz.elements, edgeStart: c.edgeStart.elements.map { $0.raw },
        edgeEnd: c.edgeEnd.elements.map { $0.raw }, faceOffsets: faceOffsets, faceVertices: faceVertices,
        faceEdges: flattened(c.faceEdges.elements).ids,
        faceCells: zip(c.faceCellA.elements, c.faceCellB.elements).flatMap { [$0.raw, $1.raw] },
        cellOffsets: cellOffsets, cellFaces: cellFaces)
}
