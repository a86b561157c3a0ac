import SpectralKernels

/// Optimiser settings, with PyTorch's names and defaults.
public enum OptimizerKind: Equatable, Sendable, CustomStringConvertible {
    /// `torch.optim.Adam(lr, betas=(beta1, beta2), eps, weight_decay)` (L2 added to the gradient, not AdamW).
    case adam(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8)
    /// `torch.optim.SGD(lr, momentum, weight_decay, nesterov)` with dampening 0.
    case sgd(momentum: Double = 0, nesterov: Bool = false)

    public var description: String {
        switch self {
        case let .adam(b1, b2, eps): return "adam(beta1: \(b1), beta2: \(b2), eps: \(eps))"
        case let .sgd(m, n): return "sgd(momentum: \(m), nesterov: \(n))"
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

    public init(kind: OptimizerKind, learningRate: Double, weightDecay: Double = 0, clip: Double? = nil,
                parameterCount: Int) {
        self.kind = kind
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.clip = clip
        first = AlignedBuffer(count: parameterCount)
        second = AlignedBuffer(count: parameterCount)
    }

    /// Applies one step to `parameters` from `gradient` (which it may overwrite). Returns false when any updated
    /// parameter is NaN or infinite.
    public func step(parameters: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int,
                     pool: ThreadPool) -> Bool {
        stepCount += 1
        let t = Double(stepCount)
        let wd = Float(weightDecay)
        let clipValue = clip.map(Float.init)
        let m = first.pointer, v = second.pointer
        let chunkSize = 8192
        let chunks = (count + chunkSize - 1) / chunkSize
        // One flag per chunk: each task writes only its own, so no synchronisation is needed.
        let finiteFlags = UnsafeMutablePointer<Bool>.allocate(capacity: max(1, chunks))
        finiteFlags.initialize(repeating: true, count: max(1, chunks))
        defer { finiteFlags.deallocate() }
        switch kind {
        case let .adam(beta1, beta2, epsilon):
            let coefficients = AdamCoefficients(
                oneMinusBeta1: Float(1 - beta1), beta2: Float(beta2), oneMinusBeta2: Float(1 - beta2),
                negativeStepSize: Float(-(learningRate / (1 - pow(beta1, t)))),
                correction2Root: Float((1 - pow(beta2, t)).squareRoot()), epsilon: Float(epsilon),
                weightDecay: wd, clip: clipValue ?? .infinity)
            pool.run(tasks: chunks) { chunk, _ in
                let range = (chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize)
                finiteFlags[chunk] = adamUpdate(range, parameters: parameters, gradient: gradient, m: m, v: v,
                                                coefficients)
            }
        case let .sgd(momentum, nesterov):
            let lr = Float(learningRate), mu = Float(momentum)
            let isFirst = stepCount == 1
            pool.run(tasks: chunks) { chunk, _ in
                var finite = true
                for i in (chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize) {
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
                finiteFlags[chunk] = finite
            }
        }
        for c in 0..<chunks where !finiteFlags[c] { return false }
        return true
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
func adamUpdate(_ range: Range<Int>, parameters: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, _ c: AdamCoefficients) -> Bool {
    typealias V = SIMD8<Float>
    var nonFinite = V()
    @inline(__always) func update(_ p: V, _ gIn: V, _ mOld: V, _ vOld: V) -> (V, V, V) {
        let g = c.weightDecay == 0 ? gIn : gIn + c.weightDecay * p
        let mNew = mOld + c.oneMinusBeta1 * (g - mOld)
        let vNew = vOld * c.beta2 + c.oneMinusBeta2 * g * g
        let denominator = vNew.squareRoot() / c.correction2Root + c.epsilon
        return (p + c.negativeStepSize * mNew / denominator, mNew, vNew)
    }
    // Clamping would turn a NaN into ±clip, so finiteness is checked before it.
    @inline(__always) func clamp(_ p: V) -> V {
        nonFinite += p - p
        return c.clip == .infinity ? p : p.clamped(lowerBound: V(repeating: -c.clip), upperBound: V(repeating: c.clip))
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
        store(clamp(p), parameters, i); store(mi, m, i); store(vi, v, i)
        i += 8
    }
    if i < range.upperBound {
        var p = V(), g = V(), mi = V(), vi = V()
        for t in 0..<(range.upperBound - i) { p[t] = parameters[i + t]; g[t] = gradient[i + t]; mi[t] = m[i + t]; vi[t] = v[i + t] }
        let (unclamped, mNew, vNew) = update(p, g, mi, vi)
        let pNew = clamp(unclamped)
        for t in 0..<(range.upperBound - i) { parameters[i + t] = pNew[t]; m[i + t] = mNew[t]; v[i + t] = vNew[t] }
    }
    // x − x is 0 for finite x and NaN for ±∞ or NaN.
    return nonFinite == V()
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
