import Foundation
import SpectralCore
import SpectralNetworks

/// The valid inputs: a box, one interval per coordinate (MNIST's [0, 1]⁷⁸⁴, the manifold plots' [−1.6, 1.6]²), its
/// ends rounded inward to Float (Float(−1.6) < −1.6, and a point there would lie outside the exact analysis's box).
public struct InputBox: Codable, Sendable, Equatable {
    public let low: [Float], high: [Float]
    public var dimension: Int { low.count }

    public init(low: [Double], high: [Double]) {
        precondition(low.count == high.count && zip(low, high).allSatisfy { $0 < $1 }, "an empty box")
        self.low = low.map { v in Double(Float(v)) < v ? Float(v).nextUp : Float(v) }
        self.high = high.map { v in Double(Float(v)) > v ? Float(v).nextDown : Float(v) }
    }

    public init(low: Double, high: Double, dimension: Int) {
        self.init(low: Array(repeating: low, count: dimension), high: Array(repeating: high, count: dimension))
    }

    public var diagonal: Double {
        zip(low, high).reduce(0.0) { $0 + Double($1.1 - $1.0) * Double($1.1 - $1.0) }.squareRoot()
    }

    /// v clamped to the interval of coordinate `j % dimension` (so a flat index into rows × d works too).
    public func clamp(_ v: Float, _ j: Int) -> Float { min(max(v, low[j % dimension]), high[j % dimension]) }
}

/// A targeted iterative gradient attack in input space: from a sample, steps of fixed Euclidean length against
/// ∂ℓ/∂x (ℓ = −log p_target, `InputSpaceObjective`), each projected back onto the box, until the target's margin
/// s·f reaches `goalMargin` (log 99 by default: p_target ≥ 0.99 for a logit).
///
/// A normalised step keeps the pace the same on the wrong side (large gradient) and near the goal; stopping at the
/// first iterate past the goal keeps the adversarial sample close to the boundary, as the paper's L-BFGS ones are.
public struct TargetedAttack: Codable, Sendable, Equatable {
    public var stepLength: Double
    public var maxIterations: Int
    public var goalMargin = Self.logitOdds(0.99)
    /// Rows that miss the goal start again this many times from a random point near their sample (uniform in a
    /// cube of half-side 20 steps): a gradient ascent on a piecewise-linear logit can stall at a local maximum.
    public var restarts = 4

    public init(stepLength: Double, maxIterations: Int, goalMargin: Double = Self.logitOdds(0.99), restarts: Int = 4) {
        (self.stepLength, self.maxIterations, self.goalMargin, self.restarts) = (
            stepLength, maxIterations, goalMargin, restarts
        )
    }

    /// log(p / (1 − p)): the margin s·f at which p_target = p.
    public static func logitOdds(_ p: Double) -> Double { log(p / (1 - p)) }

    public struct Outcome: Sendable {
        public var point: [Float]
        public var targetProbability: Double
        /// Steps taken, restarts included.
        public var iterations: Int
        public var reached: Bool
    }

    /// Attacks `starts` (rows × d) toward the classes `signs` (+1: class 1, −1: class 0), all rows in one batch.
    /// A step that lowers the margin is taken back and the row's step halved (a fixed step can hop to and fro
    /// across a thin region forever); a row stops when its step falls below 10⁻⁶ of the first.
    public func run(
        _ classifier: any InputSpaceClassifier, starts: [Float], signs: [Float], box: InputBox, seed: UInt64,
        interrupt: () throws -> Void
    ) throws -> [Outcome] {
        let d = classifier.inputSize
        var outcomes = try ascend(classifier, starts: starts, signs: signs, box: box, interrupt: interrupt)
        var rng = SplitMix64(seed: seed)
        for _ in 0..<restarts {
            let failed = outcomes.indices.filter { !outcomes[$0].reached }
            guard !failed.isEmpty else { break }
            let jump = Float(20 * stepLength)
            var from: [Float] = []
            for r in failed {
                for j in (r * d)..<((r + 1) * d) {
                    let noise = Float(2 * rng.nextUnitDouble() - 1)
                    from.append(box.clamp(starts[j] + jump * noise, j))
                }
            }
            let again = try ascend(
                classifier, starts: from, signs: failed.map { signs[$0] }, box: box, interrupt: interrupt)
            for (r, o) in zip(failed, again) {
                let spent = outcomes[r].iterations + o.iterations
                if o.targetProbability > outcomes[r].targetProbability { outcomes[r] = o }
                outcomes[r].iterations = spent
            }
        }
        return outcomes
    }

    func ascend(
        _ classifier: any InputSpaceClassifier, starts: [Float], signs: [Float], box: InputBox,
        interrupt: () throws -> Void
    ) throws -> [Outcome] {
        let d = classifier.inputSize
        var x = starts
        var previous = starts
        var gradient = [Float](repeating: 0, count: x.count)
        var done = [Int?](repeating: nil, count: signs.count)
        var margins = [Double](repeating: -.infinity, count: signs.count)
        var steps = [Double](repeating: stepLength, count: signs.count)
        var directions = [Float](repeating: 0, count: x.count)
        for iteration in 0...maxIterations {
            try interrupt()
            let f = classifier.targetLossGradient(x, signs: signs, objective: .negativeLogLikelihood, into: &gradient)
            for r in signs.indices where done[r] == nil {
                let rows = (r * d)..<((r + 1) * d)
                let margin = Double(signs[r] * f[r])
                if margin < margins[r] {  // worse: back to the last point, half the step along its direction
                    x.replaceSubrange(rows, with: previous[rows])
                    steps[r] /= 2
                } else {
                    margins[r] = margin
                    directions.replaceSubrange(rows, with: gradient[rows])
                }
                if margins[r] >= goalMargin || iteration == maxIterations || steps[r] < 1e-6 * stepLength {
                    done[r] = iteration
                    continue
                }
                var norm = 0.0
                for j in rows {
                    // A coordinate on the box's face whose step points out of the box stays where it is, and its
                    // share of the step goes to the others (the projected gradient).
                    let (low, high) = (box.low[j % d], box.high[j % d])
                    let outward = directions[j] > 0 ? x[j] <= low : directions[j] < 0 && x[j] >= high
                    if !outward { norm += Double(directions[j]) * Double(directions[j]) }
                }
                guard norm > 0 else {
                    done[r] = iteration  // a flat region: no direction to move in
                    continue
                }
                previous.replaceSubrange(rows, with: x[rows])
                let scale = steps[r] / norm.squareRoot()
                for j in rows { x[j] = box.clamp(x[j] - Float(scale * Double(directions[j])), j) }
            }
            if !done.contains(where: { $0 == nil }) { break }
        }
        return signs.indices.map { r in
            Outcome(
                point: Array(x[(r * d)..<((r + 1) * d)]), targetProbability: sigmoid(margins[r]),
                iterations: done[r] ?? maxIterations, reached: margins[r] >= goalMargin)
        }
    }
}
