import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralPlot

/// `spectral train`: one ReLU MLP trained on a sum of sines or on a CSV of samples (Float32, as PyTorch).
public struct Train: PointwiseExperiment {
    public static let name = "train"

    /// λ(z) = Σ A_i sin(2π k_i z + φ_i) on z_j = j/N; phases given, or drawn U[0, 2π) from `phaseSeed` (default: the
    /// run's seed).
    public struct SineTarget: Codable, Sendable, Equatable {
        public var frequencies = NumberList(start: 5, stop: 50, step: 5)
        public var amplitudes: NumberList?
        public var phases: NumberList?
        public var phaseSeed: UInt64?
        public var samples = 200
        public init() {}
    }

    public enum Target: Codable, Sendable, Equatable {
        case sines(SineTarget)
        /// Input columns, then one target column.
        case data(InputFile)
    }

    public enum OptimizerName: String, Codable, CaseIterable, Sendable, ExpressibleByArgument { case adam, sgd }

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var target = Target.sines(SineTarget())
        public var depth = 6
        public var width = 256
        public var learningRate = 3e-4
        public var steps = 1000
        public var optimizer = OptimizerName.adam
        public var momentum = 0.0
        public var initialization = Initialization.pytorch
        public var loss = Loss.mse
        public var batchSize: Int?
        public var weightDecay = 0.0
        public var clip: Double?
        public var seed: UInt64 = 0

        public init() {}
        public var masterSeed: UInt64? { seed }
        public var inputFiles: [InputFile] {
            if case .data(let file) = target { return [file] }
            return []
        }

        public func validate() throws {
            guard TrainingRanges.depth.contains(depth), TrainingRanges.width.contains(width),
                TrainingRanges.iterationsOrNone.contains(steps)
            else {
                throw SpectralError.usage("train needs depth 1…64, width 1…65536 and 0…10000000 steps")
            }
            guard learningRate > 0, learningRate.isFinite, weightDecay >= 0, momentum >= 0, momentum < 1 else {
                throw SpectralError.usage(
                    "the learning rate must be positive, the weight decay ≥ 0 and the momentum in [0, 1)")
            }
            if let batchSize, batchSize < 1 { throw SpectralError.usage("--batch-size must be at least 1") }
            if let clip, !(clip > 0) { throw SpectralError.usage("--clip must be positive") }
            if case .sines(let s) = target {
                guard (1...10_000_000).contains(s.samples) else {
                    throw SpectralError.usage("--samples must be 1…10000000")
                }
                for (name, list) in [("amplitudes", s.amplitudes), ("phases", s.phases)] {
                    if let list, list.values.count != s.frequencies.values.count {
                        throw SpectralError.usage(
                            "--\(name) gives \(list.values.count) values for \(s.frequencies.values.count) frequencies")
                    }
                }
            }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            var rows = 0.0
            switch target {
            case .sines(let s): rows = Double(s.samples)
            case .data(let file):
                let bytes = ((try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? Int) ?? 0
                rows = Double(bytes) / 4
                estimate.add("the CSV as numbers", count: Double(bytes), width: 8)
            }
            let batch = min(rows, Double(batchSize ?? Int.max))
            estimate.addTraining(sizes: mlpSizes(input: 1, width: width, depth: depth), rows: Int(min(batch, 1e12)))
            estimate.add("the loss of every step", count: Double(steps), width: 16)
            return estimate
        }

        var training: TrainingConfiguration {
            var t = TrainingConfiguration(steps: steps, learningRate: learningRate)
            t.loss = loss
            t.weightDecay = weightDecay
            t.clip = clip
            t.batchSize = batchSize
            t.shuffleSeed = seed &+ 1
            t.optimizer = optimizer == .adam ? .adam() : .sgd(momentum: momentum)
            return t
        }
    }

    public struct Point: Codable, Sendable { let configuration: Configuration }

