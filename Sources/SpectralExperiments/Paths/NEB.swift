import Foundation
import SpectralCore
import SpectralNetworks

/// AutoNEB without springs (Kolsbjerg et al. 2016; Draxler et al. 2018), in input space, for a binary classifier.
///
/// A path is a chain of pivots p₀ … p_{K−1} between two fixed ends. Each cycle inserts pivots, then takes `steps`
/// SGD steps with momentum on the interior pivots against ∂ℓ/∂x (ℓ = −log p_target: the target logit pushed up),
/// with the component along the tangent τᵢ = (p_{i+1} − p_{i−1}) / ‖·‖ removed, projects onto the input box, and
/// redistributes the pivots to equal spacing along the chain (the infinite spring constant). The first cycle puts
/// `firstInsertion` equally spaced pivots in every segment, later cycles `laterInsertion` in the segment of the
/// lowest margin (highest loss). The verdict comes from a dense evaluation: `subdivisions` points inside every
/// segment besides its ends.
///
///     cycle 1:  a ●───────────────────● b        →   a ●────●────●────●────● b     (3 per segment)
///     cycle 2:  a ●────●────●──✗─●────● b        →   a ●───●───●─●─●─●───● b       (2 where s·f is lowest,
///                                                                                  then equal spacing)
public struct NEBSettings: Codable, Sendable, Equatable {
    public var cycles = 4
    public var steps = 10
    public var learningRate = 0.001
    public var momentum = 0.9
    public var firstInsertion = 3
    public var laterInsertion = 2
    public var subdivisions = 9
    /// −log p_target by default; `logit` follows the paper's wording (its gradient never vanishes, so pivots keep
    /// climbing the logit after the class is certain and paths grow longer).
    public var objective = InputSpaceObjective.negativeLogLikelihood

    public init() {}

    public func validate() throws {
        guard (1...100).contains(cycles), (0...100_000).contains(steps) else {
            throw SpectralError.usage("NEB needs 1…100 cycles of 0…100000 steps")
        }
        guard learningRate.isFinite, learningRate > 0, learningRate <= 1e3 else {
            throw SpectralError.usage("--lr must be in (0, 1000]")
        }
        guard momentum.isFinite, (0..<1).contains(momentum) else {
            throw SpectralError.usage("--momentum must be in [0, 1)")
        }
        guard (1...100).contains(subdivisions) else { throw SpectralError.usage("--subdivisions must be 1…100") }
    }

    /// Pivots of every path after the last cycle.
    public var finalPivotCount: Int { 2 + firstInsertion + laterInsertion * (cycles - 1) }
}

/// One optimised path: its pivots (K × d, row-major) and its dense verdict.
public struct NEBPath: Sendable {
    public var pivots: [Float]
    public var sign: Float
    /// min s·f over the dense points (ends included): > 0 means no point changed class.
    public var minMargin: Double
    public var length: Double
    public var straightLength: Double
    public var connected: Bool { minMargin > 0 }
    public var ratio: Double { length / straightLength }

    public func pivot(_ i: Int, dimension d: Int) -> ArraySlice<Float> { pivots[(i * d)..<((i + 1) * d)] }
}

/// A group of paths optimised together: every path has the same pivot count at every stage, so one batch of rows
/// holds a pivot of every path.
struct NEBBatch {
    let classifier: any InputSpaceClassifier
    let settings: NEBSettings
    let box: InputBox
    var d: Int { classifier.inputSize }
    var pivots: [[Float]]
    let signs: [Float]
    var count: Int { pivots[0].count / d }

    init(
        _ classifier: any InputSpaceClassifier, settings: NEBSettings, box: InputBox,
        ends: [(a: [Float], b: [Float], sign: Float)]
    ) {
        (self.classifier, self.settings, self.box) = (classifier, settings, box)
        pivots = ends.map { $0.a + $0.b }
        signs = ends.map(\.sign)
    }

    static func optimise(
        _ classifier: any InputSpaceClassifier, settings: NEBSettings, box: InputBox,
        ends: [(a: [Float], b: [Float], sign: Float)], interrupt: () throws -> Void
    ) throws -> [NEBPath] {
        var batch = NEBBatch(classifier, settings: settings, box: box, ends: ends)
        for cycle in 0..<settings.cycles {
            if cycle == 0 {
                for p in batch.pivots.indices {
                    batch.insert(settings.firstInsertion, path: p, segment: 0)
                }
            } else {
                let worst = batch.denseMargins().map(\.worstSegment)
                for p in batch.pivots.indices { batch.insert(settings.laterInsertion, path: p, segment: worst[p]) }
            }
            for p in batch.pivots.indices { batch.redistribute(p) }
            try batch.descend(interrupt: interrupt)
        }
        let verdicts = batch.denseMargins()
        return batch.pivots.indices.map { p in
            NEBPath(
                pivots: batch.pivots[p], sign: batch.signs[p], minMargin: verdicts[p].minimum,
                length: polylineLength(batch.pivots[p], dimension: batch.d),
                straightLength: distance(batch.pivots[p], 0, batch.pivots[p], batch.count - 1, dimension: batch.d))
        }
    }

