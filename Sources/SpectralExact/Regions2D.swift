import Foundation
import SpectralCore
import SpectralKernels

/// The linear regions of a ReLU network f: ℝ² → ℝ on a convex polygon, exactly (Float64): a planar subdivision
/// whose faces are the activation regions, each with its affine map f = gx·x + gy·y + c and activation pattern.
public struct LinearRegions2D: Sendable {
    public let mesh: PlanarSubdivision
    public let gradientX: [Double]
    public let gradientY: [Double]
    public let offset: [Double]
    /// Hidden-layer widths; each layer's bits start on a 64-bit word boundary of a face's pattern.
    public let hiddenSizes: [Int]
    public let patternWords: Int
    public let patterns: [UInt64]
    /// The hidden unit (numbered across layers) whose zero set contains each edge; −1 on the domain boundary.
    public let edgeUnit: [Int32]
    public let domain: [(x: Double, y: Double)]
    /// Cells left whole because rounding made their corner signs inconsistent (0 on generic nets).
    public let ambiguousCells: Int

    public var regionCount: Int { mesh.faceCount }
    /// L_f = max over regions of |∇f| (computed once: `isFlat` reads it for every edge).
    public let lipschitz: Double

    public init(
        mesh: PlanarSubdivision, gradientX: [Double], gradientY: [Double], offset: [Double], hiddenSizes: [Int],
        patternWords: Int, patterns: [UInt64], edgeUnit: [Int32], domain: [(x: Double, y: Double)],
        ambiguousCells: Int
    ) {
        (self.mesh, self.gradientX, self.gradientY, self.offset) = (mesh, gradientX, gradientY, offset)
        (self.hiddenSizes, self.patternWords, self.patterns, self.edgeUnit) = (
            hiddenSizes, patternWords, patterns, edgeUnit
        )
        self.domain = domain
        self.ambiguousCells = ambiguousCells
        lipschitz = zip(gradientX, gradientY).map { hypot($0, $1) }.max() ?? 0
    }

    /// Word offset of each layer's bits within a pattern.
    public var layerWordOffsets: [Int] { hiddenSizes.reduce(into: [0]) { $0.append($0.last! + ($1 + 63) / 64) } }

    public func isActive(face: Int, layer: Int, unit: Int) -> Bool {
        let word = patterns[face * patternWords + layerWordOffsets[layer] + unit >> 6]
        return word >> UInt64(unit & 63) & 1 == 1
    }

    public func value(face f: Int, _ x: Double, _ y: Double) -> Double {
        gradientX[f] * x + gradientY[f] * y + offset[f]
    }

    public var domainArea: Double { PlanarSubdivision(polygon: domain).areaAndCentroid(0).area }

    /// Interior edges across which the gradient does not change (relative to the largest gradient): a unit whose
    /// switching the layers above ignore there. They carry no mass of Δf and are flagged, not merged.
    public func isFlat(edge e: Int) -> Bool {
        let (l, r) = (Int(mesh.edgeLeft[e]), Int(mesh.edgeRight[e]))
        if r < 0 { return false }
        return hypot(gradientX[l] - gradientX[r], gradientY[l] - gradientY[r]) <= 1e-12
            * max(lipschitz, .leastNormalMagnitude)
    }
}

