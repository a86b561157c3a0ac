import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralPlot

/// Experiment 3 of the paper: MNIST with label noise of low or high frequency (docs/experiments.md, experiment 3).
/// Digits 3 and 8 in file order, split 80/20; the training targets get τ(x) = τ₀(x) + β·ψ_k(x), the validation
/// targets stay clean. High-frequency noise (large k) is fitted late, so the best validation loss barely moves; low
/// frequency noise hurts it. Points are the (k, β, run) triples (coordinates: the bit patterns of k and β, the run).
public struct MNISTLabelNoise: PointwiseExperiment {
    public static let name = "exp3"

    /// notebook (the authors'): β = 0, and k ∈ {0.05, 0.2, 1} with β = 1, 5,000 iterations; paper (its Fig. 4): β
    /// varied at k ∈ {0.1, 1}, and k varied at β ∈ {0.5, 1}, 5,000 iterations; quick: β = 0, and k ∈ {0.05, 1} with
    /// β = 1, 300 iterations on the first 1,000 samples.
    public static let presets: [TrainingPreset] = [.notebook, .paper, .quick]

    /// ψ_k(x) = sin(2πk‖x‖) as the notebook codes it, or sin(k‖x‖) as the paper prints it (its Eq. 10).
    public enum NoiseFormula: String, Codable, CaseIterable, Sendable, ExpressibleByArgument { case coded, printed }
    /// Labels −1 / +1 as the notebook codes them, or 0 / 1 as the paper says.
    public enum LabelCoding: String, Codable, CaseIterable, Sendable, ExpressibleByArgument { case signed, binary }

    public struct NoiseSetting: Codable, Sendable, Equatable {
        public let k: Double, beta: Double
        public init(k: Double, beta: Double) { (self.k, self.beta) = (k, beta) }
    }

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var preset: TrainingPreset
        public var mnist: MNISTSource
        public var settings: [NoiseSetting]
        public var runs = 1
        public var iterations: Int
        public var learningRate = 1e-4
        public var depth = 6
        public var width = 256
        /// The first 80% of the samples train, the rest validate.
        public var trainFraction = 0.8
        public var noise = NoiseFormula.coded
        public var labels = LabelCoding.signed
        /// At most this many samples of the two digits (all when nil).
        public var sampleLimit: Int?
        public var seed: UInt64 = 0

        public init(preset: TrainingPreset, mnist: MNISTSource) {
            self.preset = preset
            self.mnist = mnist
            switch preset {
            case .notebook:
                settings = [NoiseSetting(k: 0, beta: 0)] + [0.05, 0.2, 1].map { NoiseSetting(k: $0, beta: 1) }
                iterations = 5000
            case .paper:
                var s = [NoiseSetting(k: 0, beta: 0)]
                for k in [0.1, 1.0] { s += [0.2, 0.4, 0.6, 0.8, 1.0].map { NoiseSetting(k: k, beta: $0) } }
                for beta in [0.5, 1.0] {
                    s += [0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0].map { NoiseSetting(k: $0, beta: beta) }
                }
                settings = s.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
                iterations = 5000
            case .quick:
                settings = [NoiseSetting(k: 0, beta: 0), NoiseSetting(k: 0.05, beta: 1), NoiseSetting(k: 1, beta: 1)]
                iterations = 300
                sampleLimit = 1000
            }
        }

        public var masterSeed: UInt64? { seed }
        public var inputFiles: [InputFile] { (try? mnist.files()).map { [$0.images, $0.labels] } ?? [] }

