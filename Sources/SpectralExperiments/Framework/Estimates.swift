import SpectralCore

extension MemoryEstimate {
    /// Full-batch (or `rows`-batch) training of a net of `sizes`: parameters, their gradient and Adam's two
    /// moments, the activations and the two gradient buffers of the pass, all Float32.
    public mutating func addTraining(sizes: [Int], rows: Int, copies: Int = 1) {
        let parameters = parameterCount(sizes: sizes)
        let widest = Double(sizes.max() ?? 1)
        let activations = Double(rows) * Double(sizes.dropFirst().reduce(0, +)) + 2 * Double(rows) * widest
        add("parameters, gradient and Adam moments", count: 4 * parameters * Double(copies), width: 4)
        add("activations and gradients", count: activations * Double(copies), width: 4)
    }
}

/// `depth` linear layers of `width` between `input` and `output` (docs/exact.md: depth 6, width 256 is 1→256, four
/// 256→256, 256→1).
public func mlpSizes(input: Int, width: Int, depth: Int, output: Int = 1) -> [Int] {
    [input] + Array(repeating: width, count: max(0, depth - 1)) + [output]
}

/// Multiply-adds × 2 of one full-batch training step (forward, ∂W, and ∂X for all but the first layer).
public func trainingStepFlops(sizes: [Int], rows: Int) -> Double {
    var flops = 0.0
    for l in 0..<(sizes.count - 1) {
        flops += 2 * Double(rows) * Double(sizes[l]) * Double(sizes[l + 1]) * (l == 0 ? 2 : 3)
    }
    return flops
}

/// Weights and biases of an MLP of `sizes`, as a Double (absurd sizes must not overflow).
public func parameterCount(sizes: [Int]) -> Double {
    var parameters = 0.0
    for l in 0..<max(0, sizes.count - 1) { parameters += Double(sizes[l + 1]) * (Double(sizes[l]) + 1) }
    return parameters
}
