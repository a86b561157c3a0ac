import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralPlot
import SpectralSpectra

/// Experiment 1 of the paper: lower frequencies are learned first (docs/experiments.md, experiment 1).
///
/// Each run draws its phases φ_i ~ U[0, 2π) and then its network's seed from its own generator (`SeedPolicy`,
/// coordinates [run]), trains the 6 × 256 net full-batch with Adam on λ(z_j), and records every `recordEvery`
/// iterations the normalised magnitudes 2|F(k_i)|/(N·A_i) of the net's outputs on the samples.
public struct FrequencyLearningOrder: PointwiseExperiment {
    public static let name = "exp1"

    /// paper: 80,000 iterations, 10 phase draws; notebook (the authors'): 60,000 iterations, 20 runs; quick: 5,000
    /// iterations, 1 run, for tests and the demonstration.
    public static let presets: [TrainingPreset] = [.paper, .notebook, .quick]

    public enum Amplitudes: String, Codable, CaseIterable, Sendable, ExpressibleByArgument { case equal, increasing }

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var preset: TrainingPreset
        public var iterations: Int
        public var runs: Int
        public var amplitudes = Amplitudes.equal
        public var frequencies = SumOfSines.paperFrequencies
        public var samples = 200
        public var depth = 6
        public var width = 256
        public var learningRate = 3e-4
        public var recordEvery = 100
        /// Spectral norms are computed every this many records (power iteration is not free).
        public var normEvery = 10
        public var seed: UInt64 = 0
        /// Also write dynamics_runs.csv with every run's rows.
        public var perRunRows = false

        public init(preset: TrainingPreset) {
            self.preset = preset
            switch preset {
            case .paper: (iterations, runs) = (80_000, 10)
            case .notebook: (iterations, runs) = (60_000, 20)
            case .quick: (iterations, runs) = (5_000, 1)
            }
        }

        public var masterSeed: UInt64? { seed }

        public func validate() throws {
            try TrainingRanges.check(
                "exp1", preset: preset, of: FrequencyLearningOrder.presets, learningRate: learningRate,
                counts: TrainingRanges.shape(depth: depth, width: width) + [
                    ("iterations", iterations, TrainingRanges.iterations), ("runs", runs, TrainingRanges.runs),
                    ("samples", samples, 2...1_000_000), ("record interval", recordEvery, TrainingRanges.recordEvery),
                    ("norm interval", normEvery, 1...Int.max),
                ])
            guard !frequencies.isEmpty, frequencies.allSatisfy({ $0 > 0 && $0 < Double(samples) / 2 }) else {
                throw SpectralError.usage(
                    "every frequency must lie strictly between 0 and samples/2 = \(samples / 2) to be resolved")
            }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            estimate.addTraining(sizes: mlpSizes(input: 1, width: width, depth: depth), rows: samples)
            estimate.add(
                "recorded spectra",
                count: Double(runs) * Double(iterations / recordEvery + 1) * Double(frequencies.count + 1), width: 8)
            return estimate
        }

