import SpectralCore

extension MLP {
    /// The largest singular value σ_max of layer `layer`'s weight matrix, by power iteration on WᵀW in Float64
    /// until the estimate changes by less than `tolerance` relative (the Lipschitz bound of eq. 7 is the product
    /// of these). Deterministic: the start vector is fixed.
    public func spectralNorm(_ layer: Int, tolerance: Double = 1e-10, maxIterations: Int = 10_000) -> Double {
        let (rows, cols) = (fanOut(layer), fanIn(layer))
        let w = weights(layer)
        var v = (0..<cols).map { 1 + 0.01 * Double($0 % 7) }
        var sigma = 0.0
        for _ in 0..<maxIterations {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return 0 }
            v = v.map { $0 / norm }
            var u = [Double](repeating: 0, count: rows)
            for i in 0..<rows {
                var s = 0.0
                for j in 0..<cols { s += Double(w[i * cols + j]) * v[j] }
                u[i] = s
            }
            let estimate = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            var next = [Double](repeating: 0, count: cols)
            for i in 0..<rows {
                for j in 0..<cols { next[j] += Double(w[i * cols + j]) * u[i] }
            }
            v = next
            if abs(estimate - sigma) <= tolerance * estimate { return estimate }
            sigma = estimate
        }
        return sigma
    }
}
