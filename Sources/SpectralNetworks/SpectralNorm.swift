import SpectralCore

extension MLP {
    /// The largest singular value σ_max of layer `layer`'s weight matrix, by power iteration on WᵀW in Float64
    /// until the estimate changes by less than `tolerance` relative (the Lipschitz bound of eq. 7 is the product
    /// of these). Deterministic: the start vector is fixed.
    public func spectralNorm(_ layer: Int, tolerance: Double = 1e-10, maxIterations: Int = 10_000) -> Double {
        spectralNormAndVector(layer, start: nil, tolerance: tolerance, maxIterations: maxIterations).sigma
    }

    /// σ_max and its right singular vector, starting the iteration from `start` when given: during training the
    /// weights move little between records, so the previous vector converges in a few iterations where a fixed
    /// start needs thousands (random matrices have small gaps between their top singular values).
    public func spectralNormAndVector(
        _ layer: Int, start: [Double]?, tolerance: Double = 1e-10,
        maxIterations: Int = 10_000
    ) -> (sigma: Double, vector: [Double]) {
        let (rows, cols) = (fanOut(layer), fanIn(layer))
        let w = weights(layer)
        let fixedStart: [Double] = (0..<cols).map { 1 + 0.01 * Double($0 % 7) }
        var v: [Double] = fixedStart
        if let start, start.count == cols { v = start }
        var sigma = 0.0
        for _ in 0..<maxIterations {
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return (0, v) }
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
            if abs(estimate - sigma) <= tolerance * estimate { return (estimate, v) }
            v = next
            sigma = estimate
        }
        return (sigma, v)
    }
}
