import Foundation
import SpectralCore
import SpectralKernels
import SpectralSpectra

extension ExactNetwork {
    /// g(t) = f(u + t·(w − u)) as a 1-input network: the first layer becomes W₀(w − u) with bias W₀u + b₀, the
    /// others are unchanged. Any input dimension; a sparse first layer (a convolution's) costs its nonzeros.
    public func restricted(from u: [Double], to w: [Double]) throws -> ExactNetwork {
        let (d, first) = (sizes[0], sizes[1])
        precondition(u.count == d && w.count == d, "the line's ends must have \(d) coordinates")
        var slope = [Double](repeating: 0, count: first)
        var offset = biases[0]
        for o in 0..<first {
            var (s, c) = (CompensatedSum(), CompensatedSum())
            func add(_ i: Int, _ a: Double) {
                s.add(a * (w[i] - u[i]))
                c.add(a * u[i])
            }
            if let layer = sparse[0] {
                for k in layer.offsets[o]..<layer.offsets[o + 1] { add(Int(layer.columns[k]), layer.values[k]) }
            } else {
                for i in 0..<d { add(i, weights[0][o * d + i]) }
            }
            slope[o] = s.value
            offset[o] += c.value
        }
        return try ExactNetwork(
            sizes: [1] + sizes.dropFirst(), weights: [slope] + weights.dropFirst(),
            biases: [offset] + biases.dropFirst(), activations: activations, sparse: [nil] + sparse.dropFirst(),
            inputs: 1)
    }

    /// min over t ∈ [0, 1] of s·f(u + t·(w − u)), exactly up to Float64 rounding: the restriction is piecewise
    /// linear, so the minimum is at an end or at one of its kinks (`enumerateKinks`).
    public func minimumMargin(from u: [Double], to w: [Double], sign: Double, pool: ThreadPool) throws -> Double {
        let line = try restricted(from: u, to: w)
        let g = try enumerateKinks(line, pool: pool)
        var lowest = min(sign * g(0), sign * g(1))
        for (t, value) in zip(g.kinks, g.values) where t > 0 && t < 1 { lowest = min(lowest, sign * value) }
        return lowest
    }
}
