import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExperiments
import SpectralKernels
import SpectralNetworks
import XCTest

/// The numbers experiments 2 and 7 report, recomputed here from their definitions: the nets' outputs through a naive
/// Float64 forward pass and their spectra by a direct O(N²) DFT written in this file, F(k) = Σ_j f_j e^{−2πikj/N}.
///
/// Tolerances: the experiments evaluate the nets in Float32 (the GEMM) and transform with an FFT. The Float32 outputs
/// are compared with the Float64 forward pass to 1e-5 of max |f| (a few roundings of 2⁻²⁴ per layer, six layers,
/// sums of ≤ 64 terms: ~1e-6 of the |W||a| chain, which is of the size of |f| for these nets). The spectra are then
/// recomputed from the same Float32 outputs, so what remains is the DFT's own rounding: 1e-12 of Σ|f_j|.
final class RecomputedOutputsTests: XCTestCase {
    /// |F(k)| by the direct sum, Float64, the phase k·j reduced mod N in integers.
    func directMagnitudes(_ f: [Double], at frequencies: [Int]) -> [Double] {
        let n = f.count
        return frequencies.map { k in
            var (re, im) = (0.0, 0.0)
            for (j, value) in f.enumerated() {
                let turns = Double((k * j) % n) / Double(n)
                re += value * cos(2 * Double.pi * turns)
                im -= value * sin(2 * Double.pi * turns)
            }
            return (re * re + im * im).squareRoot()
        }
    }

    /// The Float32 outputs the experiments use, checked against the naive Float64 forward pass first.
    func outputs(_ net: MLP, _ inputs: [Float]) -> [Double] {
        let fast = predictWithPass(net: net, gemm: GEMM(threads: 2), inputs: inputs, rows: inputs.count).map(
            Double.init)
        let naive = inputs.map { net.evaluateFloat64([Double($0)])[0] }
        let scale = naive.map(abs).max() ?? 0
        for (j, (a, b)) in zip(fast, naive).enumerated() {
            XCTAssertEqual(a, b, accuracy: 1e-5 * max(scale, 1e-3), "output \(j): Float32 GEMM against Float64")
        }
        return fast
    }

    /// exp2 on a net loaded from a file: the ratio at each δ and k is the mean over the directions of the perturbed
    /// net's |F(k)| over the trained net's. The directions are redrawn here as the experiment defines them (standard
    /// normals from the point's generator forked with 0xD1, scaled to unit norm, rounded to Float32).
    func testExp2RatiosAreTheMeanMagnitudeRatios() throws {
        let net = MLP.initialized(sizes: [1, 32, 32, 1], initialization: .pytorch, seed: 11)
        let samples = 200
        let inputs = (0..<samples).map { Float(Double($0) / Double(samples)) }
        let targets = inputs.map { x in
            Float(sin(2 * Double.pi * 5 * Double(x)) + 0.5 * sin(2 * Double.pi * 10 * Double(x)))
        }
        let trainer = try Trainer(
            net: net, data: try Dataset(inputs: inputs, targets: targets, rows: samples),
            configuration: TrainingConfiguration(steps: 400, learningRate: 3e-3), gemm: GEMM(threads: 2))
        try trainer.train()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "exp2-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: file) }
        try Safetensors.serialize(net.tensors()).write(to: file)
        var c = PerturbationRobustness.Configuration(preset: .quick)
        (c.weights, c.frequencies, c.directions, c.deltas, c.samples) = (
            [InputFile(path: file.path)], [5, 10], 3, [0.01, 0.1, 0.5], samples
        )
        let ratios = try PerturbationRobustness(c).run(.standalone(seed: 4))
        let frequencies = [5, 10]
        let trained = net.parameters.array
        let reference = directMagnitudes(outputs(net, inputs), at: frequencies)
        var generator = SeedPolicy.generator(master: 4, coordinates: [0]).fork(0xD1)
        let count = net.parameterCount
        let directions: [[Float]] = (0..<c.directions).map { _ in
            let draw = (0..<count).map { _ in generator.standardNormal() }
            let scale = 1 / draw.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return draw.map { Float($0 * scale) }
        }
        XCTAssertEqual(ratios.count, c.deltas.count)
        let referenceError = 1e-12 * outputs(net, inputs).map(abs).reduce(0, +)
        for (row, delta) in c.deltas.enumerated() {
            var (sums, error) = ([0.0, 0.0], 0.0)
            for direction in directions {
                for i in 0..<count { net.parameters[i] = trained[i] + Float(delta) * direction[i] }
                let f = outputs(net, inputs)
                let magnitudes = directMagnitudes(f, at: frequencies)
                for k in 0..<2 { sums[k] += magnitudes[k] }
                error = max(error, 1e-12 * f.map(abs).reduce(0, +))
            }
            for k in 0..<2 {
                let want = sums[k] / Double(c.directions) / reference[k]
                // Each magnitude is off by at most its DFT rounding; a ratio by those over the reference magnitude.
                let tolerance = 2 * (error + want * referenceError) / reference[k]
                XCTAssertEqual(ratios[row][k], want, accuracy: tolerance, "δ \(delta), k \(frequencies[k])")
            }
        }
    }

    /// exp7's spectra: each net's |F(k)|, k = 0…N/2, is the direct DFT of its learned function on the samples, and
    /// its high-frequency share the mean over N/4 < k ≤ N/2. The nets are retrained here as the experiment defines
    /// them (its seed policy, Adam with clipping; training is deterministic), one from each sweep.
    func testExp7SpectraAreTheDirectDFTOfTheLearnedPeaks() throws {
        var c = DeltaPeakFit.Configuration(preset: .quick)
        (c.steps, c.seed) = (300, 2)
        let outcomes = try DeltaPeakFit(c).run(.standalone(seed: 2))
        let inputs = (0..<c.samples).map { Float(Double($0) / Double(c.samples)) }
        let target = inputs.indices.map { $0 == c.samples / 2 ? Float(1) : 0 }
        XCTAssertEqual(
            directMagnitudes(target.map(Double.init), at: [0, 7, 100]), [1, 1, 1], "a delta's spectrum is flat")
        for index in [0, 5, 8] {
            let spec = DeltaPeakFit.nets[index]
            let net = MLP.initialized(
                sizes: mlpSizes(input: 1, width: spec.width, depth: spec.depth), initialization: .pytorch,
                seed: SeedPolicy.generator(master: 2, coordinates: [UInt64(index)]).state)
            var training = TrainingConfiguration(steps: c.steps, learningRate: c.learningRate)
            training.clip = spec.clip
            let trainer = try Trainer(
                net: net, data: try Dataset(inputs: inputs, targets: target, rows: c.samples), configuration: training,
                gemm: GEMM(threads: 2))
            try trainer.train()
            let f = outputs(net, inputs)
            let expected = directMagnitudes(f, at: Array(0...(c.samples / 2)))
            let outcome = outcomes[index]
            XCTAssertEqual(outcome.net, spec)
            XCTAssertEqual(outcome.magnitudes.count, expected.count)
            let tolerance = 1e-12 * f.map(abs).reduce(0, +)
            for (k, (got, want)) in zip(outcome.magnitudes, expected).enumerated() {
                XCTAssertEqual(got, want, accuracy: tolerance, "net \(index) (\(spec.sweep)), k \(k)")
            }
            let upper = expected.indices.filter { $0 > c.samples / 4 }
            XCTAssertEqual(
                outcome.highFrequencyShare, upper.map { expected[$0] }.reduce(0, +) / Double(upper.count),
                accuracy: tolerance)
        }
    }
}