        var amplitudeValues: [Double] {
            let paper = SumOfSines.paperAmplitudes(increasing: amplitudes == .increasing)
            return paper.count == frequencies.count ? paper : Array(repeating: 1, count: frequencies.count)
        }
    }

    /// One run: its index and everything the run depends on.
    public struct Point: Codable, Sendable {
        public let run: Int
        let iterations: Int, frequencies: [Double], amplitudes: [Double], samples: Int
        let depth: Int, width: Int, learningRate: Double, recordEvery: Int, normEvery: Int
    }

    public struct SpectralNormRecord: Codable, Sendable {
        public let run: Int, iteration: Int, layer: Int, sigma: Double
    }

    public struct PointResult: Codable, Sendable {
        public let iterations: [Int]
        /// magnitudes[record][frequency] = 2|F(k)|/(N·A).
        public let magnitudes: [[Double]]
        public let losses: [Double]
        public let spectralNorms: [SpectralNormRecord]
        /// Run 0 only: predictions at a few iterations, the target, and the trained parameters.
        public let snapshots: [[Double]]?
        public let snapshotIterations: [Int]?
        public let target: [Double]?
        public let finalParameters: [Float]?
    }

    /// Everything the experiment measured.
    public struct Result {
        public var iterations: [Int] = []
        /// magnitude[run][record][frequency] = 2|F(k)|/N / A.
        public var magnitudes: [[[Double]]] = []
        public var losses: [[Double]] = []
        public var spectralNorms: [SpectralNormRecord] = []
        /// Snapshots of run 0: iteration → predictions on the samples.
        public var snapshots: [(Int, [Double])] = []
        public var target: [Double] = []
        /// Run 0's network at the end of training.
        public var finalNetwork: MLP?
        public var z: [Double] = []

        /// Magnitudes averaged over runs: [record][frequency].
        public var meanMagnitudes: [[Double]] {
            guard let first = magnitudes.first else { return [] }
            return first.indices.map { r in
                first[r].indices.map { f in magnitudes.map { $0[r][f] }.reduce(0, +) / Double(magnitudes.count) }
            }
        }

        /// For each frequency the first recorded iteration whose mean magnitude reaches `threshold`, or nil.
        public func learnedAt(threshold: Double = 0.9) -> [Int?] {
            let mean = meanMagnitudes
            guard let width = mean.first?.count else { return [] }
            return (0..<width).map { f in mean.indices.first { mean[$0][f] >= threshold }.map { iterations[$0] } }
        }
    }

    public struct Summary: Codable, Sendable {
        public struct Learned: Codable, Sendable {
            public let k: Double
            public let iteration: Int?
        }
        public let preset: TrainingPreset
        public let runs: Int
        public let learnedAtNinetyPercent: [Learned]
        public let finalMeanMagnitudes: [Double]
        public let finalMeanLoss: Double
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func points() -> [Point] {
        let c = configuration
        return (0..<c.runs).map {
            Point(
                run: $0, iterations: c.iterations, frequencies: c.frequencies, amplitudes: c.amplitudeValues,
                samples: c.samples, depth: c.depth, width: c.width, learningRate: c.learningRate,
                recordEvery: c.recordEvery, normEvery: c.normEvery)
        }
    }

    public func coordinates(of point: Point) -> [UInt64] { [UInt64(point.run)] }
    public func progressUnits(of point: Point) -> Int { point.iterations }
    public func cost(of point: Point) -> Double {
        Double(point.iterations)
            * trainingStepFlops(sizes: mlpSizes(input: 1, width: point.width, depth: point.depth), rows: point.samples)
    }

    public func run(_ p: Point, context: PointContext) throws -> PointResult {
        var rng = context.generator
        let target = try SumOfSines(frequencies: p.frequencies, amplitudes: p.amplitudes, rng: &rng)
        let (z, values) = target.samples(p.samples)
        let data = try Dataset(inputs: z.map(Float.init), targets: values.map(Float.init), rows: p.samples)
        let net = MLP.initialized(
            sizes: mlpSizes(input: 1, width: p.width, depth: p.depth), initialization: .pytorch,
            seed: rng.next())
        let trainer = try Trainer(
            net: net, data: data,
            configuration: TrainingConfiguration(steps: p.iterations, learningRate: p.learningRate),
            gemm: GEMM(pool: context.pool))
        let snapshotIterations = Set(
            [0, p.iterations / 10, p.iterations / 3, p.iterations].map { $0 / p.recordEvery * p.recordEvery })
        let inputs = z.map(Float.init)
        func record(_ iteration: Int, loss: Double, into r: inout Records) {
            let outputs = trainer.predict(inputs, rows: p.samples).map(Double.init)
            r.magnitudes.append(zip(sinusoidAmplitudes(outputs, at: p.frequencies), p.amplitudes).map { $0 / $1 })
            r.losses.append(loss)
            r.iterations.append(iteration)
            if p.run == 0 && snapshotIterations.contains(iteration) {
                r.snapshots.append(outputs)
                r.snapshotIterations.append(iteration)
            }
            if (r.magnitudes.count - 1) % p.normEvery == 0 || iteration == p.iterations {
                for l in 0..<net.layerCount {
                    let (sigma, vector) = net.spectralNormAndVector(
                        l, start: r.singularVectors[l], tolerance: 1e-9, maxIterations: 3000)
                    r.singularVectors[l] = vector
                    r.norms.append(SpectralNormRecord(run: p.run, iteration: iteration, layer: l, sigma: sigma))
                }
            }
        }
        var records = Records(singularVectors: Array(repeating: nil, count: net.layerCount))
        try context.trainResumably(
            trainer, steps: p.iterations, records: &records,
            fresh: { r in
                record(0, loss: meanSquaredError(trainer.predict(inputs, rows: p.samples), values), into: &r)
            }, note: { _ in "run \(p.run + 1)" },
            observe: { step, loss, r in
                if step % p.recordEvery == 0 { record(step, loss: loss, into: &r) }
            })
        let first = p.run == 0
        return PointResult(
            iterations: records.iterations, magnitudes: records.magnitudes, losses: records.losses,
            spectralNorms: records.norms, snapshots: first ? records.snapshots : nil,
            snapshotIterations: first ? records.snapshotIterations : nil,
            target: first ? values : nil, finalParameters: first ? net.parameters.array : nil)
    }

    /// What a run records as it trains (and a checkpoint keeps, the power iterations' warm starts included).
    struct Records: Codable {
        var iterations: [Int] = [], magnitudes: [[Double]] = [], losses: [Double] = [], norms: [SpectralNormRecord] = []
        var snapshots: [[Double]] = [], snapshotIterations: [Int] = []
        var singularVectors: [[Double]?]
    }

    public func result(from results: [PointResult]) throws -> Result {
        let c = configuration
        var result = Result()
        guard let first = results.first else { return result }
        result.iterations = first.iterations
        result.magnitudes = results.map(\.magnitudes)
        result.losses = results.map(\.losses)
        result.spectralNorms = results.flatMap(\.spectralNorms)
        result.z = (0..<c.samples).map { Double($0) / Double(c.samples) }
        result.target = first.target ?? []
        result.snapshots = Array(zip(first.snapshotIterations ?? [], first.snapshots ?? []))
        if let parameters = first.finalParameters {
            result.finalNetwork = try MLP(
                sizes: mlpSizes(input: 1, width: c.width, depth: c.depth), parameters: parameters)
        }
        return result
    }

    /// Writes the CSVs and pictures.
    public func write(_ result: Result, to folder: OutputFolder) throws -> Summary {
        let c = configuration
        var dynamics = CSVTable(header: ["iteration", "k", "magnitude"])
        let mean = result.meanMagnitudes
        for (r, iteration) in result.iterations.enumerated() {
            for (f, k) in c.frequencies.enumerated() {
                dynamics.append([.int(iteration), .double(k), .double(mean[r][f])])
            }
        }
        try folder.write(dynamics, "dynamics.csv")
        if let net = result.finalNetwork { try folder.write(net, "weights.safetensors") }
        if c.perRunRows {
            var perRun = CSVTable(header: ["run", "iteration", "k", "magnitude"])
            for (run, m) in result.magnitudes.enumerated() {
                for (r, iteration) in result.iterations.enumerated() {
                    for (f, k) in c.frequencies.enumerated() {
                        perRun.append([.int(run), .int(iteration), .double(k), .double(m[r][f])])
                    }
                }
            }
            try folder.write(perRun, "dynamics_runs.csv")
        }
        let learnedAt = result.learnedAt()
        var learned = CSVTable(header: ["k", "first_iteration_at_0.9"])
        for (k, at) in zip(c.frequencies, learnedAt) { learned.append([.double(k), at.map { .int($0) } ?? .empty]) }
        try folder.write(learned, "learned.csv")
        var norms = CSVTable(header: ["run", "iteration", "layer", "sigma_max"])
        for n in result.spectralNorms {
            norms.append([.int(n.run), .int(n.iteration), .int(n.layer), .double(n.sigma)])
        }
        try folder.write(norms, "spectral_norms.csv")
        let meanLoss = result.iterations.indices.map { r in
            result.losses.map { $0[r] }.reduce(0, +) / Double(result.losses.count)
        }
        var loss = CSVTable(header: ["iteration", "loss"])
        for (iteration, value) in zip(result.iterations, meanLoss) { loss.append([.int(iteration), .double(value)]) }
        try folder.write(loss, "loss.csv")
        var function = CSVTable(header: ["iteration", "z", "target", "prediction"])
        for (iteration, outputs) in result.snapshots {
            for j in result.z.indices {
                function.append([.int(iteration), .double(result.z[j]), .double(result.target[j]), .double(outputs[j])])
            }
        }
        try folder.write(function, "function.csv")
        try writePictures(result, meanLoss: meanLoss, to: folder)
        return Summary(
            preset: c.preset, runs: c.runs,
            learnedAtNinetyPercent: zip(c.frequencies, learnedAt).map { Summary.Learned(k: $0, iteration: $1) },
            finalMeanMagnitudes: mean.last ?? [], finalMeanLoss: meanLoss.last ?? .nan)
    }

    private func writePictures(_ result: Result, meanLoss: [Double], to folder: OutputFolder) throws {
        let c = configuration
        let mean = result.meanMagnitudes
        let runs = "\(c.runs) run\(c.runs == 1 ? "" : "s")"
        try folder.write(
            heatMap(
                title:
                    "Exp 1 (\(c.preset.rawValue) preset, \(c.amplitudes.rawValue) amplitudes, \(runs)): learned |F(k)|/A",
                values: c.frequencies.indices.map { f in mean.map { $0[f] } },
                xValues: result.iterations.map(Double.init), yValues: c.frequencies,
                xLabel: "training iteration", yLabel: "frequency k",
                colorLabel: "normalised magnitude 2|F(k)|/(N A)", range: 0...1), "heatmap")
        let snapshotSeries = result.snapshots.map { Series(name: "iteration \($0.0)", x: result.z, y: $0.1) }
        try folder.write(
            linePlot(
                title: "Exp 1: the learned function (run 1) against the target",
                series: [Series(name: "target", x: result.z, y: result.target, dashed: true)] + snapshotSeries,
                xLabel: "z", yLabel: "f(z)"), "functions")
        let layers = Set(result.spectralNorms.map(\.layer)).sorted()
        try folder.write(
            linePlot(
                title: "Exp 1: spectral norm of each layer (run 1)",
                series: layers.map { l in
                    let points = result.spectralNorms.filter { $0.run == 0 && $0.layer == l }
                    return Series(
                        name: "layer \(l + 1)", x: points.map { Double($0.iteration) }, y: points.map(\.sigma))
                }, xLabel: "training iteration", yLabel: "largest singular value"), "spectral_norms")
        try folder.write(
            linePlot(
                title: "Exp 1: training loss (mean over runs)",
                series: [Series(name: "MSE", x: result.iterations.map(Double.init), y: meanLoss)],
                xLabel: "training iteration", yLabel: "loss", logY: true), "loss")
    }

    public func report(_ summary: Summary, folder: URL) -> [String] {
        let learned = summary.learnedAtNinetyPercent.map {
            "k=\(formattedNumber($0.k)): \($0.iteration.map(String.init) ?? "not yet")"
        }
        return [
            "exp1 (\(summary.preset.rawValue) preset): first iteration at 90% of amplitude — \(learned.joined(separator: ", "))",
            "results and pictures in \(folder.path)",
        ]
    }
}

