import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks

/// f: ℝ → ℝ continuous piecewise linear, described exactly: the kinks x_j (sorted), the slope jump Δs_j and value
/// f(x_j) at each, and the slopes of the two unbounded end pieces. Float64.
public struct PiecewiseLinear1D: Sendable {
    public let kinks: [Double]
    public let slopeJumps: [Double]
    public let values: [Double]
    /// Slope on (−∞, x₀) and on (x_last, ∞) (both equal the single slope when there is no kink).
    public let leftSlope: Double
    public let rightSlope: Double
    /// f at `anchor` (used when there are no kinks).
    public let anchor: (x: Double, value: Double)

    public init(
        kinks: [Double], slopeJumps: [Double], values: [Double], leftSlope: Double, rightSlope: Double,
        anchor: (x: Double, value: Double)
    ) {
        self.kinks = kinks
        self.slopeJumps = slopeJumps
        self.values = values
        self.leftSlope = leftSlope
        self.rightSlope = rightSlope
        self.anchor = anchor
        var slopes = [leftSlope]
        for jump in slopeJumps { slopes.append(slopes.last! + jump) }
        pieceSlopes = slopes
    }

    /// Number of linear pieces N_f.
    public var pieces: Int { kinks.count + 1 }

    /// The slope of each piece, left to right (computed once, at construction).
    public let pieceSlopes: [Double]

    /// L_f = max |slope|.
    public var lipschitz: Double { pieceSlopes.map(abs).max()! }

    public var totalSlopeJump: Double { slopeJumps.reduce(0) { $0 + abs($1) } }

    /// f(x) from the description (the nearest kink's value plus slope × distance).
    public func callAsFunction(_ x: Double) -> Double {
        guard !kinks.isEmpty else { return anchor.value + leftSlope * (x - anchor.x) }
        let lo = kinksAtOrBelow(x)
        if lo == 0 { return values[0] + leftSlope * (x - kinks[0]) }
        let slopes = lo == kinks.count ? rightSlope : pieceSlopes[lo]
        return values[lo - 1] + slopes * (x - kinks[lo - 1])
    }

    /// Slope just right of x.
    public func slope(at x: Double) -> Double { pieceSlopes[kinksAtOrBelow(x)] }