    public struct PointResult: Codable, Sendable {
        public let sizes: [Int]
        public let losses: [Double]
        public let parameters: [Float]
    }

    public struct Summary: Codable, Sendable {
        public let sizes: [Int]
        public let steps: Int
        public let finalLoss: Double?
        public let parameters: Int
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func points() -> [Point] { [Point(configuration: configuration)] }
    public func coordinates(of point: Point) -> [UInt64] { [] }
    public func progressUnits(of point: Point) -> Int { point.configuration.steps }

    public func run(_ point: Point, context: PointContext) throws -> PointResult {
        let c = point.configuration
        let data = try dataset(c)
        let net = MLP.initialized(
            sizes: mlpSizes(input: data.inputSize, width: c.width, depth: c.depth, output: 1),
            initialization: c.initialization, seed: c.seed)
        let trainer = try Trainer(net: net, data: data, configuration: c.training, gemm: GEMM(pool: context.pool))
        var losses: [Double] = []
        try context.trainResumably(
            trainer, steps: c.steps, records: &losses, note: { String(format: "loss %.3g", $0) },
            observe: { _, loss, losses in losses.append(loss) })
        return PointResult(sizes: net.sizes, losses: losses, parameters: net.parameters.array)
    }

    private func dataset(_ c: Configuration) throws -> Dataset {
        switch c.target {
        case .data(let file):
            let csv = try NumericCSV.read(URL(fileURLWithPath: file.path))
            guard csv.rows[0].count >= 2 else {
                throw SpectralError.badInput("\(file.path) needs at least two columns: inputs, then the target")
            }
            let inputSize = csv.rows[0].count - 1
            return try Dataset(
                inputs: csv.rows.flatMap { $0.prefix(inputSize).map(Float.init) },
                targets: csv.rows.map { Float($0[inputSize]) }, rows: csv.rows.count)
        case .sines(let s):
            let target = try sumOfSines(s, seed: c.seed)
            let (z, values) = target.samples(s.samples)
            return try Dataset(inputs: z.map(Float.init), targets: values.map(Float.init), rows: s.samples)
        }
    }

    func sumOfSines(_ s: SineTarget, seed: UInt64) throws -> SumOfSines {
        let frequencies = s.frequencies.values
        let amplitudes = s.amplitudes?.values ?? Array(repeating: 1, count: frequencies.count)
        if let phases = s.phases {
            return try SumOfSines(frequencies: frequencies, amplitudes: amplitudes, phases: phases.values)
        }
        var rng = SplitMix64(seed: s.phaseSeed ?? seed)
        return try SumOfSines(frequencies: frequencies, amplitudes: amplitudes, rng: &rng)
    }

    public func result(from results: [PointResult]) throws -> PointResult { results[0] }

    public func write(_ r: PointResult, to folder: OutputFolder) throws -> Summary {
        let net = MLP(sizes: r.sizes)
        guard r.parameters.count == net.parameterCount else {
            throw SpectralError.badInput("the stored parameters do not fit the net")
        }
        _ = net.parameters.buffer.update(fromContentsOf: r.parameters)
        try folder.write(net, "weights.safetensors")
        var losses = CSVTable(header: ["step", "loss"])
        for (i, loss) in r.losses.enumerated() { losses.append([.int(i + 1), .double(loss)]) }
        try folder.write(losses, "loss.csv")
        if !r.losses.isEmpty {
            try folder.write(
                linePlot(
                    title: "Training loss (\(r.sizes.map(String.init).joined(separator: "-")) net)",
                    series: [
                        Series(name: configuration.loss.rawValue, x: (1...r.losses.count).map(Double.init), y: r.losses)
                    ],
                    xLabel: "step", yLabel: "loss", logY: true), "loss")
        }
        return Summary(sizes: r.sizes, steps: r.losses.count, finalLoss: r.losses.last, parameters: net.parameterCount)
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        [
            "trained \(s.sizes.map(String.init).joined(separator: "→")) for \(s.steps) steps; final loss \(s.finalLoss.map { String(format: "%.4g", $0) } ?? "n/a"); results in \(folder.path)"
        ]
    }
}

extension Initialization: ExpressibleByArgument, Codable {}
extension Loss: ExpressibleByArgument, Codable {}

public struct TrainCommand: ExperimentCommand {
    public typealias Runner = Train
    public static let description = CommandDescription(
        name: "train",
        abstract: "Train a ReLU MLP on a sum of sines or on a CSV of samples; write weights.safetensors and loss.csv.",
        discussion: """
            Target: --data FILE.csv (input columns, then one target column; a header row is optional), or a sum of sines
            λ(z) = Σ A_i sin(2π k_i z + φ_i) on z_j = j/N (--freqs, --amplitudes, --phases or --phase-seed, --samples).
            Without either, the paper's experiment-1 target (k = 5…50, A = 1, phases from --seed).
            """)

