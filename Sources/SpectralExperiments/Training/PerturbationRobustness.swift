import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralPlot
import SpectralSpectra

/// Experiment 2 of the paper: robustness of the learned frequencies to parameter perturbations (docs/experiments.md,
/// experiment 2). θ = θ* + δ·θ̂ with θ̂ Gaussian, normalised to unit L2 norm over all weights and biases together; for
/// each δ the magnitude |F(k)| on the samples is averaged over directions and divided by the trained net's |F(k)|.
/// Points are the models (coordinates [model]): each trains (or loads) its net and draws its directions once,
/// shared by every δ (common random numbers).
public struct PerturbationRobustness: PointwiseExperiment {
    public static let name = "exp2"

    /// paper: k = 10…50, one model trained 80,000 iterations, δ on linspace(0, 5.001, 100), 100 directions;
    /// notebook: k = 5…50, 5 models trained 60,000 iterations, the same δ grid and directions; quick: k = 5…25, one
    /// model trained 4,000 iterations at lr 1e-3, 25 δ values in [0, 6], 20 directions.
    public static let presets: [TrainingPreset] = [.paper, .notebook, .quick]

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var preset: TrainingPreset
        public var frequencies: [Double]
        public var models: Int
        public var trainingIterations: Int
        public var learningRate: Double
        public var deltas: [Double]
        public var directions: Int
        public var samples = 200
        public var depth = 6
        public var width = 256
        public var seed: UInt64 = 0
        /// Converged nets to load instead of training (one per model; `models` becomes their count).
        public var weights: [InputFile] = []

        public init(preset: TrainingPreset) {
            self.preset = preset
            let grid = (0..<100).map { 5.001 * Double($0) / 99 }
            switch preset {
            case .paper:
                (frequencies, models, trainingIterations, learningRate) = (
                    (2...10).map { Double(5 * $0) }, 1, 80_000, 3e-4
                )
                (deltas, directions) = (grid, 100)
            case .notebook:
                (frequencies, models, trainingIterations, learningRate) = (SumOfSines.paperFrequencies, 5, 60_000, 3e-4)
                (deltas, directions) = (grid, 100)
            case .quick:
                (frequencies, models, trainingIterations, learningRate) = (
                    (1...5).map { Double(5 * $0) }, 1, 4_000, 1e-3
                )
                (deltas, directions) = ((0..<25).map { 6.0 * Double($0) / 24 }, 20)
            }
        }

        public var masterSeed: UInt64? { seed }
        public var inputFiles: [InputFile] { weights }
        var modelCount: Int { weights.isEmpty ? models : weights.count }

