import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralPlot
import SpectralSpectra

/// Experiment 7 (the paper's appendix): fit a delta peak at x = 0.5, whose spectrum is flat, and measure how much of
/// its high-frequency part nets of different depth, width and weight clipping learn (docs/experiments.md). The
/// twelve nets are the points (coordinates [index]); they are small, so they train side by side, one per thread.
public struct DeltaPeakFit: PointwiseExperiment {
    public static let name = "exp7"

    /// paper: 60,000 steps per net, as in the paper; quick: 3,000, for tests and a first look.
    public static let presets: [TrainingPreset] = [.paper, .quick]

    public struct Net: Codable, Sendable, Equatable {
        public let sweep: String
        public let depth: Int, width: Int, clip: Double
    }

    /// The three sweeps: depth 3–6 at width 16 (c = 10), width 16–128 at depth 3 (c = 10), c ∈ {0.1, 0.15, 0.2, 2} at
    /// depth 6, width 64.
    public static let nets: [Net] =
        [3, 4, 5, 6].map { Net(sweep: "depth", depth: $0, width: 16, clip: 10) }
        + [16, 32, 64, 128].map { Net(sweep: "width", depth: 3, width: $0, clip: 10) }
        + [0.1, 0.15, 0.2, 2].map { Net(sweep: "clip", depth: 6, width: 64, clip: $0) }

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var preset: TrainingPreset
        public var steps: Int
        public var samples = 200
        public var learningRate = 3e-4
        public var seed: UInt64 = 0

        public init(preset: TrainingPreset) {
            self.preset = preset
            steps = preset == .paper ? 60_000 : 3_000
        }

        public var masterSeed: UInt64? { seed }