    /// The number of kinks ≤ x (binary search).
    func kinksAtOrBelow(_ x: Double) -> Int {
        var lo = 0
        var hi = kinks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if kinks[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// Enumerates every kink of a ReLU network on ℝ, layer by layer.
///
/// State before layer l: the sorted points B (kinks found so far, plus a point at 0 so there is always one), the
/// layer input h at every `anchorStride`-th point (anchors) and its slope on every piece ((|B| + 1) × d_l; piece p
/// lies between B_{p−1} and B_p, pieces 0 and |B| are unbounded). One step:
///   1. S = H′·Wᵀ on the pieces (`slopeProduct`: batched Float64 products, and rank-one updates where a piece's
///      H′ differs from its neighbour's in a unit or two) and Z = H·Wᵀ + b at the anchors; Z at the points in
///      between follows piece by piece, z(B_p) = z(B_{p−1}) + s_p·(B_p − B_{p−1}), from the anchor before them
///      (fewer than `anchorStride` steps, so a few ulps of |z| at most; the products at every point would double
///      the flops);
///   2. on each piece each unit's pre-activation is affine, z(x) = z(x_ref) + s·(x − x_ref), so its zero
///      x* = x_ref − z(x_ref)/s is solved exactly and kept when strictly inside the piece;
///   3. the new points are merged in; Z there is affine on its piece: z(x_ref) + s·(x − x_ref) for the units
///      that do not cross the piece, and s·(x − x*) for those that cross it at x* (exactly 0 at its own zero, and
///      with the sign its order along the piece dictates, whatever the rounding);
///   4. σ: values max(Z, 0); slopes S where z > 0 on the piece (tested inside the piece), else 0.
/// After the last layer, Δs_j = s_{j+1} − s_j at each point; points whose jump is below 1e−11 · max|s| (the anchor,
/// dead units, crossings whose effect cancels downstream) are dropped, so no spurious kink survives and no real one
/// (|Δs| far above rounding) is lost.
///
/// Before each layer grows the arrays, the piece count and their memory are checked against `limits`.
public func enumerateKinks(
    _ net: Network1D, pool: ThreadPool, limits: EnumerationLimits = .pieces
) throws -> PiecewiseLinear1D {
    var points: [Double] = [0]
    var anchorValues: [Double] = [0]  // h at points 0, anchorStride, 2·anchorStride, …: rows × d
    var slopes: [Double] = [1, 1]  // h′ on the pieces: (|B| + 1) × d
    var width = 1
    for l in 0..<net.layerCount {
        let dout = net.sizes[l + 1]
        let isLast = l + 1 == net.layerCount
        let anchors = (points.count + anchorStride - 1) / anchorStride
        let zAnchors: [Double]
        var s: [Double]
        if let sparse = net.sparse[l] {
            zAnchors = sparse.multiply(anchorValues, rows: anchors, bias: net.biases[l], pool: pool)
            s = sparse.multiply(slopes, rows: points.count + 1, bias: nil, pool: pool)
        } else {
            let weights = net.weights[l].withUnsafeBufferPointer {
                PackedWeights64(weight: $0.baseAddress!, outputs: dout, inputs: width)
            }
            zAnchors = product(anchorValues, rows: anchors, weights: weights, bias: net.biases[l], pool: pool)
            s = slopeProduct(slopes, rows: points.count + 1, weights: weights, weight: net.weights[l], pool: pool)
        }
        var z = [Double](unsafeUninitializedCapacity: points.count * dout) { zp, initialized in
            s.withUnsafeBufferPointer { sp in
                zAnchors.withUnsafeBufferPointer { ap in
                    for i in 0..<points.count {
                        let row = zp.baseAddress! + i * dout
                        if i % anchorStride == 0 {
                            row.update(from: ap.baseAddress! + (i / anchorStride) * dout, count: dout)
                        } else {
                            let (step, previous, slope) = (
                                points[i] - points[i - 1], row - dout, sp.baseAddress! + i * dout
                            )
                            for o in 0..<dout { row[o] = previous[o] + slope[o] * step }
                        }
                    }
                }
            }
            initialized = points.count * dout
        }
        limits.progress?(l + 1, net.layerCount)
        if isLast {
            return kinksFromOutput(points: points, values: z, slopes: s)
        }
        // 2. Zero crossings strictly inside pieces.
        // Pieces in chunks across the pool, concatenated in order.
        let plain = net.isPlainReLU
        let counted = SharedCount()
        let room = limits.maximumCount - points.count
        var crossings = pool.mapChunks(count: points.count + 1, chunkSize: 256) {
            pieces -> [(x: Double, piece: Int, unit: Int)] in
            var found: [(x: Double, piece: Int, unit: Int)] = []
            if counted.total > room { return found }
            for p in pieces {
                let ref = p < points.count ? p : p - 1
                let xRef = points[ref]
                let lo = p == 0 ? -Double.infinity : points[p - 1]
                let hi = p == points.count ? Double.infinity : points[p]
                for o in 0..<dout {
                    let slope = s[p * dout + o]
                    guard slope != 0, plain || !net.activations[l][o].isLinear else { continue }
                    let x = xRef - z[ref * dout + o] / slope
                    if x > lo && x < hi && x.isFinite { found.append((x, p, o)) }
                }
            }
            _ = counted.add(found.count)
            return found
        }.flatMap { $0 }
        // z and its slopes per point and piece, the next layer's input and its slopes: four rows of d_out doubles.
        let pieces = points.count + 1 + max(counted.total, crossings.count)
        try limits.check(
            layer: l + 1, count: pieces, what: "pieces",
            bytes: 4 * Double(pieces) * Double(max(dout, net.sizes.max() ?? 1)) * 8)
        if !crossings.isEmpty {
            crossings.sort { $0.x < $1.x || ($0.x == $1.x && $0.unit < $1.unit) }
            // 3. Merge. New points get Z from their piece's affine form; old points keep theirs; every new piece
            // inherits its parent's slopes of Z. First where each output row comes from (serial, one pass), then
            // the rows themselves across the pool.
            let n = points.count
            var newPoints: [Double] = []
            var sources: [Int] = []
            var newPieceParent: [Int] = []
            var fresh: [(piece: Int, crossings: Range<Int>)] = []  // source −(i + 1): fresh[i]
            newPoints.reserveCapacity(n + crossings.count)
            var c = 0
            for p in 0...n {
                newPieceParent.append(p)
                let first = c
                while c < crossings.count && crossings[c].piece == p { c += 1 }
                var i = first
                while i < c {
                    let x = crossings[i].x
                    while i < c && crossings[i].x == x { i += 1 }
                    newPoints.append(x)
                    sources.append(-(fresh.count + 1))
                    fresh.append((p, first..<c))
                    newPieceParent.append(p)
                }
                if p < n {
                    newPoints.append(points[p])
                    sources.append(p)
                }
            }
            let newZ = [Double](unsafeUninitializedCapacity: newPoints.count * dout) { out, initialized in
                let op = out.baseAddress!
                pool.forEachChunk(count: newPoints.count, minimumChunk: 64) { rows in
                    for r in rows {
                        let row = op + r * dout
                        if sources[r] >= 0 {
                            for o in 0..<dout { row[o] = z[sources[r] * dout + o] }
                            continue
                        }
                        let (p, inPiece) = fresh[-sources[r] - 1]
                        let ref = p < n ? p : p - 1
                        let x = newPoints[r]
                        for o in 0..<dout { row[o] = z[ref * dout + o] + s[p * dout + o] * (x - points[ref]) }
                        for k in inPiece {
                            row[crossings[k].unit] = s[p * dout + crossings[k].unit] * (x - crossings[k].x)
                        }
                    }
                }
                initialized = newPoints.count * dout
            }
            let newZSlopes = [Double](unsafeUninitializedCapacity: newPieceParent.count * dout) { out, initialized in
                let op = out.baseAddress!
                pool.forEachChunk(count: newPieceParent.count, minimumChunk: 64) { pieces in
                    for q in pieces { for o in 0..<dout { op[q * dout + o] = s[newPieceParent[q] * dout + o] } }
                }
                initialized = newPieceParent.count * dout
            }
            points = newPoints
            z = newZ
            s = newZSlopes
        }
        // 4. ReLU.
        let n = points.count
        let hSlopes = [Double](unsafeUninitializedCapacity: (n + 1) * dout) { h, initialized in
            let hp = h.baseAddress!
            pool.forEachChunk(count: n + 1, minimumChunk: 128) { pieces in
                for p in pieces {
                    for o in 0..<dout {
                        // z inside piece p: midpoint of a bounded piece, one unit beyond the end point of an unbounded one.
                        let inside: Double
                        if p == 0 {
                            inside = z[o] - s[o]
                        } else if p == n {
                            inside = z[(n - 1) * dout + o] + s[n * dout + o]
                        } else {
                            inside = 0.5 * (z[(p - 1) * dout + o] + z[p * dout + o])
                        }
                        hp[p * dout + o] =
                            plain
                            ? (inside > 0 ? s[p * dout + o] : 0)
                            : net.activations[l][o].slope(active: inside > 0) * s[p * dout + o]
                    }
                }
            }
            initialized = (n + 1) * dout
        }
        anchorValues = stride(from: 0, to: n, by: anchorStride).flatMap { i in
            plain
                ? z[(i * dout)..<((i + 1) * dout)].map { max($0, 0) }
                : (0..<dout).map { o in net.activations[l][o](z[i * dout + o]) }
        }
        slopes = hSlopes
        width = dout
    }
    throw SpectralError.badInput("the network has no layers")
}

/// Every this many points the layer's pre-activations come from the product; in between, from the slopes.
private let anchorStride = 16

private func product(_ x: [Double], rows: Int, weights: PackedWeights64, bias: [Double]?, pool: ThreadPool) -> [Double]
{
    [Double](unsafeUninitializedCapacity: rows * weights.outputs) { out, initialized in
        x.withUnsafeBufferPointer { xp in
            if let bias {
                bias.withUnsafeBufferPointer { bp in
                    affineRows(
                        xp.baseAddress!, rows: rows, weights: weights, bias: bp.baseAddress!, into: out.baseAddress!,
                        pool: pool)
                }
            } else {
                affineRows(xp.baseAddress!, rows: rows, weights: weights, bias: nil, into: out.baseAddress!, pool: pool)
            }
        }
        initialized = rows * weights.outputs
    }
}

private func kinksFromOutput(points: [Double], values: [Double], slopes: [Double]) -> PiecewiseLinear1D {
    let scale = slopes.map(abs).max() ?? 0
    let tolerance = 1e-11 * max(scale, Double.leastNormalMagnitude)
    var kinks: [Double] = []
    var jumps: [Double] = []
    var kinkValues: [Double] = []
    for p in 0..<points.count {
        let jump = slopes[p + 1] - slopes[p]
        if abs(jump) > tolerance {
            kinks.append(points[p])
            jumps.append(jump)
            kinkValues.append(values[p])
        }
    }
    return PiecewiseLinear1D(
        kinks: kinks, slopeJumps: jumps, values: kinkValues, leftSlope: slopes[0],
        rightSlope: slopes[points.count], anchor: (points[0], values[0]))
}

extension PiecewiseLinear1D {
    /// The function on `range` only: the kinks strictly inside it, and the slopes of the pieces at its ends as the
    /// end slopes (what a network simplified on that range is exactly).
    ///
    /// Kinks closer than 1e−12 of the range's scale are one kink computed twice with different rounding (many
    /// units of a real model can switch at one point: a max-pool over a patch that is blank at a slice's end):
    /// they are merged, their jumps added, and a merged jump below 1e−11 of the largest slope is dropped.
    public func restricted(to range: ClosedRange<Double>) -> PiecewiseLinear1D {
        let gap = 1e-12 * max(abs(range.lowerBound), abs(range.upperBound), range.upperBound - range.lowerBound)
        let tolerance = 1e-11 * max(pieceSlopes.map(abs).max() ?? 0, .leastNormalMagnitude)
        var (xs, jumps, values) = ([Double](), [Double](), [Double]())
        for j in kinks.indices where kinks[j] > range.lowerBound && kinks[j] < range.upperBound {
            if let last = xs.last, kinks[j] - last <= gap {
                jumps[jumps.count - 1] += slopeJumps[j]
            } else {
                xs.append(kinks[j])
                jumps.append(slopeJumps[j])
                values.append(self.values[j])
            }
        }
        let keep = jumps.indices.filter { abs(jumps[$0]) > tolerance }
        let left = pieceSlopes[kinksAtOrBelow(range.lowerBound)]
        let right = keep.isEmpty ? left : pieceSlopes[kinksAtOrBelow(xs[keep.last!] + gap)]
        return PiecewiseLinear1D(
            kinks: keep.map { xs[$0] }, slopeJumps: keep.map { jumps[$0] }, values: keep.map { values[$0] },
            leftSlope: left, rightSlope: right, anchor: (range.lowerBound, self(range.lowerBound)))
    }
}