        public func validate() throws {
            try TrainingRanges.check(
                "exp2", preset: preset, of: PerturbationRobustness.presets, learningRate: learningRate,
                counts: TrainingRanges.shape(depth: depth, width: width) + [
                    ("models", models, 1...1000), ("iterations", trainingIterations, TrainingRanges.iterationsOrNone),
                    ("directions", directions, 1...100_000), ("samples", samples, 2...1_000_000),
                ])
            guard !deltas.isEmpty, deltas.allSatisfy(\.isFinite) else {
                throw SpectralError.usage("exp2 needs at least one δ, every one finite")
            }
            guard frequencies.allSatisfy({ $0 > 0 && $0 < Double(samples) / 2 }) else {
                throw SpectralError.usage("every frequency must lie strictly between 0 and samples/2")
            }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            let sizes = mlpSizes(input: 1, width: width, depth: depth)
            estimate.addTraining(sizes: sizes, rows: samples)
            estimate.add("perturbation directions", count: Double(directions) * parameterCount(sizes: sizes), width: 4)
            return estimate
        }
    }

    public struct Point: Codable, Sendable {
        public let model: Int
        let weights: InputFile?
        let frequencies: [Double], trainingIterations: Int, learningRate: Double, deltas: [Double], directions: Int
        let samples: Int, depth: Int, width: Int
    }

    /// contribution[δ][k] = mean over directions of |F(k)| / trained |F(k)| for this model.
    public struct PointResult: Codable, Sendable { public let contribution: [[Double]] }

    public struct Summary: Codable, Sendable {
        public struct Half: Codable, Sendable {
            public let k: Double
            public let delta: Double?
        }
        public let preset: TrainingPreset
        public let models: Int
        public let deltaAtHalf: [Half]
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func points() -> [Point] {
        let c = configuration
        return (0..<c.modelCount).map {
            Point(
                model: $0, weights: c.weights.isEmpty ? nil : c.weights[$0], frequencies: c.frequencies,
                trainingIterations: c.weights.isEmpty ? c.trainingIterations : 0, learningRate: c.learningRate,
                deltas: c.deltas, directions: c.directions, samples: c.samples, depth: c.depth, width: c.width)
        }
    }

    public func coordinates(of point: Point) -> [UInt64] { [UInt64(point.model)] }
    public func progressUnits(of point: Point) -> Int { point.trainingIterations + point.deltas.count }

    public func run(_ p: Point, context: PointContext) throws -> PointResult {
        let gemm = GEMM(pool: context.pool)
        let inputs = (0..<p.samples).map { Float(Double($0) / Double(p.samples)) }
        var rng = context.generator
        let net = try model(p, inputs: inputs, rng: &rng, gemm: gemm, context: context)
        let trained = net.parameters.copy()
        let reference = magnitudes(net, inputs: inputs, frequencies: p.frequencies, gemm: gemm)
        var directionRng = rng.fork(0xD1)
        let count = net.parameterCount
        var directions = [Float](repeating: 0, count: p.directions * count)
        for d in 0..<p.directions {
            var norm = 0.0
            var draw = [Double](repeating: 0, count: count)
            for i in 0..<count {
                draw[i] = directionRng.standardNormal()
                norm += draw[i] * draw[i]
            }
            let scale = 1 / norm.squareRoot()
            for i in 0..<count { directions[d * count + i] = Float(draw[i] * scale) }
        }
        var contribution: [[Double]] = []
        for delta in p.deltas {
            var sums = [Double](repeating: 0, count: p.frequencies.count)
            for d in 0..<p.directions {
                for i in 0..<count { net.parameters[i] = trained[i] + Float(delta) * directions[d * count + i] }
                let m = magnitudes(net, inputs: inputs, frequencies: p.frequencies, gemm: gemm)
                for f in p.frequencies.indices { sums[f] += m[f] }
            }
            contribution.append(p.frequencies.indices.map { sums[$0] / Double(p.directions) / reference[$0] })
            try context.advance(note: "model \(p.model + 1), perturbing")
        }
        return PointResult(contribution: contribution)
    }

    /// The converged model: loaded, or trained on the experiment-1 target with phases from the point's generator.
    private func model(
        _ p: Point, inputs: [Float], rng: inout SplitMix64, gemm: GEMM, context: PointContext
    ) throws -> MLP {
        if let file = p.weights {
            let net = try MLP.load(from: URL(fileURLWithPath: file.path))
            guard net.inputSize == 1, net.outputSize == 1 else {
                throw SpectralError.badInput("\(file.path) maps \(net.inputSize) → \(net.outputSize); exp2 needs 1 → 1")
            }
            return net
        }
        let target = try SumOfSines(frequencies: p.frequencies, amplitudes: p.frequencies.map { _ in 1 }, rng: &rng)
        let data = try Dataset(
            inputs: inputs, targets: target.samples(p.samples).value.map(Float.init), rows: p.samples)
        let net = MLP.initialized(
            sizes: mlpSizes(input: 1, width: p.width, depth: p.depth), initialization: .pytorch,
            seed: rng.next())
        let trainer = try Trainer(
            net: net, data: data,
            configuration: TrainingConfiguration(steps: p.trainingIterations, learningRate: p.learningRate),
            gemm: gemm)
        try trainer.train { _, _ in try context.advance(note: "training model \(p.model + 1)") }
        return net
    }

    private func magnitudes(_ net: MLP, inputs: [Float], frequencies: [Double], gemm: GEMM) -> [Double] {
        let outputs = predictWithPass(net: net, gemm: gemm, inputs: inputs, rows: inputs.count).map(Double.init)
        return dft(outputs, at: frequencies).map(\.magnitude)
    }

    /// ratio[δ][k], averaged over models in model order.
    public func result(from results: [PointResult]) throws -> [[Double]] {
        let c = configuration
        var total = [[Double]](repeating: [Double](repeating: 0, count: c.frequencies.count), count: c.deltas.count)
        for r in results {
            for di in c.deltas.indices {
                for f in c.frequencies.indices { total[di][f] += r.contribution[di][f] / Double(results.count) }
            }
        }
        return total
    }

    /// For each frequency the smallest δ at which the mean magnitude has fallen to half the trained one, or nil.
    public func halfDeltas(_ ratios: [[Double]]) -> [Double?] {
        configuration.frequencies.indices.map { f in
            configuration.deltas.indices.first { ratios[$0][f] < 0.5 }.map { configuration.deltas[$0] }
        }
    }

    public func write(_ ratios: [[Double]], to folder: OutputFolder) throws -> Summary {
        let c = configuration
        var table = CSVTable(header: ["delta", "k", "relative_magnitude"])
        for (di, delta) in c.deltas.enumerated() {
            for (f, k) in c.frequencies.enumerated() {
                table.append([.double(delta), .double(k), .double(ratios[di][f])])
            }
        }
        try folder.write(table, "robustness.csv")
        let halves = halfDeltas(ratios)
        var half = CSVTable(header: ["k", "delta_at_half"])
        for (k, d) in zip(c.frequencies, halves) { half.append([.double(k), d.map { .double($0) } ?? .empty]) }
        try folder.write(half, "falloff.csv")
        try folder.write(
            heatMap(
                title: "Exp 2 (\(c.preset.rawValue) preset): |F(k)| after perturbation / trained |F(k)|",
                values: c.frequencies.indices.map { f in c.deltas.indices.map { ratios[$0][f] } },
                xValues: c.deltas, yValues: c.frequencies, xLabel: "perturbation size delta (unit-norm direction)",
                yLabel: "frequency k", colorLabel: "mean |F(k)| relative to trained", range: 0...1), "heatmap")
        return Summary(
            preset: c.preset, models: c.modelCount,
            deltaAtHalf: zip(c.frequencies, halves).map { Summary.Half(k: $0, delta: $1) })
    }

    public func report(_ summary: Summary, folder: URL) -> [String] {
        let half = summary.deltaAtHalf.map {
            "k=\(formattedNumber($0.k)): \($0.delta.map { String(format: "%.3g", $0) } ?? "> max")"
        }
        return [
            "exp2 (\(summary.preset.rawValue)): δ at which |F(k)| halves — \(half.joined(separator: ", "))",
            "results in \(folder.path)",
        ]
    }
}

