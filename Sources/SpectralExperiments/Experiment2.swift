import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import SpectralPlot

/// Experiment 2 of the paper: robustness of the learned frequencies to parameter perturbations (paper.md §2.2).
/// θ = θ* + δ·θ̂ with θ̂ Gaussian, normalised to unit L2 norm over all weights and biases together; for each δ the
/// magnitude |F(k)| on the samples is averaged over directions and divided by the trained net's |F(k)|.
public struct Experiment2 {
    public enum Preset: String, CaseIterable, Sendable {
        /// k = 10…50, one model trained 80,000 iterations, δ on linspace(0, 5.001, 100), 100 directions.
        case paper
        /// k = 5…50, 5 models trained 60,000 iterations, same δ grid and directions.
        case notebook
        /// k = 5…25, one model trained 4,000 iterations at lr 1e-3, 25 δ values in [0, 6], 20 directions.
        case quick
    }

    public var preset: Preset
    public var frequencies: [Double]
    public var models: Int
    public var trainingIterations: Int
    public var learningRate: Double
    public var deltas: [Double]
    public var directions: Int
    public var samples = 200
    public var depth = 6, width = 256
    public var seed: UInt64 = 0
    public var threads = 2
    /// Load converged nets instead of training (one file per model; `models` becomes their count).
    public var weights: [URL] = []

    public init(preset: Preset) {
        self.preset = preset
        let grid = (0..<100).map { 5.001 * Double($0) / 99 }
        switch preset {
        case .paper:
            frequencies = (2...10).map { Double(5 * $0) }; models = 1; trainingIterations = 80_000; learningRate = 3e-4
            deltas = grid; directions = 100
        case .notebook:
            frequencies = SumOfSines.paperFrequencies; models = 5; trainingIterations = 60_000; learningRate = 3e-4
            deltas = grid; directions = 100
        case .quick:
            frequencies = (1...5).map { Double(5 * $0) }; models = 1; trainingIterations = 4_000; learningRate = 1e-3
            deltas = (0..<25).map { 6.0 * Double($0) / 24 }; directions = 20
        }
    }

    public var record: [String: Any] {
        ["experiment": "exp2", "preset": preset.rawValue, "frequencies": frequencies, "models": weights.isEmpty ? models : weights.count,
         "training_iterations": weights.isEmpty ? trainingIterations : 0, "lr": learningRate, "deltas": deltas,
         "directions": directions, "samples": samples, "depth": depth, "width": width,
         "weights": weights.map(\.path), "direction_distribution": "Gaussian, unit L2 norm over all parameters"]
    }

    /// ratio[δ index][frequency index], averaged over models.
    public func run(progress: ProgressReporter? = nil) throws -> [[Double]] {
        let gemm = GEMM(threads: threads)
        let master = SplitMix64(seed: seed)
        let z = (0..<samples).map { Double($0) / Double(samples) }
        let inputs = z.map(Float.init)
        let modelCount = weights.isEmpty ? models : weights.count
        var total = [[Double]](repeating: [Double](repeating: 0, count: frequencies.count), count: deltas.count)
        for model in 0..<modelCount {
            var rng = master.fork(UInt64(model))
            let net: MLP
            if weights.isEmpty {
                let target = try SumOfSines(frequencies: frequencies, amplitudes: frequencies.map { _ in 1 }, rng: &rng)
                let data = try Dataset(inputs: inputs, targets: target.samples(samples).value.map(Float.init), rows: samples)
                net = MLP.initialized(sizes: [1] + Array(repeating: width, count: depth - 1) + [1], initialization: .pytorch,
                                      seed: rng.next())
                let trainer = try Trainer(net: net, data: data,
                                          configuration: TrainingConfiguration(steps: trainingIterations, learningRate: learningRate),
                                          gemm: gemm)
                try trainer.train { step, _ in
                    if step % 100 == 0 { try Interrupt.check(); progress?.update(model * trainingIterations + step, note: "training model \(model + 1)") }
                }
            } else {
                net = try MLP.load(from: weights[model])
                guard net.inputSize == 1, net.outputSize == 1 else {
                    throw SpectralError.badInput("\(weights[model].lastPathComponent) maps \(net.inputSize) → \(net.outputSize); exp2 needs 1 → 1")
                }
            }
            let trained = net.parameters.copy()
            let reference = magnitudes(net, inputs: inputs, gemm: gemm)
            // The directions, drawn once and shared by every δ (common random numbers).
            var directionRng = rng.fork(0xD1)
            let count = net.parameterCount
            var directionsStore = [Float](repeating: 0, count: directions * count)
            for d in 0..<directions {
                var norm = 0.0
                var draw = [Double](repeating: 0, count: count)
                for i in 0..<count { draw[i] = directionRng.standardNormal(); norm += draw[i] * draw[i] }
                let scale = 1 / norm.squareRoot()
                for i in 0..<count { directionsStore[d * count + i] = Float(draw[i] * scale) }
            }
            for (di, delta) in deltas.enumerated() {
                var sums = [Double](repeating: 0, count: frequencies.count)
                for d in 0..<directions {
                    for i in 0..<count { net.parameters[i] = trained[i] + Float(delta) * directionsStore[d * count + i] }
                    let m = magnitudes(net, inputs: inputs, gemm: gemm)
                    for f in frequencies.indices { sums[f] += m[f] }
                }
                for f in frequencies.indices { total[di][f] += sums[f] / Double(directions) / reference[f] / Double(modelCount) }
                try Interrupt.check()
            }
            net.parameters.pointer.update(from: trained.pointer, count: count)
        }
        return total
    }

    private func magnitudes(_ net: MLP, inputs: [Float], gemm: GEMM) -> [Double] {
        let outputs = predictWithPass(net: net, gemm: gemm, inputs: inputs, rows: inputs.count).map(Double.init)
        return dft(outputs, at: frequencies).map(\.magnitude)
    }

    /// For each frequency the smallest δ at which the mean magnitude has fallen to half the trained one, or nil.
    public func halfDeltas(_ ratios: [[Double]]) -> [Double?] {
        frequencies.indices.map { f in deltas.indices.first { ratios[$0][f] < 0.5 }.map { deltas[$0] } }
    }

    public func write(_ ratios: [[Double]], to out: URL) throws {
        var table = CSVTable(header: ["delta", "k", "relative_magnitude"])
        for (di, delta) in deltas.enumerated() {
            for (f, k) in frequencies.enumerated() { table.append([.double(delta), .double(k), .double(ratios[di][f])]) }
        }
        try table.write(to: out.appendingPathComponent("robustness.csv"))
        var half = CSVTable(header: ["k", "delta_at_half"])
        for (k, d) in zip(frequencies, halfDeltas(ratios)) { half.append([.double(k), d.map { .double($0) } ?? .empty]) }
        try half.write(to: out.appendingPathComponent("falloff.csv"))
        try heatMap(title: "Exp 2 (\(preset.rawValue)): |F(k)| after perturbation / trained |F(k)|",
                    values: frequencies.indices.map { f in deltas.indices.map { ratios[$0][f] } },
                    xValues: deltas, yValues: frequencies, xLabel: "perturbation size delta (unit-norm direction)",
                    yLabel: "frequency k", colorLabel: "mean |F(k)| relative to trained", range: 0...1)
            .writePNG(to: out.appendingPathComponent("heatmap.png"))
    }
}
