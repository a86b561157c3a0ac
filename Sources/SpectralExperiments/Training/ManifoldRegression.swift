import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralPlot
import SpectralSpectra

/// Experiment 5 of the paper: a sum of sines along the curve γ_L is learned sooner, the larger L
/// (docs/experiments.md, experiment 5).
///
/// The points are (L, run). A run's phases 2πφ_i, φ_i ~ U[0, 1), come from the run alone (`runGenerator`), so every
/// L fits the same target; the net's seed comes from the point's generator (coordinates [L, run]). Each net trains
/// full-batch with Adam on the N samples (γ_L(z_j), λ(z_j)) and records every `recordEvery` iterations the
/// normalised magnitudes 2|F(k_i)|/(N·A_i) of its outputs over z.
public struct ManifoldRegression: PointwiseExperiment {
    public static let name = "exp5"

    /// paper: L = 0, 4, 10, 16, 50,000 iterations, 10 runs; notebook (the authors'): L = 10, 10,000 iterations,
    /// 5 runs; quick: L = 0 and 16, 3,000 iterations, 1 run, a first look.
    public static let presets: [TrainingPreset] = [.paper, .notebook, .quick]

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var preset: TrainingPreset
        public var curves: [Int]
        public var iterations: Int
        public var runs: Int
        public var frequencies: [Double] = (1...10).map { Double(20 * $0) }
        public var samples = 1000
        public var depth = 6
        public var width = 256
        public var learningRate = 3e-4
        public var recordEvery = 100
        public var seed: UInt64 = 0

        public init(preset: TrainingPreset) {
            self.preset = preset
            switch preset {
            case .paper: (curves, iterations, runs) = ([0, 4, 10, 16], 50_000, 10)
            case .notebook: (curves, iterations, runs) = ([10], 10_000, 5)
            case .quick: (curves, iterations, runs) = ([0, 16], 3_000, 1)
            }
        }

        public var masterSeed: UInt64? { seed }

        public func validate() throws {
            try TrainingRanges.check(
                "exp5", preset: preset, of: ManifoldRegression.presets, learningRate: learningRate,
                counts: TrainingRanges.shape(depth: depth, width: width) + [
                    ("iterations", iterations, TrainingRanges.iterations), ("runs", runs, TrainingRanges.runs),
                    ("samples", samples, 4...1_000_000), ("record interval", recordEvery, TrainingRanges.recordEvery),
                ])
            guard !curves.isEmpty, curves.allSatisfy({ (0...10_000).contains($0) }), Set(curves).count == curves.count
            else { throw SpectralError.usage("--curves must list distinct L values in 0…10000") }
            guard frequencies.allSatisfy({ $0 > 0 && $0 < Double(samples) / 2 }) else {
                throw SpectralError.usage(
                    "every frequency must lie strictly between 0 and samples/2 = \(samples / 2) to be resolved")
            }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            estimate.addTraining(sizes: sizes, rows: samples)
            estimate.add(
                "recorded spectra",
                count: Double(curves.count * runs) * Double(iterations / recordEvery + 1)
                    * Double(frequencies.count + 1), width: 8)
            return estimate
        }