public struct Exp2Command: ExperimentCommand {
    public typealias Runner = PerturbationRobustness
    public static let description = CommandDescription(
        name: "exp2", abstract: "Experiment 2: how robust each learned frequency is to random parameter perturbations.",
        discussion: """
            Trains (or loads with --weights, comma-separated) converged nets on the experiment-1 target, perturbs all
            parameters along unit-norm Gaussian directions θ* + δ·θ̂, and averages |F(k)| over directions, divided by the
            trained |F(k)|. Presets: paper (k = 10…50, 1 model, 80,000 iterations), notebook (k = 5…50, 5 models, 60,000),
            quick (k = 5…25, 1 model, 4,000 at lr 1e-3). Writes robustness.csv (delta,k,relative_magnitude), falloff.csv
            (the δ at which each k falls to half), the heatmap picture, summary.json and run.json.
            """)

    @Option(help: "paper, notebook or quick") var preset = TrainingPreset.quick
    @Option(help: "converged nets to load instead of training (comma-separated safetensors files)") var weights:
        FileList?
    @Option(help: "random directions per δ (default: the preset's)", check: .within(1...100_000)) var directions: Int?
    @Option(
        help: "training iterations of each model (default: the preset's)",
        check: .within(TrainingRanges.iterationsOrNone))
    var iterations: Int?
    @OptionGroup var seeding: SeedOptions
    @OptionGroup var sharding: ShardOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public var shard: Shard? { sharding.shard?.shard }

    public func validate() throws {
        try ignored($iterations, when: weights != nil, "with --weights (loaded nets are not trained)")
    }

    public func configuration() throws -> PerturbationRobustness.Configuration {
        var c = PerturbationRobustness.Configuration(preset: preset)
        c.weights = weights?.files ?? []
        c.trainingIterations = iterations ?? c.trainingIterations
        c.directions = directions ?? c.directions
        c.seed = seeding.seed
        return c
    }
}

/// Files separated by commas.
public struct FileList: ExpressibleByArgument, Sendable {
    public let files: [InputFile]
    public init(argument: String) throws {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty) else { throw ArgumentValueError("has an empty file name") }
        guard parts.count <= 1000 else { throw ArgumentValueError("lists \(parts.count) files; at most 1000") }
        files = parts.map { InputFile(path: $0) }
    }
    public static var valueName: String { "FILES" }
}