/// The axis-aligned box [x0, x1] × [y0, y1] as a counter-clockwise polygon.
public func boxPolygon(x0: Double, x1: Double, y0: Double, y1: Double) -> [(x: Double, y: Double)] {
    [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
}

/// Enumerates the linear regions of `net` (two inputs, one output) on a convex polygon, layer by layer and, within
/// a layer, face by face in parallel:
///  1. every vertex gets the layer's pre-activations from one canonical face's affine map (so each shared vertex
///     has one value, and one sign, per unit);
///  2. `EdgeVertices` inserts, on every edge, one vertex per unit that changes sign strictly along it;
///  3. `splitFace` cuts each face by the units that cross it, in unit order, into convex cells;
///  4. the cells become the new faces (ids in face order, then cell order: the same for any thread count);
///  5. each cell's next affine maps are W_{l+1}·diag(pattern)·(the parent's maps) (`nextLayerMaps`: one Float64
///     product per parent, rank-one updates per cell).
///
/// Before each layer's arrays are allocated, the region count and their memory are checked against `limits`.
public func enumerateRegions(
    _ net: ExactNetwork, domain: [(x: Double, y: Double)], pool: ThreadPool,
    limits: EnumerationLimits = .regions
) throws -> LinearRegions2D {
    guard net.sizes.first == 2 else {
        throw SpectralError.badInput("the network takes \(net.sizes[0]) inputs; the 2-D regions need exactly 2")
    }
    let polygon = try validatedPolygon(domain)
    let hidden = net.hiddenSizes
    let layerWords = hidden.map { ($0 + 63) / 64 }
    let totalWords = max(1, layerWords.reduce(0, +))
    var mesh = PlanarSubdivision(polygon: polygon)
    var edgeUnit = [Int32](repeating: -1, count: polygon.count)
    var patterns = [UInt64](repeating: 0, count: totalWords)
    var maps = firstLayerMaps(net)
    var ambiguous = 0
    var unitOffset = 0
    var wordOffset = 0
    for l in 0..<hidden.count {
        let width = hidden[l]
        // While there are too few faces to share among threads (the first layer starts from one), the first units
        // cut alone; their cells then share the rest of the layer. (A fixed rule: the result must not depend on
        // the thread count.)
        let first = mesh.faceCount < 32 && width > 16 ? 8 : width
        var layerMaps = maps
        for units in [0..<first, first..<width] where !units.isEmpty {
            let step = try splitLayer(
                mesh: mesh, maps: layerMaps, width: width, words: layerWords[l], units: units,
                linear: net.linearMask(layer: l), pool: pool, limits: limits, layer: l + 1)
            // The next maps (3 rows of the next width per cell, and the products they come from) and the patterns.
            let nextWidth = units.upperBound < width ? width : net.sizes[l + 2]
            try limits.check(
                layer: l + 1, count: step.parents.count, what: "regions",
                bytes: Double(step.parents.count) * (2 * 3 * Double(nextWidth) * 8 + Double(totalWords) * 8 + 64))
            ambiguous += step.ambiguous
            // New faces inherit their parent's pattern and add these units' bits.
            var newPatterns = [UInt64](repeating: 0, count: step.parents.count * totalWords)
            for (c, parent) in step.parents.enumerated() {
                for w in 0..<totalWords { newPatterns[c * totalWords + w] = patterns[Int(parent) * totalWords + w] }
                for w in 0..<layerWords[l] {
                    newPatterns[c * totalWords + wordOffset + w] |= step.bits[c * layerWords[l] + w]
                }
            }
            edgeUnit = step.subEdgeSource.map { edgeUnit[Int($0)] } + step.chordUnits.map { Int32(unitOffset) + $0 }
            mesh = step.mesh
            patterns = newPatterns
            if units.upperBound < width {
                layerMaps = gatherMaps(layerMaps, width: width, parents: step.parents)
            } else {
                let bits = (0..<step.parents.count).flatMap { c in
                    patterns[(c * totalWords + wordOffset)..<(c * totalWords + wordOffset + layerWords[l])]
                }
                maps = nextLayerMaps(
                    layerMaps, width: width, parents: step.parents, bits: bits, words: layerWords[l],
                    weight: net.weights[l + 1], sparse: net.sparse[l + 1], bias: net.biases[l + 1], pool: pool,
                    activations: net.isPlainReLU ? nil : net.activations[l])
            }
        }
        unitOffset += width
        wordOffset += layerWords[l]
        limits.progress?(l + 1, hidden.count)
    }
    let faces = mesh.faceCount
    assertInvariants(
        "the 2-D regions", mesh.validate(domainArea: PlanarSubdivision(polygon: polygon).areaAndCentroid(0).area))
    return LinearRegions2D(
        mesh: mesh, gradientX: (0..<faces).map { maps[$0 * 3] }, gradientY: (0..<faces).map { maps[$0 * 3 + 1] },
        offset: (0..<faces).map { maps[$0 * 3 + 2] }, hiddenSizes: hidden, patternWords: totalWords,
        patterns: patterns, edgeUnit: edgeUnit, domain: polygon, ambiguousCells: ambiguous)
}

/// Each new face's maps are its parent's (within a layer the maps do not change).
private func gatherMaps(_ maps: AlignedBuffer<Double>, width: Int, parents: [Int32]) -> AlignedBuffer<Double> {
    let gathered = AlignedBuffer<Double>(uninitializedCount: parents.count * 3 * width)
    for (c, parent) in parents.enumerated() {
        (gathered.pointer + c * 3 * width).update(from: maps.pointer + Int(parent) * 3 * width, count: 3 * width)
    }
    return gathered
}

/// A convex polygon with finite corners, turned counter-clockwise; anything else is bad input. Convex means every
/// corner turns the same way *and* the turns add up to one revolution: a pentagram turns the same way at every
/// corner but twice around.
public func validatedPolygon(_ corners: [(x: Double, y: Double)]) throws -> [(x: Double, y: Double)] {
    guard corners.count >= 3, corners.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
        throw SpectralError.badInput("the domain needs at least 3 finite corners")
    }
    guard corners.allSatisfy({ abs($0.x) <= 1e12 && abs($0.y) <= 1e12 }) else {
        throw SpectralError.badInput("the domain's corners must lie within ±1e12")
    }
    let area = PlanarSubdivision(polygon: corners).areaAndCentroid(0).area
    guard area != 0, area.isFinite else { throw SpectralError.badInput("the domain is empty (zero area)") }
    let ccw = area > 0 ? corners : corners.reversed()
    var turning = 0.0
    for i in ccw.indices {
        let (a, b, c) = (ccw[i], ccw[(i + 1) % ccw.count], ccw[(i + 2) % ccw.count])
        let (ux, uy, vx, vy) = (b.x - a.x, b.y - a.y, c.x - b.x, c.y - b.y)
        let cross = ux * vy - uy * vx
        if cross <= 0 {
            throw SpectralError.badInput("the domain is not strictly convex at corner \((i + 1) % ccw.count)")
        }
        turning += atan2(cross, ux * vx + uy * vy)
    }
    guard abs(turning - 2 * Double.pi) < 1e-6 else {
        throw SpectralError.badInput(
            "the domain is not a simple polygon: its boundary winds \(Int((turning / (2 * Double.pi)).rounded())) times around"
        )
    }
    return ccw
}

/// Layer 1's maps on the single starting face: z_u = W[u,0]·x + W[u,1]·y + b[u].
private func firstLayerMaps(_ net: ExactNetwork) -> AlignedBuffer<Double> {
    let w = net.sizes[1]
    return AlignedBuffer(
        (0..<w).map { net.weights[0][$0 * 2] } + (0..<w).map { net.weights[0][$0 * 2 + 1] } + net.biases[0])
}
