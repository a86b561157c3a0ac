import SpectralCore
import SpectralKernels

/// A fully connected ReLU network x ↦ W⁽ᴸ⁾σ(⋯σ(W⁽¹⁾x + b⁽¹⁾)⋯) + b⁽ᴸ⁾ with Float32 parameters.
///
/// `sizes = [d₀, d₁, …, d_L]`: layer l (0-based) maps d_l → d_{l+1} with weight [d_{l+1}, d_l] (row-major, PyTorch's
/// [out, in]) and bias [d_{l+1}]; every layer but the last is followed by a ReLU. All parameters live in one flat
/// buffer, layer by layer, weight then bias, so optimisers, clipping and perturbations are single passes.
public final class MLP: @unchecked Sendable {
    public let sizes: [Int]
    public let parameters: AlignedBuffer<Float>
    private let offsets: [Int]

    public init(sizes: [Int]) {
        precondition(
            sizes.count >= 2 && sizes.allSatisfy { $0 >= 1 }, "an MLP needs at least one layer of positive sizes")
        self.sizes = sizes
        var offsets = [0]
        for l in 0..<(sizes.count - 1) { offsets.append(offsets[l] + sizes[l + 1] * sizes[l] + sizes[l + 1]) }
        self.offsets = offsets
        parameters = AlignedBuffer(count: offsets.last!)
    }

    /// `depth` linear layers (as in docs/exact.md: depth 6, width 256 is 1→256, four 256→256, 256→1).
    public convenience init(input: Int, width: Int, depth: Int, output: Int) {
        precondition(depth >= 1, "depth counts linear layers and must be at least 1")
        self.init(sizes: [input] + Array(repeating: width, count: depth - 1) + [output])
    }

    /// A net of `sizes` holding `parameters` (the flat layout above), e.g. a run's stored result.
    public convenience init(sizes: [Int], parameters: [Float]) throws {
        self.init(sizes: sizes)
        guard parameters.count == parameterCount else {
            throw SpectralError.badInput(
                "\(parameters.count) stored parameters do not fit a \(sizes.map(String.init).joined(separator: "-")) net"
            )
        }
        _ = self.parameters.buffer.update(fromContentsOf: parameters)
    }

    public var layerCount: Int { sizes.count - 1 }
    public var inputSize: Int { sizes[0] }
    public var outputSize: Int { sizes[sizes.count - 1] }
    public var parameterCount: Int { parameters.count }

    public func fanIn(_ layer: Int) -> Int { sizes[layer] }
    public func fanOut(_ layer: Int) -> Int { sizes[layer + 1] }
    public func weightOffset(_ layer: Int) -> Int { offsets[layer] }
    public func biasOffset(_ layer: Int) -> Int { offsets[layer] + sizes[layer + 1] * sizes[layer] }
    public func weights(_ layer: Int) -> UnsafeMutablePointer<Float> { parameters.pointer + weightOffset(layer) }
    public func bias(_ layer: Int) -> UnsafeMutablePointer<Float> { parameters.pointer + biasOffset(layer) }

    public func copy() -> MLP {
        let other = MLP(sizes: sizes)
        other.parameters.pointer.update(from: parameters.pointer, count: parameterCount)
        return other
    }

    /// The first parameter that is NaN or infinite, as "layer L weight[i, j]" or "layer L bias[i]".
    public func firstNonFiniteParameter() -> String? {
        for l in 0..<layerCount {
            let w = weights(l)
            for i in 0..<(fanOut(l) * fanIn(l)) where !w[i].isFinite {
                return "layer \(l) weight[\(i / fanIn(l)), \(i % fanIn(l))] = \(w[i])"
            }
            let b = bias(l)
            for i in 0..<fanOut(l) where !b[i].isFinite { return "layer \(l) bias[\(i)] = \(b[i])" }
        }
        return nil
    }

    /// f(x) for one input, evaluated in Float64 from the Float32 parameters: the reference for gradients and for
    /// the exact analysis.
    public func evaluateFloat64(_ x: [Double]) -> [Double] {
        precondition(x.count == inputSize, "input has \(x.count) values, the network takes \(inputSize)")
        var h = x
        for l in 0..<layerCount {
            let (rows, cols) = (fanOut(l), fanIn(l))
            let w = weights(l)
            let b = bias(l)
            var next = [Double](repeating: 0, count: rows)
            for i in 0..<rows {
                var sum = Double(b[i])
                for j in 0..<cols { sum += Double(w[i * cols + j]) * h[j] }
                next[i] = l + 1 < layerCount ? max(sum, 0) : sum
            }
            h = next
        }
        return h
    }
}
