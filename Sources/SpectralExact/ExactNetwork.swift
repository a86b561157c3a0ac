import SpectralCore
import SpectralNetworks

/// A ReLU network f: ℝᵈ → ℝ in Float64 (the weights converted once from the trained Float32 net), for the exact
/// analyses: d = 1 (kinks) or d = 2 (linear regions).
public struct ExactNetwork: Sendable {
    /// weights[l] is [out, in] row-major, biases[l] is [out].
    public let weights: [[Double]]
    public let biases: [[Double]]
    public let sizes: [Int]

    /// Checks the shape (`inputs` inputs, one output) and that every parameter is finite.
    public init(_ net: MLP, inputs: Int = 1) throws {
        guard net.inputSize == inputs else {
            throw SpectralError.badInput("the network takes \(net.inputSize) inputs; the \(inputs)-D exact analysis needs exactly \(inputs)")
        }
        guard net.outputSize == 1 else {
            throw SpectralError.badInput("the network has \(net.outputSize) outputs; the exact analysis needs exactly 1")
        }
        if let bad = net.firstNonFiniteParameter() { throw SpectralError.badInput("the network has a non-finite parameter: \(bad)") }
        sizes = net.sizes
        weights = (0..<net.layerCount).map { l in (0..<(net.fanIn(l) * net.fanOut(l))).map { Double(net.weights(l)[$0]) } }
        biases = (0..<net.layerCount).map { l in (0..<net.fanOut(l)).map { Double(net.bias(l)[$0]) } }
    }

    public var layerCount: Int { sizes.count - 1 }
    public var hiddenSizes: [Int] { Array(sizes.dropFirst().dropLast()) }

    /// f(x) by the direct forward pass in Float64 (ReLU'(0) = 0 convention irrelevant here: values only).
    public func evaluate(_ x: [Double]) -> Double {
        var h = x
        for l in 0..<layerCount {
            let (din, dout) = (sizes[l], sizes[l + 1])
            h = (0..<dout).map { o in
                var s = biases[l][o]
                for i in 0..<din { s += weights[l][o * din + i] * h[i] }
                return l + 1 < layerCount ? max(s, 0) : s
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
            let (din, dout) = (sizes[l], sizes[l + 1])
            h = (0..<dout).map { o in
                var s = biases[l][o]
                for i in 0..<din { s += weights[l][o * din + i] * h[i] }
                bits.append(s > 0)
                return max(s, 0)
            }
        }
        return bits
    }

    public func callAsFunction(_ x: Double) -> Double { evaluate([x]) }
    public func callAsFunction(_ x: Double, _ y: Double) -> Double { evaluate([x, y]) }
}

/// The 1-D analyses take an `ExactNetwork` with one input.
public typealias Network1D = ExactNetwork
