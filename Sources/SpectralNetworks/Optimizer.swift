import SpectralKernels

/// Optimiser settings, with PyTorch's names and defaults.
public enum OptimizerKind: Equatable, Sendable, CustomStringConvertible {
    /// `torch.optim.Adam(lr, betas=(beta1, beta2), eps, weight_decay)` (L2 added to the gradient, not AdamW).
    case adam(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8)
    /// `torch.optim.SGD(lr, momentum, weight_decay, nesterov)` with dampening 0.
    case sgd(momentum: Double = 0, nesterov: Bool = false)

    public var description: String {
        switch self {
        case .adam(let b1, let b2, let eps): return "adam(beta1: \(b1), beta2: \(b2), eps: \(eps))"
        case .sgd(let m, let n): return "sgd(momentum: \(m), nesterov: \(n))"
        }
    }
}

/// One optimiser's state over a flat parameter buffer, updated in place, element-wise and in parallel chunks
/// (so the result does not depend on the thread count).
///
/// Adam follows PyTorch's single-tensor implementation operation by operation, in Float32 with the scalar
/// coefficients computed in Float64 and rounded once, as PyTorch does:
///   g ← g + wd·θ;  m ← m + (1−β₁)(g − m)  (lerp);  v ← v·β₂ + ((1−β₂)·g)·g;
///   θ ← θ + ((−lr/(1−β₁ᵗ))·m) / (√v / √(1−β₂ᵗ) + ε)
public final class Optimizer: @unchecked Sendable {
    public let kind: OptimizerKind
    public let learningRate: Double
    public let weightDecay: Double
    /// Parameters are clamped to [−clip, clip] after every step when set (appendix experiment).
    public let clip: Double?
    public private(set) var stepCount = 0
    private let first: AlignedBuffer<Float>
    private let second: AlignedBuffer<Float>
    /// Parameters are updated in chunks of at most this many, one task each, and of at least `smallestChunk`: a
    /// range smaller than `threads` full chunks is cut into one chunk per thread (a width-64 layer's 4,160 parameters
    /// would otherwise be one task, and the other threads would wait). One finiteness flag per chunk, allocated once.
    private static let chunkSize = 8192
    private static let smallestChunk = 1024

    private static func chunkSize(count: Int, threads: Int) -> Int {
        let perThread = (count + threads - 1) / max(1, threads)
        return min(chunkSize, max(smallestChunk, (perThread + 7) / 8 * 8))
    }
    private let finiteFlags: AlignedBuffer<Bool>

    public init(
        kind: OptimizerKind, learningRate: Double, weightDecay: Double = 0, clip: Double? = nil,
        parameterCount: Int
    ) {
        self.kind = kind
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.clip = clip
        first = AlignedBuffer(count: parameterCount)
        second = AlignedBuffer(count: parameterCount)
        finiteFlags = AlignedBuffer(count: max(1, (parameterCount + Self.smallestChunk - 1) / Self.smallestChunk))
    }

    /// Applies one step to `parameters` from `gradient` (which it may overwrite). Returns false when any updated
    /// parameter is NaN or infinite.
    public func step(
        parameters: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int,
        pool: ThreadPool
    ) -> Bool {
        beginStep()
        return update(parameters: parameters, gradient: gradient, range: 0..<count, pool: pool)
    }

    /// Starts a step; `update` then applies it to parts of the parameters, each exactly once. Training updates
    /// each layer as soon as the backward pass has finished with it, while its gradient is still in cache.
    public func beginStep() { stepCount += 1 }

    /// The step count and both moment buffers (momentum in `first` for SGD), for a checkpoint.
    public var state: (stepCount: Int, first: [Float], second: [Float]) { (stepCount, first.array, second.array) }

    /// Restores `state` from a checkpoint of an optimiser over as many parameters.
    public func restore(stepCount: Int, first: [Float], second: [Float]) {
        precondition(
            first.count == self.first.count && second.count == self.second.count, "optimiser state of another size")
        self.stepCount = stepCount
        _ = self.first.buffer.update(fromContentsOf: first)
        _ = self.second.buffer.update(fromContentsOf: second)
    }

