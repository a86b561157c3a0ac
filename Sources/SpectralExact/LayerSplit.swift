import SpectralKernels

/// One layer's cut of the whole subdivision (steps 1–4 of `enumerateRegions`).
struct LayerStep {
    var mesh: PlanarSubdivision
    /// For each new face, the face it was cut from, and its activation bits for this layer (`words` per face).
    var parents: [Int32]
    var bits: [UInt64]
    /// For each new edge: the old edge it is part of (sub-edges come first), then the unit of each chord.
    var subEdgeSource: [Int32]
    var chordUnits: [Int32]
    var ambiguous: Int
}

/// Cuts every face by the units `units` of the layer (all of them, or a first group while there are too few faces
/// to share among the threads).
func splitLayer(
    mesh: PlanarSubdivision, maps: AlignedBuffer<Double>, width: Int, words: Int, units: Range<Int>,
    linear: [UInt64]?, pool: ThreadPool, limits: EnumerationLimits, layer: Int
) throws -> LayerStep {
    guard let linear else {
        return try splitLayer(
            mesh: mesh, maps: maps, width: width, words: words, units: units, linear: nil as UnsafePointer<UInt64>?,
            pool: pool, limits: limits, layer: layer)
    }
    return try linear.withUnsafeBufferPointer {
        try splitLayer(
            mesh: mesh, maps: maps, width: width, words: words, units: units, linear: $0.baseAddress!, pool: pool,
            limits: limits, layer: layer)
    }
}

private func splitLayer(
    mesh: PlanarSubdivision, maps: AlignedBuffer<Double>, width: Int, words: Int, units: Range<Int>,
    linear: UnsafePointer<UInt64>?, pool: ThreadPool, limits: EnumerationLimits, layer: Int
) throws -> LayerStep {
    try limits.check(
        layer: layer, count: mesh.faceCount, what: "regions",
        bytes: Double(mesh.vertexCount) * Double(width + 2 * words) * 8)
    let oldVertices = mesh.vertexCount
    // 1. Values at the vertices from a canonical face (the first face that has the vertex).
    var canonical = [Int32](repeating: -1, count: oldVertices)
    for f in 0..<mesh.faceCount {
        for i in mesh.faceOffsets[f]..<mesh.faceOffsets[f + 1] {
            let v = Int(mesh.origin(mesh.halfEdges[i]))
            if canonical[v] < 0 { canonical[v] = Int32(f) }
        }
    }
    let values = AlignedBuffer<Double>(uninitializedCount: oldVertices * width)
    let masks = AlignedBuffer<UInt64>(uninitializedCount: oldVertices * 2 * words)
    let faceMaps = FaceMaps(maps: maps.pointer, width: width)
    pool.forEachChunk(count: oldVertices, minimumChunk: 1024) { range in
        for v in range {
            let (f, px, py) = (Int(canonical[v]), mesh.x[v], mesh.y[v])
            for u in 0..<width { values[v * width + u] = faceMaps.value(face: f, unit: u, px, py) }
            writeSignMasks(
                values.pointer + v * width, width: width, units: units, linear: linear,
                to: masks.pointer + v * 2 * words)
        }
    }
    return try mesh.x.withUnsafeBufferPointer { xs in
        try mesh.y.withUnsafeBufferPointer { ys in
            let oldOnly = VertexStore(
                oldX: xs.baseAddress!, oldY: ys.baseAddress!, old: values.pointer, oldMasks: masks.pointer,
                oldCount: oldVertices, addedX: xs.baseAddress!, addedY: ys.baseAddress!,
                added: values.pointer, addedMasks: masks.pointer, width: width, units: units, linear: linear)
            // 2. Vertices on edges.
            let inserted = try EdgeVertices(mesh: mesh, values: oldOnly, pool: pool) { vertices in
                try limits.check(
                    layer: layer, count: mesh.faceCount, what: "regions",
                    bytes: Double(vertices) * Double(width + 2 * words + 2) * 8)
            }
            let store = VertexStore(
                oldX: xs.baseAddress!, oldY: ys.baseAddress!, old: values.pointer,
                oldMasks: masks.pointer, oldCount: oldVertices, addedX: inserted.x.pointer,
                addedY: inserted.y.pointer, added: inserted.rows.pointer,
                addedMasks: inserted.masks.pointer, width: width, units: units, linear: linear)
            // 3. Cells of every face.
            let faceChunks: [FaceSplitChunk] = inserted.insertedOffsets.withUnsafeBufferPointer { offsets in
                pool.mapChunks(
                    count: mesh.faceCount, chunkSize: min(64, max(1, mesh.faceCount / (8 * pool.threadCount)))
                ) { range in
                    let chunk = FaceSplitChunk(words: words)
                    for f in range {
                        splitFace(
                            f, mesh: mesh, insertedOffsets: offsets.baseAddress!, values: store, maps: faceMaps,
                            into: chunk)
                    }
                    return chunk
                }
            }
            // 4. Assemble.
            return assemble(
                mesh: mesh, insertedOffsets: inserted.insertedOffsets, addedX: Array(inserted.x.buffer),
                addedY: Array(inserted.y.buffer), chunks: faceChunks)
        }
    }
}