    @Option(help: "CSV of samples: input columns, then the target") var data: InputFile?
    @Option(help: "sum-of-sines frequencies k_i (list or START:STOP:STEP)", check: .count(1...10_000))
    var freqs = NumberList(start: 5, stop: 50, step: 5)
    @Option(help: "amplitudes A_i, one per frequency (default all 1)", check: .count(1...10_000)) var amplitudes:
        NumberList?
    @Option(help: "phases φ_i in radians (default: drawn from --phase-seed)", check: .count(1...10_000)) var phases:
        NumberList?
    @Option(help: "seed of the phase draw (default: --seed)") var phaseSeed: UInt64?
    @Option(help: "number of samples z_j = j/N", check: .within(1...10_000_000)) var samples = 200
    @Option(help: "linear layers (paper: 6)", check: .within(TrainingRanges.depth)) var depth = 6
    @Option(help: "hidden units per layer", check: .within(TrainingRanges.width)) var width = 256
    @Option(help: "learning rate", check: .positive) var lr = 3e-4
    @Option(help: "optimiser steps", check: .within(TrainingRanges.iterationsOrNone)) var steps = 1000
    @Option(help: "adam or sgd") var optimizer = Train.OptimizerName.adam
    @Option(help: "SGD momentum", check: Check("0 ≤ m < 1") { (0..<1).contains($0) ? nil : "must be in [0, 1)" })
    var momentum = 0.0
    @Option(name: "init", help: "pytorch, he or glorot") var initialization = Initialization.pytorch
    @Option(help: "mse or bce (with logits)") var loss = Loss.mse
    @Option(help: "rows per step (default: full batch)", check: .within(1...Int(Int32.max))) var batchSize: Int?
    @Option(help: "L2 weight decay", check: .atLeast(0)) var weightDecay = 0.0
    @Option(help: "clamp parameters to [-C, C] after each step", check: .positive) var clip: Double?
    @OptionGroup var seeding: SeedOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func validate() throws {
        for option in [$freqs, $amplitudes, $phases, $phaseSeed, $samples] {
            try ignored(option, when: data != nil, "with --data (it describes a sum of sines)")
        }
        try exclusive($phases, $phaseSeed)
        try ignored($momentum, when: optimizer != .sgd, "unless --optimizer sgd")
    }

    public func configuration() throws -> Train.Configuration {
        var c = Train.Configuration()
        if let data {
            c.target = .data(data)
        } else {
            var s = Train.SineTarget()
            (s.frequencies, s.amplitudes, s.phases, s.phaseSeed, s.samples) = (
                freqs, amplitudes, phases, phaseSeed, samples
            )
            c.target = .sines(s)
        }
        (c.depth, c.width, c.learningRate, c.steps, c.optimizer, c.momentum) = (
            depth, width, lr, steps, optimizer, momentum
        )
        (c.initialization, c.loss, c.batchSize, c.weightDecay, c.clip, c.seed) = (
            initialization, loss, batchSize, weightDecay, clip, seeding.seed
        )
        return c
    }
}
