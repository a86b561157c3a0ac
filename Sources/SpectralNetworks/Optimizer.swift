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
            let oneMinusBeta1 = Float(1 - beta1), beta2f = Float(beta2), oneMinusBeta2 = Float(1 - beta2)
            let negativeStepSize = Float(-(learningRate / (1 - pow(beta1, t))))
            let correction2Root = Float((1 - pow(beta2, t)).squareRoot())
            let eps = Float(epsilon)
            pool.run(tasks: chunks) { chunk, _ in
                var finite = true
                for i in (chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize) {
                    var g = gradient[i]
                    if wd != 0 { g = g + wd * parameters[i] }
                    let mi = m[i] + oneMinusBeta1 * (g - m[i])
                    let vi = v[i] * beta2f + oneMinusBeta2 * g * g
                    m[i] = mi
                    v[i] = vi
                    let denominator = vi.squareRoot() / correction2Root + eps
                    var p = parameters[i] + negativeStepSize * mi / denominator
                    if let c = clipValue { p = min(max(p, -c), c) }
                    parameters[i] = p
                    finite = finite && p.isFinite
                }
                finiteFlags[chunk] = finite
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
                    if let c = clipValue { p = min(max(p, -c), c) }
                    parameters[i] = p
                    finite = finite && p.isFinite
                }
                finiteFlags[chunk] = finite
            }
        }
        for c in 0..<chunks where !finiteFlags[c] { return false }
        return true
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