/// The new subdivision from the old one, the vertices inserted on its edges and the faces' cells.
private func assemble(
    mesh: PlanarSubdivision, insertedOffsets: [Int], addedX: [Double], addedY: [Double],
    chunks: [FaceSplitChunk]
) -> LayerStep {
    let (oldVertices, oldEdges) = (mesh.vertexCount, mesh.edgeCount)
    let interiorStart = oldVertices + addedX.count
    let subEdges = oldEdges + addedX.count
    var x = mesh.x + addedX
    var y = mesh.y + addedY
    var start = [Int32]()
    var end = [Int32]()
    var source = [Int32]()
    start.reserveCapacity(subEdges)
    end.reserveCapacity(subEdges)
    source.reserveCapacity(subEdges)
    for e in 0..<oldEdges {
        let (first, count) = (insertedOffsets[e], insertedOffsets[e + 1] - insertedOffsets[e])
        var previous = mesh.edgeStart[e]
        for j in 0...count {
            let next = j == count ? mesh.edgeEnd[e] : Int32(oldVertices + first + j)
            start.append(previous)
            end.append(next)
            source.append(Int32(e))
            previous = next
        }
    }
    var chordUnits = [Int32]()
    var parents = [Int32]()
    var bits = [UInt64]()
    var faceOffsets = [0]
    var halfEdges = [HalfEdge]()
    var ambiguous = 0
    var interiorBase = interiorStart
    var chordBase = subEdges
    for chunk in chunks {
        for c in chunk.chordStart.indices {
            start.append(chunk.chordStart[c].resolved(interiorBase: interiorBase))
            end.append(chunk.chordEnd[c].resolved(interiorBase: interiorBase))
        }
        chordUnits += chunk.chordUnit
        for h in chunk.cellHalfEdges { halfEdges.append(h.resolved(chordBase: chordBase)) }
        for c in 1..<chunk.cellOffsets.count {
            faceOffsets.append(faceOffsets.last! + chunk.cellOffsets[c] - chunk.cellOffsets[c - 1])
        }
        parents += chunk.cellParent
        bits += chunk.cellBits
        x += chunk.interiorX
        y += chunk.interiorY
        interiorBase += chunk.interiorX.count
        chordBase += chunk.chordStart.count
        ambiguous += chunk.ambiguous
    }
    var left = [Int32](repeating: -1, count: start.count)
    var right = left
    for f in 0..<(faceOffsets.count - 1) {
        for i in faceOffsets[f]..<faceOffsets[f + 1] {
            let h = halfEdges[i]
            if h.isReversed { right[h.edge] = Int32(f) } else { left[h.edge] = Int32(f) }
        }
    }
    let newMesh = PlanarSubdivision(
        x: x, y: y, edgeStart: start, edgeEnd: end, edgeLeft: left, edgeRight: right,
        faceOffsets: faceOffsets, halfEdges: halfEdges)
    return LayerStep(
        mesh: newMesh, parents: parents, bits: bits, subEdgeSource: source, chordUnits: chordUnits,
        ambiguous: ambiguous)
}