        var sizes: [Int] { mlpSizes(input: 2, width: width, depth: depth) }
    }

    public struct Point: Codable, Sendable {
        public let L: Int, run: Int
    }

    public struct PointResult: Codable, Sendable {
        public let iterations: [Int]
        /// magnitudes[record][frequency] = 2|F(k)|/(N·A).
        public let magnitudes: [[Double]]
        public let losses: [Double]
        /// Run 0 only: the trained parameters.
        public let finalParameters: [Float]?
    }

    /// What a run records as it trains (a checkpoint keeps it).
    struct Records: Codable {
        var iterations: [Int] = [], magnitudes: [[Double]] = [], losses: [Double] = []
    }

    /// One curve's runs, averaged.
    public struct Curve {
        public let L: Int
        public let iterations: [Int]
        /// meanMagnitudes[record][frequency].
        public let meanMagnitudes: [[Double]]
        public let meanLosses: [Double]
        public let network: MLP?
    }

    public struct Summary: Codable, Sendable {
        public struct CurveSummary: Codable, Sendable {
            public let L: Int
            public let finalMeanMagnitudes: [Double]
            /// Mean final magnitude over the upper half of the frequencies (k ≥ 120 for the paper's).
            public let highFrequencyMean: Double
            public let learnedAtNinetyPercent: [Int?]
            public let finalMeanLoss: Double
        }
        public let preset: TrainingPreset
        public let runs: Int, iterations: Int
        public let frequencies: [Double]
        public let curves: [CurveSummary]
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func points() -> [Point] {
        configuration.curves.flatMap { L in (0..<configuration.runs).map { Point(L: L, run: $0) } }
    }
    public func coordinates(of point: Point) -> [UInt64] { [UInt64(point.L), UInt64(point.run)] }
    public func progressUnits(of point: Point) -> Int { configuration.iterations }
    public func cost(of point: Point) -> Double {
        Double(configuration.iterations) * trainingStepFlops(sizes: configuration.sizes, rows: configuration.samples)
    }

    /// The run's target: the sum of sines with this run's phases, on the samples.
    func target(run: Int, context: PointContext) throws -> [Double] {
        let c = configuration
        var phases = runGenerator(master: context.masterSeed, run: run)
        let sines = try SumOfSines(
            frequencies: c.frequencies, amplitudes: c.frequencies.map { _ in 1 },
            phases: c.frequencies.map { _ in 2 * Double.pi * phases.nextUnitDouble() })
        return manifoldSamples(c.samples).map { sines($0) }
    }

    public func run(_ p: Point, context: PointContext) throws -> PointResult {
        let c = configuration
        let values = try target(run: p.run, context: context)
        let inputs = ManifoldCurve(L: p.L).inputs(manifoldSamples(c.samples))
        let data = try Dataset(inputs: inputs, targets: values.map(Float.init), rows: c.samples)
        var rng = context.generator
        let net = MLP.initialized(sizes: c.sizes, initialization: .pytorch, seed: rng.next())
        let trainer = try Trainer(
            net: net, data: data,
            configuration: TrainingConfiguration(steps: c.iterations, learningRate: c.learningRate),
            gemm: GEMM(pool: context.pool))
        func record(_ iteration: Int, loss: Double, into r: inout Records) {
            let outputs = trainer.predict(inputs, rows: c.samples).map(Double.init)
            r.magnitudes.append(sinusoidAmplitudes(outputs, at: c.frequencies))
            r.losses.append(loss)
            r.iterations.append(iteration)
        }
        var records = Records()
        try context.trainResumably(
            trainer, steps: c.iterations, records: &records,
            fresh: { r in
                let outputs = trainer.predict(inputs, rows: c.samples)
                record(0, loss: meanSquaredError(outputs, values), into: &r)
            }, note: { _ in "L = \(p.L), run \(p.run + 1)" },
            observe: { step, loss, r in
                if step % c.recordEvery == 0 { record(step, loss: loss, into: &r) }
            })
        return PointResult(
            iterations: records.iterations, magnitudes: records.magnitudes, losses: records.losses,
            finalParameters: p.run == 0 ? net.parameters.array : nil)
    }

    public func result(from results: [PointResult]) throws -> [Curve] {
        let c = configuration
        return try c.curves.enumerated().map { index, L in
            let mine = Array(results[(index * c.runs)..<((index + 1) * c.runs)])
            let first = mine[0]
            let mean = first.magnitudes.indices.map { r in
                c.frequencies.indices.map { f in mine.map { $0.magnitudes[r][f] }.reduce(0, +) / Double(c.runs) }
            }
            let losses = first.losses.indices.map { r in mine.map { $0.losses[r] }.reduce(0, +) / Double(c.runs) }
            return Curve(
                L: L, iterations: first.iterations, meanMagnitudes: mean, meanLosses: losses,
                network: try first.finalParameters.map { try MLP(sizes: c.sizes, parameters: $0) })
        }
    }
}

/// Mean of (y − t)² in Float64 (MSELoss's value).
func meanSquaredError(_ outputs: [Float], _ targets: [Double]) -> Double {
    zip(outputs, targets).map { (Double($0) - $1) * (Double($0) - $1) }.reduce(0, +) / Double(targets.count)
}

