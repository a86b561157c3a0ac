import Foundation
import SpectralCore

/// λ(z) = Σ_i A_i sin(2π k_i z + φ_i): the target of experiments 1, 2 and 5 (docs/experiments.md).
public struct SumOfSines: Sendable, Equatable {
    public var frequencies: [Double]
    public var amplitudes: [Double]
    public var phases: [Double]

    public init(frequencies: [Double], amplitudes: [Double], phases: [Double]) throws {
        guard !frequencies.isEmpty else { throw SpectralError.usage("a sum of sines needs at least one frequency") }
        guard amplitudes.count == frequencies.count, phases.count == frequencies.count else {
            throw SpectralError.usage(
                "got \(frequencies.count) frequencies, \(amplitudes.count) amplitudes and \(phases.count) phases; they must match"
            )
        }
        guard (frequencies + amplitudes + phases).allSatisfy(\.isFinite) else {
            throw SpectralError.usage("frequencies, amplitudes and phases must be finite numbers")
        }
        self.frequencies = frequencies
        self.amplitudes = amplitudes
        self.phases = phases
    }

    /// Phases drawn i.i.d. U[0, 2π) from `rng`, one per frequency, in order.
    public init(frequencies: [Double], amplitudes: [Double], rng: inout SplitMix64) throws {
        let phases = frequencies.map { _ in rng.uniform(0, 2 * Double.pi) }
        try self.init(frequencies: frequencies, amplitudes: amplitudes, phases: phases)
    }

    /// The paper's frequencies k = 5, 10, …, 50.
    public static let paperFrequencies: [Double] = (1...10).map { Double(5 * $0) }
    /// Equal amplitudes 1 or increasing 0.1, 0.2, …, 1.0 (experiment 1).
    public static func paperAmplitudes(increasing: Bool) -> [Double] {
        increasing ? (1...10).map { Double($0) / 10 } : Array(repeating: 1, count: 10)
    }

    public func callAsFunction(_ z: Double) -> Double {
        var sum = 0.0
        for i in 0..<frequencies.count { sum += amplitudes[i] * sin(2 * Double.pi * frequencies[i] * z + phases[i]) }
        return sum
    }

    /// The N samples z_j = j/N, j = 0…N−1, and λ(z_j).
    public func samples(_ count: Int) -> (z: [Double], value: [Double]) {
        let z = (0..<count).map { Double($0) / Double(count) }
        return (z, z.map { self($0) })
    }
}
