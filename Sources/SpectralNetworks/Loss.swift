#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Training losses, both with PyTorch's mean reduction over every output element (rows × outputs).
public enum Loss: String, CaseIterable, Sendable {
    /// `torch.nn.MSELoss()`: mean of (y − t)².
    case mse
    /// `torch.nn.BCEWithLogitsLoss()`: mean of max(z, 0) − z·t + log(1 + e^{−|z|}), targets t in [0, 1].
    case bceWithLogits = "bce"

    /// Writes ∂loss/∂y into `gradient` and returns the loss (accumulated in Float64).
    public func evaluate(
        output y: UnsafePointer<Float>, target t: UnsafePointer<Float>, count: Int,
        gradient: UnsafeMutablePointer<Float>
    ) -> Double {
        writeGradient(output: y, target: t, elements: 0..<count, count: count, into: gradient)
        return total(output: y, target: t, count: count)
    }

    /// ∂loss/∂y at positions `elements` of `count` outputs: element-wise, so a batch may be cut into ranges, each
    /// written by another thread, with the same bits.
    public func writeGradient(
        output y: UnsafePointer<Float>, target t: UnsafePointer<Float>, elements: Range<Int>, count: Int,
        into gradient: UnsafeMutablePointer<Float>
    ) {
        let scale = Float(1 / Double(count))
        switch self {
        case .mse:
            for i in elements { gradient[i] = 2 * scale * (y[i] - t[i]) }
        case .bceWithLogits:
            for i in elements {
                let z = Double(y[i])
                let sigmoid = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
                gradient[i] = scale * Float(sigmoid - Double(t[i]))
            }
        }
    }

    /// The loss of `count` outputs, accumulated in Float64 in element order.
    public func total(output y: UnsafePointer<Float>, target t: UnsafePointer<Float>, count: Int) -> Double {
        guard count > 0 else { return 0 }
        var total = 0.0
        switch self {
        case .mse:
            for i in 0..<count {
                let r = Double(y[i] - t[i])
                total += r * r
            }
        case .bceWithLogits:
            for i in 0..<count {
                let z = Double(y[i])
                total += max(z, 0) - z * Double(t[i]) + log1p(exp(-abs(z)))
            }
        }
        return total / Double(count)
    }

    /// The loss alone, in Float64 (for references and validation curves).
    public func value(output y: [Double], target t: [Double]) -> Double {
        precondition(y.count == t.count)
        var total = 0.0
        for (z, target) in zip(y, t) {
            switch self {
            case .mse: total += (z - target) * (z - target)
            case .bceWithLogits: total += max(z, 0) - z * target + log1p(exp(-abs(z)))
            }
        }
        return y.isEmpty ? 0 : total / Double(y.count)
    }
}
