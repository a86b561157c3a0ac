import Foundation
import SpectralCore
import SpectralNetworks

/// A ReLU network f: ℝᵈ → ℝ in Float64 for the exact analyses: d = 1 (kinks) or d = 2 (linear regions).
///
/// Precision contract: weights read from a file keep the file's precision (F64 stays Float64, F32 is widened once);
/// a Float32 `MLP` in memory (a net just trained) is widened once. Nothing here rounds to Float32.
public struct ExactNetwork: Sendable {
    /// weights[l] is [out, in] row-major (empty when the layer is `sparse[l]`), biases[l] is [out].
    public let weights: [[Double]]
    /// The layers kept compressed (mostly zeros: see `SparseLayer`), nil for dense ones.
    public let sparse: [SparseLayer?]
    public let biases: [[Double]]
    public let sizes: [Int]
    /// Each hidden layer's units' activations (ReLU unless the net came from a model with other kinks, or carries
    /// values as linear units: see `PiecewiseLinearNetwork.chain`).
    public let activations: [[UnitActivation]]
    /// Every hidden unit is a ReLU (the engines then take their original path, bit for bit).
    public let isPlainReLU: Bool

    /// Checks the shape (`inputs` inputs, one output) and that every parameter is finite.
    public init(_ net: MLP, inputs: Int = 1) throws {
        if let bad = net.firstNonFiniteParameter() {
            throw SpectralError.badInput("the network has a non-finite parameter: \(bad)")
        }
        try self.init(
            sizes: net.sizes,
            weights: (0..<net.layerCount).map { l in
                (0..<(net.fanIn(l) * net.fanOut(l))).map { Double(net.weights(l)[$0]) }
            },
            biases: (0..<net.layerCount).map { l in (0..<net.fanOut(l)).map { Double(net.bias(l)[$0]) } },
            inputs: inputs)
    }

    /// The layers of a tensor file, at the file's precision.
    public init(_ tensors: NetworkTensors, inputs: Int = 1) throws {
        try self.init(
            sizes: tensors.sizes, weights: tensors.layers.map(\.weight.values),
            biases: tensors.layers.map(\.bias.values),
            inputs: inputs)
    }

    /// The network in a safetensors file, at the file's precision.
    public static func load(_ url: URL, inputs: Int = 1) throws -> ExactNetwork {
        try ExactNetwork(NetworkTensors.load(from: url), inputs: inputs)
    }

    public init(sizes: [Int], weights: [[Double]], biases: [[Double]], inputs: Int) throws {
        try self.init(
            sizes: sizes, weights: weights, biases: biases,
            activations: sizes.dropFirst().dropLast().map { [UnitActivation](repeating: .relu, count: $0) },
            inputs: inputs)
    }

    public init(
        sizes: [Int], weights: [[Double]], biases: [[Double]], activations: [[UnitActivation]],
        sparse: [SparseLayer?]? = nil, inputs: Int
    ) throws {
        precondition(activations.map(\.count) == Array(sizes.dropFirst().dropLast()))
        guard sizes.first == inputs else {
            let n = sizes.first ?? 0
            throw SpectralError.badInput(
                "the network takes \(n) input\(n == 1 ? "" : "s"); the \(inputs)-D exact analysis needs exactly \(inputs)"
            )
        }
        guard sizes.last == 1 else {
            let n = sizes.last ?? 0
            throw SpectralError.badInput(
                "the network has \(n) output\(n == 1 ? "" : "s"); the exact analysis needs exactly 1")
        }
        let sparse = sparse ?? [SparseLayer?](repeating: nil, count: weights.count)
        precondition(sparse.indices.allSatisfy { sparse[$0] == nil || weights[$0].isEmpty })
        if let l = (weights + biases + sparse.map { $0?.values ?? [] }).firstIndex(where: {
            $0.contains { !$0.isFinite }
        }) {
            throw SpectralError.badInput("the network has a non-finite parameter in layer \(l % max(1, weights.count))")
        }
        self.sizes = sizes
        self.weights = weights
        self.biases = biases
        self.activations = activations
        self.sparse = sparse
        isPlainReLU = activations.allSatisfy { $0.allSatisfy { $0 == .relu } }
    }

    /// Unit o of layer l before its activation, from the layer's input h.
    func preActivation(layer l: Int, unit o: Int, _ h: [Double]) -> Double {
        var s = biases[l][o]
        if let w = sparse[l] {
            for k in w.offsets[o]..<w.offsets[o + 1] { s += w.values[k] * h[Int(w.columns[k])] }
        } else {
            let din = sizes[l]
            for i in 0..<din { s += weights[l][o * din + i] * h[i] }
        }
        return s
    }

    /// The activation of hidden layer l's unit u (l 0-based).
    @inline(__always)
    func activation(layer l: Int, unit u: Int) -> UnitActivation { activations[l][u] }

    /// Hidden layer l's units that never split (carried values), as bit words; nil when there are none.
    func linearMask(layer l: Int) -> [UInt64]? {
        let units = activations[l]
        guard units.contains(.linear) else { return nil }
        var words = [UInt64](repeating: 0, count: (units.count + 63) / 64)
        for (u, a) in units.enumerated() where a == .linear { words[u >> 6] |= 1 << UInt64(u & 63) }
        return words
    }

    public var layerCount: Int { sizes.count - 1 }
    public var hiddenSizes: [Int] { Array(sizes.dropFirst().dropLast()) }

    /// f(x) by the direct forward pass in Float64 (ReLU'(0) = 0 convention irrelevant here: values only).
    public func evaluate(_ x: [Double]) -> Double {
        var h = x
        for l in 0..<layerCount {
            let dout = sizes[l + 1]
            h = (0..<dout).map { o in
                let s = preActivation(layer: l, unit: o, h)
                return l + 1 < layerCount ? activations[l][o](s) : s
            }
        }
        return h[0]
    }

    /// The activation pattern at x: one Bool per hidden unit, layer by layer (unit active when its
    /// pre-activation is > 0).
    public func pattern(_ x: [Double]) -> [Bool] {
        var h = x
        var bits: [Bool] = []
        for l in 0..<(layerCount - 1) {
            let dout = sizes[l + 1]
            h = (0..<dout).map { o in
                let s = preActivation(layer: l, unit: o, h)
                bits.append(s > 0)
                return activations[l][o](s)
            }
        }
        return bits
    }

    public func callAsFunction(_ x: Double) -> Double { evaluate([x]) }
    public func callAsFunction(_ x: Double, _ y: Double) -> Double { evaluate([x, y]) }
}

/// The 1-D analyses take an `ExactNetwork` with one input.
public typealias Network1D = ExactNetwork