extension ManifoldRegression {
    public func write(_ curves: [Curve], to folder: OutputFolder) throws -> Summary {
        let c = configuration
        var dynamics = CSVTable(header: ["L", "iteration", "k", "magnitude"])
        var learned = CSVTable(header: ["L", "k", "first_iteration_at_0.9"])
        var loss = CSVTable(header: ["L", "iteration", "loss"])
        var summaries: [Summary.CurveSummary] = []
        for curve in curves {
            for (r, iteration) in curve.iterations.enumerated() {
                for (f, k) in c.frequencies.enumerated() {
                    dynamics.append([.int(curve.L), .int(iteration), .double(k), .double(curve.meanMagnitudes[r][f])])
                }
                loss.append([.int(curve.L), .int(iteration), .double(curve.meanLosses[r])])
            }
            let at = c.frequencies.indices.map { f in
                curve.meanMagnitudes.indices.first { curve.meanMagnitudes[$0][f] >= 0.9 }.map { curve.iterations[$0] }
            }
            for (k, iteration) in zip(c.frequencies, at) {
                learned.append([.int(curve.L), .double(k), iteration.map { .int($0) } ?? .empty])
            }
            let final = curve.meanMagnitudes.last ?? []
            let upper = final.suffix(final.count / 2)
            summaries.append(
                Summary.CurveSummary(
                    L: curve.L, finalMeanMagnitudes: final,
                    highFrequencyMean: upper.reduce(0, +) / Double(max(1, upper.count)),
                    learnedAtNinetyPercent: at, finalMeanLoss: curve.meanLosses.last ?? .nan))
            if let net = curve.network { try folder.write(net, "weights_L\(curve.L).safetensors") }
        }
        try folder.write(dynamics, "dynamics.csv")
        try folder.write(learned, "learned.csv")
        try folder.write(loss, "loss.csv")
        try writePictures(curves, to: folder)
        return Summary(
            preset: c.preset, runs: c.runs, iterations: c.iterations, frequencies: c.frequencies, curves: summaries)
    }

    private func writePictures(_ curves: [Curve], to folder: OutputFolder) throws {
        let c = configuration
        let runs = "\(c.runs) run\(c.runs == 1 ? "" : "s")"
        let maps = curves.map { curve in
            heatMap(
                title: "Exp 5, L = \(curve.L) (\(c.preset.rawValue), \(runs)): learned |F(k)|/A",
                values: c.frequencies.indices.map { f in curve.meanMagnitudes.map { $0[f] } },
                xValues: curve.iterations.map(Double.init), yValues: c.frequencies,
                xLabel: "training iteration", yLabel: "frequency k along the curve",
                colorLabel: "normalised magnitude 2|F(k)|/(N A)", range: 0...1)
        }
        for (curve, map) in zip(curves, maps) { try folder.write(map, "heatmap_L\(curve.L)") }
        try folder.write(Figure.row(maps), "heatmaps")
        try folder.write(
            linePlot(
                title: "Exp 5: training loss (mean over runs) for each curve",
                series: curves.map {
                    Series(name: "L = \($0.L)", x: $0.iterations.map(Double.init), y: $0.meanLosses)
                }, xLabel: "training iteration", yLabel: "MSE", logY: true), "loss")
    }

    public func report(_ summary: Summary, folder: URL) -> [String] {
        summary.curves.map {
            String(
                format: "exp5 L = %d: mean final magnitude of the upper half of k %.3f, loss %.3g", $0.L,
                $0.highFrequencyMean, $0.finalMeanLoss)
        } + ["results and pictures in \(folder.path)"]
    }
}

public struct Exp5Command: ExperimentCommand {
    public typealias Runner = ManifoldRegression
    public static let description = CommandDescription(
        name: "exp5",
        abstract: "Experiment 5: a sum of sines along the curve γ_L is learned sooner, the larger L (heat map per L).",
        discussion: """
            Target Σ sin(2π k z + 2π φ), k = 20, 40, …, 200, on z_j = j/1000, fitted from the inputs
            γ_L(z) = (1 + ½ sin 2πLz)(cos 2πz, sin 2πz) by the 6 × 256 net (full-batch Adam, lr 3e-4). Presets: paper
            (L = 0, 4, 10, 16; 50,000 iterations; 10 runs), notebook (L = 10; 10,000; 5 runs), quick (L = 0, 16;
            3,000; 1 run). Every L of a run fits the same phases. Writes dynamics.csv (L,iteration,k,magnitude:
            2|F(k)|/(N·A) over z, averaged over runs), learned.csv, loss.csv, weights_L<L>.safetensors (run 1's
            nets, for exact2d --weights), heatmap_L<L> and heatmaps (side by side, one colour scale), loss,
            summary.json and run.json.
            """)

    @Option(help: "paper, notebook or quick") var preset = TrainingPreset.quick
    @Option(help: "the curves' L values (default: the preset's)", check: .count(1...32, each: 0...10_000))
    var curves: IntegerList?
    @OptionGroup var training: TrainingOptions
    @Option(help: "iterations between spectrum records", check: .within(TrainingRanges.recordEvery)) var recordEvery =
        100
    @OptionGroup var seeding: SeedOptions
    @OptionGroup var sharding: ShardOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public var shard: Shard? { sharding.shard?.shard }

    public func configuration() throws -> ManifoldRegression.Configuration {
        var c = ManifoldRegression.Configuration(preset: preset)
        c.curves = curves?.values ?? c.curves
        c.iterations = training.iterations ?? c.iterations
        c.runs = training.runs ?? c.runs
        c.recordEvery = recordEvery
        c.seed = seeding.seed
        return c
    }
}