    /// Applies the current step to the parameters at positions `range` (the optimiser's state is indexed by the
    /// same positions). Element-wise, so splitting a step into ranges changes no bit. Returns false when any updated
    /// parameter is NaN or infinite. Without a pool the range is updated on the calling thread, which may be a task
    /// of a pool updating other ranges at the same time.
    public func update(
        parameters: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>,
        range: Range<Int>, pool: ThreadPool?
    ) -> Bool {
        precondition(stepCount > 0, "Optimizer.update called before beginStep")
        let t = Double(stepCount)
        let wd = Float(weightDecay)
        let clipValue = clip.map(Float.init)
        let m = first.pointer
        let v = second.pointer
        precondition(
            range.lowerBound >= 0 && range.upperBound <= first.count, "Optimizer.update: range outside the parameters")
        let chunkSize = Self.chunkSize(count: range.count, threads: pool?.threadCount ?? 1)
        let chunks = (range.count + chunkSize - 1) / chunkSize
        func chunkRange(_ chunk: Int) -> Range<Int> {
            (range.lowerBound + chunk * chunkSize)..<min(range.upperBound, range.lowerBound + (chunk + 1) * chunkSize)
        }
        // One flag per chunk: each task writes only its own, so no synchronisation is needed.
        let finiteFlags = self.finiteFlags.pointer
        func forEachChunk(_ body: (Int) -> Bool) -> Bool {
            guard let pool else { return (0..<chunks).reduce(true) { body($1) && $0 } }
            pool.run(tasks: chunks) { chunk, _ in finiteFlags[chunk] = body(chunk) }
            return (0..<chunks).allSatisfy { finiteFlags[$0] }
        }
        switch kind {
        case .adam(let beta1, let beta2, let epsilon):
            let coefficients = AdamCoefficients(
                oneMinusBeta1: Float(1 - beta1), beta2: Float(beta2), oneMinusBeta2: Float(1 - beta2),
                negativeStepSize: Float(-(learningRate / (1 - pow(beta1, t)))),
                correction2Root: Float((1 - pow(beta2, t)).squareRoot()), epsilon: Float(epsilon),
                weightDecay: wd, clip: clipValue ?? .infinity)
            return forEachChunk { chunk in
                adamUpdate(chunkRange(chunk), parameters: parameters, gradient: gradient, m: m, v: v, coefficients)
            }
        case .sgd(let momentum, let nesterov):
            let lr = Float(learningRate)
            let mu = Float(momentum)
            let isFirst = stepCount == 1
            return forEachChunk { chunk in
                var finite = true
                for i in chunkRange(chunk) {
                    var g = gradient[i]
                    if wd != 0 { g = g + wd * parameters[i] }
                    if mu != 0 {
                        let buffer = isFirst ? g : mu * m[i] + g
                        m[i] = buffer
                        g = nesterov ? g + mu * buffer : buffer
                    }
                    var p = parameters[i] - lr * g
                    finite = finite && p.isFinite
                    if let c = clipValue { p = min(max(p, -c), c) }
                    parameters[i] = p
                }
                return finite
            }
        }
    }
}

/// Adam's per-step scalars, each rounded once to Float32.
struct AdamCoefficients {
    let oneMinusBeta1, beta2, oneMinusBeta2, negativeStepSize, correction2Root, epsilon, weightDecay, clip: Float
}

/// The Adam update over `range`, eight lanes at a time; the tail is padded into a vector so that every element
/// goes through the same operations in the same order (results do not depend on where chunks start). Returns
/// false if any updated parameter is not finite.
@inline(__always)
func adamUpdate(
    _ range: Range<Int>, parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
    m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, _ c: AdamCoefficients
) -> Bool {
    // One copy of the loop per case, so that none tests the clip or the weight decay per element.
    switch (c.clip == .infinity, c.weightDecay == 0) {
    case (true, true): return adamLoop(range, parameters, gradient, m, v, c, clips: false, decays: false)
    case (true, false): return adamLoop(range, parameters, gradient, m, v, c, clips: false, decays: true)
    case (false, true): return adamLoop(range, parameters, gradient, m, v, c, clips: true, decays: false)
    case (false, false): return adamLoop(range, parameters, gradient, m, v, c, clips: true, decays: true)
    }
}

@inline(__always)
private func adamLoop(
    _ range: Range<Int>, _ parameters: UnsafeMutablePointer<Float>, _ gradient: UnsafePointer<Float>,
    _ m: UnsafeMutablePointer<Float>, _ v: UnsafeMutablePointer<Float>, _ c: AdamCoefficients,
    clips: Bool, decays: Bool
) -> Bool {
    typealias V = SIMD8<Float>
    let high = V(repeating: c.clip)
    let low = -high
    // x − x is 0 for finite x and NaN for ±∞ or NaN; the sum stays NaN once any is. Checked before the clamp,
    // which would turn a NaN into ±clip.
    var nonFinite = V()
    @inline(__always) func update(_ p: V, _ gIn: V, _ mOld: V, _ vOld: V) -> (V, V, V) {
        let g = decays ? gIn + c.weightDecay * p : gIn
        let mNew = mOld + c.oneMinusBeta1 * (g - mOld)
        let vNew = vOld * c.beta2 + c.oneMinusBeta2 * g * g
        let denominator = vNew.laneSquareRoot() / c.correction2Root + c.epsilon
        var pNew = p + c.negativeStepSize * mNew / denominator
        nonFinite += pNew - pNew
        if clips {
            pNew.replace(with: high, where: pNew .> high)
            pNew.replace(with: low, where: pNew .< low)
        }
        return (pNew, mNew, vNew)
    }
    @inline(__always) func load(_ x: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
    }
    @inline(__always) func store(_ value: V, _ x: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(x + i).storeBytes(of: value, as: V.self)
    }
    var i = range.lowerBound
    while i + 8 <= range.upperBound {
        let (p, mi, vi) = update(load(parameters, i), load(gradient, i), load(m, i), load(v, i))
        store(p, parameters, i)
        store(mi, m, i)
        store(vi, v, i)
        i += 8
    }
    if i < range.upperBound {
        var p = V()
        var g = V()
        var mi = V()
        var vi = V()
        for t in 0..<(range.upperBound - i) {
            p[t] = parameters[i + t]
            g[t] = gradient[i + t]
            mi[t] = m[i + t]
            vi[t] = v[i + t]
        }
        let (pNew, mNew, vNew) = update(p, g, mi, vi)
        for t in 0..<(range.upperBound - i) {
            parameters[i + t] = pNew[t]
            m[i + t] = mNew[t]
            v[i + t] = vNew[t]
        }
    }
    return nonFinite == V()
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
