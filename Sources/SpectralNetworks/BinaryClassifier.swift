import Foundation
import SpectralCore
import SpectralKernels

/// A binary classifier as the input-space searches (attacks, paths) see it: one logit f(x), class 1 where f > 0,
/// evaluated on rows of Float inputs, with ∂ℓ/∂x for a target class (`InputSpaceObjective`). Each row's values must
/// not depend on the batch it is in or on the thread count.
public protocol InputSpaceClassifier: AnyObject, Sendable {
    var inputSize: Int { get }
    /// f(x) of `x.count / inputSize` rows.
    func logits(_ x: [Float]) -> [Float]
    /// The logits, and ∂ℓ/∂x of each row for its target sign `signs[row]` written into `gradient` (same shape as x).
    func targetLossGradient(
        _ x: [Float], signs: [Float], objective: InputSpaceObjective, into gradient: inout [Float]
    ) -> [Float]
}

/// What a search in input space minimises for a target class of sign s.
///
/// For a target class with sign s (+1 for class 1, −1 for class 0) the loss of a point is
/// ℓ(x) = softplus(−s·f(x)) = −log p_target(x), so ∂ℓ/∂x = −s·σ(−s·f)·∂f/∂x: about −s·∂f/∂x where the point is
/// on the wrong side, vanishing where the target is certain. (The probability −p_target, the loss of
/// Draxler et al.'s AutoNEB, has a gradient that vanishes on the wrong side as well.)
public enum InputSpaceObjective: String, Codable, Sendable, CaseIterable {
    /// ℓ = softplus(−s·f) = −log p_target: saturates once the target is certain.
    case negativeLogLikelihood = "nll"
    /// ℓ = −s·f, the target logit itself pushed up without bound (the paper's "maximising the target logit").
    case logit

    /// ∂ℓ/∂f at logit f for the target sign s.
    @inline(__always)
    public func lossSlope(logit f: Float, sign s: Float) -> Float {
        -s * (self == .logit ? 1 : Float(sigmoid(-Double(s * f))))
    }
}

/// The `InputSpaceClassifier` of a Float32 `MLP` (a net trained here or loaded from safetensors).
///
/// Rows are independent and every product goes through the packed GEMM, which threads over output tiles only, so
/// a row's logit and gradient do not depend on the batch it is in or on the thread count.
public final class BinaryClassifier: InputSpaceClassifier, @unchecked Sendable {
    public let net: MLP
    public var inputSize: Int { net.inputSize }
    private let pass: MLPPass
    private let capacity: Int

    public init(net: MLP, gemm: GEMM, capacity: Int = 2048) throws {
        guard net.outputSize == 1 else {
            throw SpectralError.badInput(
                "the classifier has \(net.outputSize) outputs; a binary classifier has 1 logit")
        }
        if let bad = net.firstNonFiniteParameter() {
            throw SpectralError.badInput("the classifier has a non-finite parameter: \(bad)")
        }
        self.net = net
        self.capacity = capacity
        pass = MLPPass(net: net, capacity: capacity, gemm: gemm)
    }

    /// f(x) of `x.count / inputSize` rows.
    public func logits(_ x: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: x.count / inputSize)
        chunks(x) { input, range in
            pass.forward(input, rows: range.count)
            for i in range { out[i] = pass.output[i - range.lowerBound] }
        }
        return out
    }

    public func targetLossGradient(
        _ x: [Float], signs: [Float], objective: InputSpaceObjective, into gradient: inout [Float]
    ) -> [Float] {
        precondition(signs.count * inputSize == x.count && gradient.count == x.count, "shape mismatch")
        var out = [Float](repeating: 0, count: signs.count)
        gradient.withUnsafeMutableBufferPointer { g in
            chunks(x) { input, range in
                let rows = range.count
                pass.forward(input, rows: rows)
                for i in range {
                    let f = pass.output[i - range.lowerBound]
                    out[i] = f
                    pass.outputGradient[i - range.lowerBound] = objective.lossSlope(logit: f, sign: signs[i])
                }
                pass.backward(
                    input, rows: rows, parameters: false, inputGradient: g.baseAddress! + range.lowerBound * inputSize)
            }
        }
        return out
    }

    private func chunks(_ x: [Float], _ body: (UnsafePointer<Float>, Range<Int>) -> Void) {
        let rows = x.count / inputSize
        x.withUnsafeBufferPointer { p in
            for start in stride(from: 0, to: rows, by: capacity) {
                body(p.baseAddress! + start * inputSize, start..<min(rows, start + capacity))
            }
        }
    }
}

/// 1 / (1 + e^(−z)), without overflow for large |z|.
public func sigmoid(_ z: Double) -> Double { z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z)) }