        public func validate() throws {
            guard !settings.isEmpty, settings.allSatisfy({ $0.k.isFinite && $0.beta.isFinite && $0.k >= 0 }) else {
                throw SpectralError.usage("exp3 needs at least one (k, β) setting with finite k ≥ 0 and β")
            }
            try TrainingRanges.check(
                "exp3", preset: preset, of: MNISTLabelNoise.presets, learningRate: learningRate,
                counts: TrainingRanges.shape(depth: depth, width: width) + [
                    ("iterations", iterations, TrainingRanges.iterations), ("runs", runs, TrainingRanges.runs),
                ])
            guard trainFraction > 0, trainFraction < 1 else {
                throw SpectralError.usage("exp3 needs a train fraction in (0, 1), not \(trainFraction)")
            }
            if let sampleLimit, sampleLimit < 10 { throw SpectralError.usage("--samples must be at least 10") }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            let rows = sampleLimit ?? (mnist.split == .train ? 12_000 : 2_000)
            estimate.addTraining(sizes: mlpSizes(input: 784, width: width, depth: depth), rows: rows)
            estimate.add("the images", count: Double(rows) * 784 * 2, width: 4)
            estimate.add("loss curves", count: 2 * Double(settings.count * runs * iterations), width: 8)
            return estimate
        }
    }

    public struct Point: Codable, Sendable {
        public let setting: NoiseSetting
        public let run: Int
        let iterations: Int, learningRate: Double, depth: Int, width: Int, trainFraction: Double
        let noise: NoiseFormula, labels: LabelCoding, mnist: MNISTSource, sampleLimit: Int?
    }

    public struct PointResult: Codable, Sendable {
        public var trainLoss: [Double]
        public var validationLoss: [Double]
    }

    /// One (k, β): the validation curve averaged over runs, and where it is lowest.
    public struct Outcome: Codable, Sendable {
        public let k: Double, beta: Double
        public let bestValidationLoss: Double
        public let bestIteration: Int
        public let finalValidationLoss: Double
    }

    public struct Result {
        public let settings: [NoiseSetting]
        public let curves: [[PointResult]]  // [setting][run]
    }

    public struct Summary: Codable, Sendable {
        public let preset: TrainingPreset
        public let split: MNISTSource.Split
        public let trainingSamples: Int
        public let validationSamples: Int
        public let noise: String
        public let labels: String
        public let outcomes: [Outcome]
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func points() -> [Point] {
        let c = configuration
        return c.settings.flatMap { s in
            (0..<c.runs).map {
                Point(
                    setting: s, run: $0, iterations: c.iterations, learningRate: c.learningRate, depth: c.depth,
                    width: c.width,
                    trainFraction: c.trainFraction, noise: c.noise, labels: c.labels, mnist: c.mnist,
                    sampleLimit: c.sampleLimit)
            }
        }
    }

    public func coordinates(of p: Point) -> [UInt64] {
        [p.setting.k.bitPattern, p.setting.beta.bitPattern, UInt64(p.run)]
    }
    public func progressUnits(of p: Point) -> Int { p.iterations }
    public func cost(of p: Point) -> Double { Double(p.iterations) }

    /// The split, the clean targets and the noisy training targets of one setting.
    public static func data(_ p: Point) throws -> (train: Dataset, validation: Dataset) {
        let subset = try MNISTSubset(p.mnist, limit: p.sampleLimit)
        let first = p.mnist.classes[0]
        let clean = subset.digits.map { $0 == first ? (p.labels == .signed ? -1.0 : 0.0) : 1.0 }
        let trainRows = Int(p.trainFraction * Double(subset.count))
        guard trainRows >= 1, trainRows < subset.count else {
            throw SpectralError.badInput("the MNIST subset is too small to split")
        }
        let noisy = (0..<trainRows).map { i -> Float in
            let row = subset.pixels[(i * 784)..<((i + 1) * 784)]
            let norm = row.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            let psi = sin((p.noise == .coded ? 2 * Double.pi : 1) * p.setting.k * norm)
            return Float(clean[i] + p.setting.beta * psi)
        }
        let train = try Dataset(inputs: Array(subset.pixels[..<(trainRows * 784)]), targets: noisy, rows: trainRows)
        let validation = try Dataset(
            inputs: Array(subset.pixels[(trainRows * 784)...]), targets: clean[trainRows...].map(Float.init),
            rows: subset.count - trainRows)
        return (train, validation)
    }

    public func run(_ p: Point, context: PointContext) throws -> PointResult {
        let (train, validation) = try MNISTLabelNoise.data(p)
        var curves = PointResult(trainLoss: [], validationLoss: [])
        try trainMNISTNet(
            train, evaluation: validation, iterations: p.iterations, learningRate: p.learningRate, depth: p.depth,
            width: p.width, context: context,
            note: "k \(formattedNumber(p.setting.k)), β \(formattedNumber(p.setting.beta))",
            records: &curves
        ) { _, loss, evaluator, curves in
            curves.trainLoss.append(loss)
            curves.validationLoss.append(evaluator.value())
        }
        return curves
    }

    public func result(from results: [PointResult]) throws -> Result {
        let runs = configuration.runs
        return Result(
            settings: configuration.settings,
            curves: configuration.settings.indices.map { Array(results[($0 * runs)..<(($0 + 1) * runs)]) })
    }

    static func outcome(_ setting: NoiseSetting, _ runs: [PointResult]) -> (Outcome, [Double]) {
        let n = runs[0].validationLoss.count
        let mean = (0..<n).map { i in runs.reduce(0) { $0 + $1.validationLoss[i] } / Double(runs.count) }
        let best = mean.indices.min { mean[$0] < mean[$1] } ?? 0
        return (
            Outcome(
                k: setting.k, beta: setting.beta, bestValidationLoss: mean[best], bestIteration: best + 1,
                finalValidationLoss: mean.last ?? .nan), mean
        )
    }

    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        var losses = CSVTable(header: ["k", "beta", "run", "iteration", "train_loss", "val_loss"])
        var summary = CSVTable(header: ["k", "beta", "best_val_loss", "best_iteration", "final_val_loss"])
        var outcomes: [Outcome] = []
        var curves: [Series] = []
        for (s, runs) in zip(r.settings, r.curves) {
            for (run, curve) in runs.enumerated() {
                for i in curve.trainLoss.indices {
                    losses.append([
                        .double(s.k), .double(s.beta), .int(run), .int(i + 1), .double(curve.trainLoss[i]),
                        .double(curve.validationLoss[i]),
                    ])
                }
            }
            let (o, mean) = MNISTLabelNoise.outcome(s, runs)
            outcomes.append(o)
            summary.append([
                .double(s.k), .double(s.beta), .double(o.bestValidationLoss), .int(o.bestIteration),
                .double(o.finalValidationLoss),
            ])
            curves.append(Series(name: MNISTLabelNoise.label(s), x: mean.indices.map { Double($0 + 1) }, y: mean))
        }
        try folder.write(losses, "losses.csv")
        try folder.write(summary, "summary.csv")
        try folder.write(
            linePlot(
                title: "Exp 3: validation loss (clean labels) while fitting noisy labels", series: curves,
                xLabel: "training iteration", yLabel: "validation MSE", logX: true, logY: true), "validation_loss")
        let train = zip(r.settings, r.curves).map { s, runs in
            Series(
                name: MNISTLabelNoise.label(s), x: runs[0].trainLoss.indices.map { Double($0 + 1) },
                y: runs[0].trainLoss)
        }
        try folder.write(
            linePlot(
                title: "Exp 3: training loss (noisy labels, run 1)", series: train, xLabel: "training iteration",
                yLabel: "training MSE", logX: true, logY: true), "training_loss")
        try writeAblation(outcomes, to: folder)
        let data = try points().first.map { try MNISTLabelNoise.data($0) }
        return Summary(
            preset: configuration.preset, split: configuration.mnist.split, trainingSamples: data?.train.rows ?? 0,
            validationSamples: data?.validation.rows ?? 0,
            noise: configuration.noise == .coded
                ? "sin(2 pi k |x|) (the notebook's)" : "sin(k |x|) (the paper's Eq. 10)",
            labels: configuration.labels == .signed ? "-1 / +1 (the notebook's)" : "0 / 1 (the paper's)",
            outcomes: outcomes)
    }

    static func label(_ s: NoiseSetting) -> String {
        s.beta == 0 ? "clean (beta 0)" : "k \(formattedNumber(s.k)), beta \(formattedNumber(s.beta))"
    }

    /// Best and final validation loss against β (a line per k) and against k (a line per β), with the clean run.
    private func writeAblation(_ outcomes: [Outcome], to folder: OutputFolder) throws {
        let clean = outcomes.first { $0.beta == 0 }
        for (axis, key, other) in [("beta", \Outcome.beta, \Outcome.k), ("k", \Outcome.k, \Outcome.beta)] {
            let groups = Dictionary(grouping: outcomes.filter { $0.beta != 0 }, by: { $0[keyPath: other] })
            let lines = groups.filter { $0.value.count >= 2 }.sorted { $0.key < $1.key }
            guard !lines.isEmpty else { continue }
            var series: [Series] = []
            for (value, group) in lines {
                let sorted = group.sorted { $0[keyPath: key] < $1[keyPath: key] }
                let name = axis == "beta" ? "k \(formattedNumber(value))" : "beta \(formattedNumber(value))"
                series.append(
                    Series(
                        name: "best, " + name, x: sorted.map { $0[keyPath: key] }, y: sorted.map(\.bestValidationLoss),
                        pointsOnly: false))
                series.append(
                    Series(
                        name: "final, " + name, x: sorted.map { $0[keyPath: key] },
                        y: sorted.map(\.finalValidationLoss), dashed: true))
            }
            if let clean, let xs = series.first?.x, let first = xs.first, let last = xs.last {
                series.append(
                    Series(
                        name: "clean, best", x: [first, last], y: [clean.bestValidationLoss, clean.bestValidationLoss],
                        color: .gray))
            }
            try folder.write(
                linePlot(
                    title:
                        "Exp 3: validation loss against \(axis == "beta" ? "the noise amplitude beta" : "the noise frequency k")",
                    series: series, xLabel: axis == "beta" ? "beta" : "k", yLabel: "validation MSE", logY: true),
                "ablation_\(axis)")
        }
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        s.outcomes.map {
            String(
                format: "%@: best validation MSE %.4g at iteration %d, final %.4g",
                MNISTLabelNoise.label(NoiseSetting(k: $0.k, beta: $0.beta)),
                $0.bestValidationLoss, $0.bestIteration, $0.finalValidationLoss)
        } + ["results in \(folder.path)"]
    }
}

