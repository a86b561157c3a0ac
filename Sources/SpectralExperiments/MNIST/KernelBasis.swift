import Foundation
import SpectralCore
import SpectralKernels

/// The eigenvectors of the Gaussian kernel on the inputs, by decreasing eigenvalue, as a basis of functions on the
/// samples: vectors[i·N + n] is vₙ at sample i.
public struct KernelBasis: Sendable {
    public let count: Int
    public let values: [Double]
    public let vectors: [Double]
    public let sigma: Double
    public let largestOffDiagonal: Double

    /// K from the Gram matrix (GEMM64): ‖xᵢ − xⱼ‖² = gᵢᵢ + gⱼⱼ − 2gᵢⱼ, clamped at 0 against rounding.
    public init(
        _ pixels: [Float], count n: Int, bandwidth: MNISTKernelSpectrum.Bandwidth, pool: ThreadPool,
        eigenvectors: Bool = true
    ) throws {
        let d = MNISTSubset.inputSize
        let x = pixels.map(Double.init)
        let gram = GEMM64(pool: pool).gram(x, rows: n, cols: d)
        var squared = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n { squared[i * n + j] = max(0, gram[i * n + i] + gram[j * n + j] - 2 * gram[i * n + j]) }
        }
        for i in 0..<n { squared[i * n + i] = 0 }
        let sigma: Double
        switch bandwidth {
        case .fixed(let s): sigma = s
        case .median:
            var distances: [Double] = []
            distances.reserveCapacity(n * (n - 1) / 2)
            for i in 0..<n { for j in (i + 1)..<n { distances.append(squared[i * n + j].squareRoot()) } }
            distances.sort()
            sigma = max(distances.isEmpty ? 1 : distances[distances.count / 2], .leastNormalMagnitude)
        }
        self.sigma = sigma
        let kernel = squared.map { exp(-$0 / (2 * sigma * sigma)) }
        var off = 0.0
        for i in 0..<n { for j in 0..<n where i != j { off = max(off, kernel[i * n + j]) } }
        largestOffDiagonal = off
        count = n
        guard eigenvectors else {
            (values, self.vectors) = ([], [])
            return
        }
        let eigen = try SymmetricEigen(kernel, n: n, pool: pool)
        values = eigen.values.reversed()
        var vectors = [Double](repeating: 0, count: n * n)
        for column in 0..<n {
            let source = n - 1 - column
            let peak = (0..<n).max { abs(eigen.vectors[$0 * n + source]) < abs(eigen.vectors[$1 * n + source]) } ?? 0
            let sign: Double = eigen.vectors[peak * n + source] < 0 ? -1 : 1
            for i in 0..<n { vectors[i * n + column] = sign * eigen.vectors[i * n + source] }
        }
        self.vectors = vectors
    }

    /// Σₙ weight(n)·vₙ.
    public func combination(_ weight: (Int) -> Double) -> [Double] {
        let w = (0..<count).map(weight)
        return (0..<count).map { i in (0..<count).reduce(0.0) { $0 + vectors[i * count + $1] * w[$1] } }
    }

    /// Mean |vₙᵀf| over bins of `width` consecutive n (the last bin may be narrower).
    public func binnedMagnitudes(_ f: [Double], width: Int) -> [Double] {
        var coefficients = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let fi = f[i]
            for n in 0..<count { coefficients[n] += vectors[i * count + n] * fi }
        }
        return stride(from: 0, to: count, by: width).map { start in
            let bin = coefficients[start..<min(count, start + width)]
            return bin.reduce(0) { $0 + abs($1) } / Double(bin.count)
        }
    }
}