public struct Exp1Command: ExperimentCommand {
    public typealias Runner = FrequencyLearningOrder
    public static let description = CommandDescription(
        name: "exp1", abstract: "Experiment 1: lower frequencies are learned first (heat map iteration × frequency).",
        discussion: """
            Presets: paper (80,000 iterations, 10 phase draws), notebook (60,000 iterations, 20 runs), quick (5,000
            iterations, 1 run). Options given explicitly override the preset. Writes dynamics.csv (iteration,k,magnitude:
            2|F(k)|/(N·A) averaged over runs), learned.csv, spectral_norms.csv, loss.csv, function.csv,
            weights.safetensors (run 1's net), heatmap, functions, spectral_norms and loss pictures (PNG and SVG),
            summary.json and run.json.
            """)

    @Option(help: "paper, notebook or quick") var preset = TrainingPreset.quick
    @Option(help: "equal (all 1) or increasing (0.1, 0.2, …, 1)") var amplitudes: FrequencyLearningOrder.Amplitudes =
        .equal
    @OptionGroup var training: TrainingOptions
    @Option(help: "iterations between spectrum records", check: .within(TrainingRanges.recordEvery)) var recordEvery =
        100
    @Flag(help: "also write dynamics_runs.csv with every run's rows") var perRun = false
    @OptionGroup var seeding: SeedOptions
    @OptionGroup var sharding: ShardOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public var shard: Shard? { sharding.shard?.shard }

    public func configuration() throws -> FrequencyLearningOrder.Configuration {
        var c = FrequencyLearningOrder.Configuration(preset: preset)
        c.amplitudes = amplitudes
        c.iterations = training.iterations ?? c.iterations
        c.runs = training.runs ?? c.runs
        c.recordEvery = recordEvery
        c.perRunRows = perRun
        c.seed = seeding.seed
        return c
    }
}