public struct Exp3Command: ExperimentCommand {
    public typealias Runner = MNISTLabelNoise
    public static let description = CommandDescription(
        name: "exp3",
        abstract:
            "Experiment 3: MNIST with label noise of low and high frequency (validation loss against clean labels).",
        discussion: """
            Digits --classes (3 and 8) of --mnist DIR in file order, the first 80% training and the rest validation; the
            training targets get beta·sin(2 pi k |x|) added (--noise printed: sin(k |x|)). Full-batch Adam, lr 1e-4, the
            6 × 256 net. Presets: notebook (beta 0; k 0.05, 0.2, 1 at beta 1; 5,000 iterations), paper (beta varied at k
            0.1 and 1, k varied at beta 0.5 and 1), quick (300 iterations on 1,000 samples). Writes losses.csv
            (k,beta,run,iteration,train_loss,val_loss), summary.csv (k,beta,best_val_loss,best_iteration,final_val_loss),
            the validation and training loss pictures, the ablation pictures, summary.json and run.json.
            """)

    @OptionGroup var data: MNISTOptions
    @Option(help: "notebook, paper or quick") var preset = TrainingPreset.notebook
    @Option(help: "the (k, beta) settings K:B,K:B,… instead of the preset's") var settings: PairList?
    @OptionGroup var training: TrainingOptions
    @Option(help: "coded: sin(2 pi k |x|), the notebook's; printed: sin(k |x|), the paper's")
    var noise: MNISTLabelNoise.NoiseFormula = .coded
    @Option(help: "signed: -1 / +1, the notebook's; binary: 0 / 1, the paper's")
    var labels: MNISTLabelNoise.LabelCoding = .signed
    @Option(
        help: "use at most this many samples of the two digits (default: the preset's)", check: .within(10...100_000))
    var samples: Int?
    @OptionGroup var seeding: SeedOptions
    @OptionGroup var sharding: ShardOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public var shard: Shard? { sharding.shard?.shard }

    public func configuration() throws -> MNISTLabelNoise.Configuration {
        var c = MNISTLabelNoise.Configuration(preset: preset, mnist: try data.source())
        if let settings {
            c.settings = settings.pairs.map { MNISTLabelNoise.NoiseSetting(k: $0.first, beta: $0.second) }
        }
        c.iterations = training.iterations ?? c.iterations
        c.runs = training.runs ?? c.runs
        (c.noise, c.labels, c.seed) = (noise, labels, seeding.seed)
        if let samples { c.sampleLimit = samples }
        return c
    }
}
