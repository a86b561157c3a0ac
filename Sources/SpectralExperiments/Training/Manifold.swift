import Foundation
import SpectralCore

/// The curve of experiments 5 and 6: γ_L(z) = R_L(z)(cos 2πz, sin 2πz) with R_L(z) = 1 + ½ sin(2πLz), z ∈ [0, 1)
/// (docs/experiments.md). L = 0 is the unit circle; larger L wraps the radius around it L times, so points close
/// on the curve stay close in the plane while a function of z of frequency k needs less frequency in the plane.
public struct ManifoldCurve: Sendable, Equatable {
    public let L: Int

    public init(L: Int) { self.L = L }

    /// γ_L(z) in Float64.
    public func callAsFunction(_ z: Double) -> (x: Double, y: Double) {
        let radius = 1 + 0.5 * sin(2 * Double.pi * Double(L) * z)
        return (radius * cos(2 * Double.pi * z), radius * sin(2 * Double.pi * z))
    }

    /// The network's inputs for the samples `z`: row j is γ_L(z_j), rounded once to Float.
    public func inputs(_ z: [Double]) -> [Float] {
        z.flatMap { z -> [Float] in
            let p = self(z)
            return [Float(p.x), Float(p.y)]
        }
    }
}

/// The samples z_j = j/N, j = 0…N−1, of both manifold experiments (the notebook's `np.arange(0, 1, 1/N)`).
func manifoldSamples(_ count: Int) -> [Double] { (0..<count).map { Double($0) / Double(count) } }

/// A coordinate of the seed policy shared by every L of one run: the target's phases (and exp6's held-out split)
/// depend on the run only, so the curves are compared on the same target, while each net's seed also takes L.
func runGenerator(master: UInt64, run: Int) -> SplitMix64 {
    SeedPolicy.generator(master: master, coordinates: [SeedPolicy.code(of: "manifold target"), UInt64(run)])
}