        public func validate() throws {
            try TrainingRanges.check(
                "exp7", preset: preset, of: DeltaPeakFit.presets, learningRate: learningRate,
                counts: [("steps", steps, TrainingRanges.iterations), ("samples", samples, 4...1_000_000)])
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            for net in DeltaPeakFit.nets {
                estimate.addTraining(sizes: mlpSizes(input: 1, width: net.width, depth: net.depth), rows: samples)
            }
            return estimate
        }
    }

    public struct Point: Codable, Sendable {
        public let index: Int
        public let net: Net
        let steps: Int, samples: Int, learningRate: Double
    }

    public struct Outcome: Codable, Sendable {
        public let net: Net
        public let finalLoss: Double
        /// |F(k)| of the learned function on the samples, k = 0…N/2 (the target's is 1 at every k).
        public let magnitudes: [Double]
        /// Mean of |F(k)| over the upper half of the frequencies, N/4 < k ≤ N/2: the share of the flat target's
        /// high-frequency part that was learned.
        public var highFrequencyShare: Double {
            let upper = magnitudes.indices.filter { $0 > (magnitudes.count - 1) / 2 }
            return upper.map { magnitudes[$0] }.reduce(0, +) / Double(upper.count)
        }
    }

    public struct Summary: Codable, Sendable {
        public struct Share: Codable, Sendable {
            public let sweep: String, depth: Int, width: Int, clip: Double, finalLoss: Double,
                highFrequencyShare: Double
        }
        public let preset: TrainingPreset
        public let steps: Int
        public let nets: [Share]
    }

    public let configuration: Configuration

    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func points() -> [Point] {
        DeltaPeakFit.nets.enumerated().map {
            Point(
                index: $0.offset, net: $0.element, steps: configuration.steps, samples: configuration.samples,
                learningRate: configuration.learningRate)
        }
    }

    public func coordinates(of point: Point) -> [UInt64] { [UInt64(point.index)] }
    public var runsPointsConcurrently: Bool { true }
    public func progressUnits(of point: Point) -> Int { point.steps }
    public func cost(of point: Point) -> Double {
        Double(point.steps)
            * trainingStepFlops(
                sizes: mlpSizes(input: 1, width: point.net.width, depth: point.net.depth), rows: point.samples)
    }

    public func run(_ p: Point, context: PointContext) throws -> Outcome {
        let z = (0..<p.samples).map { Double($0) / Double(p.samples) }
        let target = z.indices.map { $0 == p.samples / 2 ? 1.0 : 0.0 }
        let data = try Dataset(inputs: z.map(Float.init), targets: target.map(Float.init), rows: p.samples)
        let net = MLP.initialized(
            sizes: mlpSizes(input: 1, width: p.net.width, depth: p.net.depth),
            initialization: .pytorch, seed: context.generator.state)
        var training = TrainingConfiguration(steps: p.steps, learningRate: p.learningRate)
        training.clip = p.net.clip
        let trainer = try Trainer(net: net, data: data, configuration: training, gemm: GEMM(pool: context.pool))
        var last = 0.0
        try trainer.train { step, loss in
            last = loss
            if step % 100 == 0 { try context.advance(100) }
        }
        let outputs = trainer.predict(data.inputs, rows: p.samples).map(Double.init)
        return Outcome(
            net: p.net, finalLoss: last, magnitudes: RealFFTPlan(count: p.samples).forward(outputs).map(\.magnitude))
    }

    public func result(from results: [Outcome]) throws -> [Outcome] { results }

    public func write(_ outcomes: [Outcome], to folder: OutputFolder) throws -> Summary {
        var spectra = CSVTable(header: ["sweep", "depth", "width", "clip", "k", "magnitude"])
        var summary = CSVTable(header: ["sweep", "depth", "width", "clip", "final_loss", "high_frequency_share"])
        for o in outcomes {
            for (k, m) in o.magnitudes.enumerated() {
                spectra.append([
                    .text(o.net.sweep), .int(o.net.depth), .int(o.net.width), .double(o.net.clip), .int(k), .double(m),
                ])
            }
            summary.append([
                .text(o.net.sweep), .int(o.net.depth), .int(o.net.width), .double(o.net.clip),
                .double(o.finalLoss), .double(o.highFrequencyShare),
            ])
        }
        try folder.write(spectra, "spectra.csv")
        try folder.write(summary, "summary.csv")
        for sweep in ["depth", "width", "clip"] {
            let mine = outcomes.filter { $0.net.sweep == sweep }
            let ks = (0..<(mine.first?.magnitudes.count ?? 0)).map(Double.init)
            let series =
                mine.map { o -> Series in
                    let label =
                        sweep == "depth"
                        ? "depth \(o.net.depth)" : sweep == "width" ? "width \(o.net.width)" : "clip \(o.net.clip)"
                    return Series(name: label, x: ks, y: o.magnitudes)
                } + [Series(name: "target (flat)", x: ks, y: ks.map { _ in 1 }, dashed: true)]
            let fixed =
                sweep == "depth" ? "width 16, c = 10" : sweep == "width" ? "depth 3, c = 10" : "depth 6, width 64"
            try folder.write(
                linePlot(
                    title: "Exp 7, delta peak: \(sweep) sweep (\(fixed), \(configuration.steps) steps)",
                    series: series, xLabel: "frequency k", yLabel: "|F(k)| of the learned function"),
                "spectra_\(sweep)")
        }
        return Summary(
            preset: configuration.preset, steps: configuration.steps,
            nets: outcomes.map {
                Summary.Share(
                    sweep: $0.net.sweep, depth: $0.net.depth, width: $0.net.width, clip: $0.net.clip,
                    finalLoss: $0.finalLoss, highFrequencyShare: $0.highFrequencyShare)
            })
    }

    public func report(_ summary: Summary, folder: URL) -> [String] {
        summary.nets.map {
            String(
                format: "%@ sweep: depth %d width %d clip %g: loss %.3g, high-frequency share %.3f",
                $0.sweep, $0.depth, $0.width, $0.clip, $0.finalLoss, $0.highFrequencyShare)
        } + ["results in \(folder.path)"]
    }
}

public struct Exp7Command: ExperimentCommand {
    public typealias Runner = DeltaPeakFit
    public static let description = CommandDescription(
        name: "exp7",
        abstract:
            "Experiment 7: how much of a delta peak's flat spectrum nets of varying depth, width and clipping learn.",
        discussion: """
            Twelve nets (depth 3-6 at width 16; width 16-128 at depth 3; weight clip 0.1, 0.15, 0.2, 2 at depth 6, width 64),
            Adam at lr 3e-4 on 200 samples of a delta at x = 0.5, parameters clamped to [-c, c] after every step. Presets:
            paper (60,000 steps), quick (3,000). Writes spectra.csv (sweep,depth,width,clip,k,magnitude), summary.csv (final
            loss and the mean learned |F(k)| over N/4 < k <= N/2, where the target's is 1), one picture per sweep,
            summary.json and run.json.
            """)

    @Option(help: "paper or quick") var preset = TrainingPreset.quick
    @Option(help: "training steps per net (default: the preset's)", check: .within(TrainingRanges.iterations))
    var steps: Int?
    @OptionGroup var seeding: SeedOptions
    @OptionGroup var sharding: ShardOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public var shard: Shard? { sharding.shard?.shard }

    public func configuration() throws -> DeltaPeakFit.Configuration {
        var c = DeltaPeakFit.Configuration(preset: preset)
        c.steps = steps ?? c.steps
        c.seed = seeding.seed
        return c
    }
}
