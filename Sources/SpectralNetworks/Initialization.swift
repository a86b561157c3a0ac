import SpectralCore

/// How a fresh network's parameters are drawn. Each is stated with its PyTorch equivalent.
public enum Initialization: String, CaseIterable, Sendable {
    /// `torch.nn.Linear`'s default: weight and bias ~ U(−1/√fan_in, 1/√fan_in) (kaiming_uniform_ with a = √5).
    case pytorch
    /// He / Kaiming normal (fan_in, ReLU gain): weight ~ N(0, 2/fan_in), bias 0.
    case he
    /// Glorot / Xavier uniform: weight ~ U(−√(6/(fan_in + fan_out)), +…), bias 0.
    case glorot

    /// Draws every parameter of `net` from `rng`, layer by layer, weights (row-major) before biases.
    public func initialize(_ net: MLP, rng: inout SplitMix64) {
        for l in 0..<net.layerCount {
            let (fanIn, fanOut) = (Double(net.fanIn(l)), Double(net.fanOut(l)))
            let w = net.weights(l)
            let b = net.bias(l)
            let weightCount = net.fanIn(l) * net.fanOut(l)
            switch self {
            case .pytorch:
                let bound = 1 / fanIn.squareRoot()
                for i in 0..<weightCount { w[i] = Float(rng.uniform(-bound, bound)) }
                for i in 0..<net.fanOut(l) { b[i] = Float(rng.uniform(-bound, bound)) }
            case .he:
                let std = (2 / fanIn).squareRoot()
                for i in 0..<weightCount { w[i] = Float(std * rng.standardNormal()) }
                for i in 0..<net.fanOut(l) { b[i] = 0 }
            case .glorot:
                let bound = (6 / (fanIn + fanOut)).squareRoot()
                for i in 0..<weightCount { w[i] = Float(rng.uniform(-bound, bound)) }
                for i in 0..<net.fanOut(l) { b[i] = 0 }
            }
        }
    }
}

extension MLP {
    /// A network of the given shape initialised from `seed`.
    public static func initialized(sizes: [Int], initialization: Initialization, seed: UInt64) -> MLP {
        let net = MLP(sizes: sizes)
        var rng = SplitMix64(seed: seed)
        initialization.initialize(net, rng: &rng)
        return net
    }
}