    /// `settings.steps` momentum-SGD steps on the interior pivots, each followed by projection and redistribution.
    mutating func descend(interrupt: () throws -> Void) throws {
        let (k, d) = (count, self.d)
        guard k > 2 else { return }
        var velocity = [[Double]](repeating: [Double](repeating: 0, count: (k - 2) * d), count: pivots.count)
        let rowSigns = signs.flatMap { [Float](repeating: $0, count: k - 2) }
        var gradient = [Float](repeating: 0, count: rowSigns.count * d)
        for _ in 0..<settings.steps {
            try interrupt()
            let interior = pivots.flatMap { $0[d..<((k - 1) * d)] }
            _ = classifier.targetLossGradient(
                interior, signs: rowSigns, objective: settings.objective, into: &gradient)
            for p in pivots.indices {
                for i in 1..<(k - 1) {
                    let row = (p * (k - 2) + i - 1) * d
                    let g = perpendicular(Array(gradient[row..<(row + d)]), path: p, pivot: i)
                    for j in 0..<d {
                        let v = settings.momentum * velocity[p][(i - 1) * d + j] + g[j]
                        velocity[p][(i - 1) * d + j] = v
                        pivots[p][i * d + j] = box.clamp(
                            Float(Double(pivots[p][i * d + j]) - settings.learningRate * v), j)
                    }
                }
                redistribute(p)
            }
        }
    }

    /// g minus its component along the tangent at pivot i.
    func perpendicular(_ g: [Float], path p: Int, pivot i: Int) -> [Double] {
        let d = self.d
        var tangent = (0..<d).map { Double(pivots[p][(i + 1) * d + $0]) - Double(pivots[p][(i - 1) * d + $0]) }
        let norm = tangent.reduce(0) { $0 + $1 * $1 }.squareRoot()
        var out = g.map(Double.init)
        guard norm > 0 else { return out }
        for j in 0..<d { tangent[j] /= norm }
        let along = (0..<d).reduce(0.0) { $0 + out[$1] * tangent[$1] }
        for j in 0..<d { out[j] -= along * tangent[j] }
        return out
    }

    /// Puts `n` equally spaced pivots inside segment `segment` of path `p`.
    mutating func insert(_ n: Int, path p: Int, segment s: Int) {
        let d = self.d
        guard n > 0 else { return }
        let (u, w) = (Array(pivots[p][(s * d)..<((s + 1) * d)]), Array(pivots[p][((s + 1) * d)..<((s + 2) * d)]))
        let inserted = (1...n).flatMap { m -> [Float] in
            let t = Float(m) / Float(n + 1)
            return (0..<d).map { u[$0] + t * (w[$0] - u[$0]) }
        }
        pivots[p].insert(contentsOf: inserted, at: (s + 1) * d)
    }

    /// Moves the interior pivots of path p to equal arc-length spacing along its current chain (ends fixed).
    mutating func redistribute(_ p: Int) {
        let (k, d) = (count, self.d)
        let old = pivots[p]
        var cumulative = [0.0]
        for s in 0..<(k - 1) { cumulative.append(cumulative[s] + distance(old, s, old, s + 1, dimension: d)) }
        let total = cumulative[k - 1]
        guard total > 0 else { return }
        var s = 0
        for i in 1..<(k - 1) {
            let target = total * Double(i) / Double(k - 1)
            while s < k - 2 && cumulative[s + 1] < target { s += 1 }
            let span = cumulative[s + 1] - cumulative[s]
            let t = span > 0 ? Float((target - cumulative[s]) / span) : 0
            for j in 0..<d { pivots[p][i * d + j] = old[s * d + j] + t * (old[(s + 1) * d + j] - old[s * d + j]) }
        }
    }

    /// Per path: the lowest s·f over the dense points and the segment where it lies.
    func denseMargins() -> [(minimum: Double, worstSegment: Int)] {
        let (k, d, n) = (count, self.d, settings.subdivisions + 1)
        let perPath = (k - 1) * n + 1
        var points = [Float]()
        points.reserveCapacity(pivots.count * perPath * d)
        for path in pivots {
            for s in 0..<(k - 1) {
                for m in 0..<n {
                    let t = Float(m) / Float(n)
                    for j in 0..<d { points.append(path[s * d + j] + t * (path[(s + 1) * d + j] - path[s * d + j])) }
                }
            }
            points.append(contentsOf: path[((k - 1) * d)...])
        }
        let f = classifier.logits(points)
        return pivots.indices.map { p in
            var best = (minimum: Double.infinity, worstSegment: 0)
            for r in 0..<perPath {
                let margin = Double(signs[p] * f[p * perPath + r])
                if margin < best.minimum { best = (margin, min(r / n, k - 2)) }
            }
            return best
        }
    }
}

/// ‖x_i − y_j‖ for rows i of x and j of y (d columns), in Float64.
func distance(_ x: [Float], _ i: Int, _ y: [Float], _ j: Int, dimension d: Int) -> Double {
    var sum = 0.0
    for c in 0..<d {
        let e = Double(x[i * d + c]) - Double(y[j * d + c])
        sum += e * e
    }
    return sum.squareRoot()
}

/// The length of the chain through the rows of `points`.
func polylineLength(_ points: [Float], dimension d: Int) -> Double {
    let k = points.count / d
    return (0..<max(0, k - 1)).reduce(0.0) { $0 + distance(points, $1, points, $1 + 1, dimension: d) }
}

/// Optimises one path per pair of ends (`NEBBatch`), all of them in one batch per step.
public func autoNEB(
    _ classifier: any InputSpaceClassifier, settings: NEBSettings, box: InputBox,
    ends: [(a: [Float], b: [Float], sign: Float)],
    interrupt: () throws -> Void = {}
) throws -> [NEBPath] {
    guard !ends.isEmpty else { return [] }
    return try NEBBatch.optimise(classifier, settings: settings, box: box, ends: ends, interrupt: interrupt)
}
