import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralPlot

/// Experiment 6 of the paper: classifying along the curve γ_L is easier, the larger L (docs/experiments.md,
/// experiment 6).
///
/// Labels y_j = [sin(2πk z_j + φ) > threshold] on z_j = j/N; a seeded fraction of the samples is held out for
/// validation. Each cell (k, L, run) trains the 6 × 256 net full-batch with Adam on BCE-with-logits; the phase and
/// the split come from the run alone (`runGenerator`), the net's seed from the cell's coordinates [k, L, run]. The
/// cells are independent and train side by side, one per thread.
public struct ManifoldClassification: PointwiseExperiment {
    public static let name = "exp6"

    /// paper: the grid k = 50, 100, …, 400 × L = 0, 2, …, 20, 10,000 iterations, 1 run; notebook (the
    /// authors'): k = 200, L = 20, 10,000 iterations, 1 run; quick: k = 200, L = 0, 10, 20, 2,000 iterations, 1 run.
    public static let presets: [TrainingPreset] = [.paper, .notebook, .quick]

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var preset: TrainingPreset
        public var frequencies: [Int]
        public var curves: [Int]
        public var iterations: Int
        public var runs = 1
        public var samples = 1000
        /// Share of the samples held out (0: none; the validation accuracy is then left empty).
        public var validationFraction = 0.2
        /// The notebook thresholds at 0, the paper's text says 0.5.
        public var threshold = 0.0
        public var depth = 6
        public var width = 256
        public var learningRate = 3e-4
        public var recordEvery = 100
        public var seed: UInt64 = 0

        public init(preset: TrainingPreset) {
            self.preset = preset
            switch preset {
            case .paper: (frequencies, curves, iterations) = ((1...8).map { 50 * $0 }, (0...10).map { 2 * $0 }, 10_000)
            case .notebook: (frequencies, curves, iterations) = ([200], [20], 10_000)
            case .quick: (frequencies, curves, iterations) = ([200], [0, 10, 20], 2_000)
            }
        }

        public var masterSeed: UInt64? { seed }

        public func validate() throws {
            try TrainingRanges.check(
                "exp6", preset: preset, of: ManifoldClassification.presets, learningRate: learningRate,
                counts: TrainingRanges.shape(depth: depth, width: width) + [
                    ("iterations", iterations, TrainingRanges.iterations), ("runs", runs, TrainingRanges.runs),
                    ("samples", samples, 4...1_000_000), ("record interval", recordEvery, TrainingRanges.recordEvery),
                ])
            guard (0..<0.9).contains(validationFraction), (-1.0...1.0).contains(threshold) else {
                throw SpectralError.usage("exp6 needs a validation fraction in [0, 0.9) and a threshold in [-1, 1]")
            }
            guard !frequencies.isEmpty, !curves.isEmpty, frequencies.allSatisfy({ $0 >= 1 }),
                curves.allSatisfy({ (0...10_000).contains($0) }), Set(frequencies).count == frequencies.count,
                Set(curves).count == curves.count
            else { throw SpectralError.usage("--frequencies and --curves must list distinct k ≥ 1 and L in 0…10000") }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            estimate.addTraining(sizes: sizes, rows: samples, copies: 2)
            estimate.add(
                "decision grids", count: 2 * Double(ManifoldClassification.gridSide * ManifoldClassification.gridSide),
                width: 4)
            return estimate
        }

        var sizes: [Int] { mlpSizes(input: 2, width: width, depth: depth) }
        var validationCount: Int { Int((validationFraction * Double(samples)).rounded(.down)) }
    }

    /// The decision picture's grid: 200 × 200 points over [−1.6, 1.6]², as in the notebook.
    static let gridSide = 200
    static let gridExtent = 1.6

    public struct Point: Codable, Sendable {
        public let k: Int, L: Int, run: Int
    }

    public struct Cell: Codable, Sendable {
        public let k: Int, L: Int, run: Int
        public let trainAccuracy: Double, validationAccuracy: Double?, finalLoss: Double
        public let iterations: [Int], losses: [Double], accuracies: [Double]
        /// Run 0's cells drawn in decision pictures: the logits on the grid, row by row from the bottom, and the
        /// trained parameters (for `decision2d`).
        public let gridLogits: [Float]?
        public let parameters: [Float]?
    }

    struct Records: Codable {
        var iterations: [Int] = [], losses: [Double] = [], accuracies: [Double] = []
    }

    public struct Summary: Codable, Sendable {
        public struct CellSummary: Codable, Sendable {
            public let k: Int, L: Int
            public let meanTrainAccuracy: Double, meanValidationAccuracy: Double?, meanFinalLoss: Double
        }
        public let preset: TrainingPreset
        public let threshold: Double, validationFraction: Double
        public let runs: Int, iterations: Int
        public let cells: [CellSummary]
        public let decisionPictures: [String]
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func points() -> [Point] {
        let c = configuration
        return c.frequencies.flatMap { k in
            c.curves.flatMap { L in (0..<c.runs).map { Point(k: k, L: L, run: $0) } }
        }
    }
    public func coordinates(of p: Point) -> [UInt64] { [UInt64(p.k), UInt64(p.L), UInt64(p.run)] }
    public var runsPointsConcurrently: Bool { true }
    public func progressUnits(of point: Point) -> Int { configuration.iterations }
    public func cost(of point: Point) -> Double {
        Double(configuration.iterations) * trainingStepFlops(sizes: configuration.sizes, rows: configuration.samples)
    }

    /// The cells of run 0 with a decision picture: the highest k at the lowest and the highest L.
    func drawsDecision(_ p: Point) -> Bool {
        let c = configuration
        return p.run == 0 && p.k == c.frequencies.max() && (p.L == c.curves.max() || p.L == c.curves.min())
    }

    /// The run's held-out indices (sorted) and its labels on the samples for a frequency k.
    func labelsAndSplit(run: Int, master: UInt64) -> (heldOut: [Int], labels: (Int) -> [Float]) {
        let c = configuration
        var rng = runGenerator(master: master, run: run)
        let phase = 2 * Double.pi * rng.nextUnitDouble()
        var order = Array(0..<c.samples)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let heldOut = order.prefix(c.validationCount).sorted()
        let z = manifoldSamples(c.samples)
        let labels = { (k: Int) in z.map { sin(2 * Double.pi * Double(k) * $0 + phase) > c.threshold ? Float(1) : 0 } }
        return (heldOut, labels)
    }

    public func run(_ p: Point, context: PointContext) throws -> Cell {
        let c = configuration
        let split = labelsAndSplit(run: p.run, master: context.masterSeed)
        let labels = split.labels(p.k)
        let inputs = ManifoldCurve(L: p.L).inputs(manifoldSamples(c.samples))
        let held = Set(split.heldOut)
        let trainRows = (0..<c.samples).filter { !held.contains($0) }
        func rows(_ indices: [Int]) -> (inputs: [Float], labels: [Float]) {
            (indices.flatMap { [inputs[2 * $0], inputs[2 * $0 + 1]] }, indices.map { labels[$0] })
        }
        let (trainInputs, trainLabels) = rows(trainRows)
        let data = try Dataset(inputs: trainInputs, targets: trainLabels, rows: trainRows.count)
        var rng = context.generator
        let net = MLP.initialized(sizes: c.sizes, initialization: .pytorch, seed: rng.next())
        var training = TrainingConfiguration(steps: c.iterations, learningRate: c.learningRate)
        training.loss = .bceWithLogits
        let trainer = try Trainer(net: net, data: data, configuration: training, gemm: GEMM(pool: context.pool))
        var records = Records()
        try context.trainResumably(
            trainer, steps: c.iterations, records: &records, note: { _ in "k = \(p.k), L = \(p.L)" },
            observe: { step, loss, r in
                guard step % c.recordEvery == 0 || step == c.iterations else { return }
                r.iterations.append(step)
                r.losses.append(loss)
                r.accuracies.append(accuracy(trainer.predict(trainInputs, rows: trainRows.count), trainLabels))
            })
        let validation = rows(split.heldOut)
        return Cell(
            k: p.k, L: p.L, run: p.run, trainAccuracy: records.accuracies.last ?? .nan,
            validationAccuracy: split.heldOut.isEmpty
                ? nil : accuracy(trainer.predict(validation.inputs, rows: split.heldOut.count), validation.labels),
            finalLoss: records.losses.last ?? .nan, iterations: records.iterations, losses: records.losses,
            accuracies: records.accuracies,
            gridLogits: drawsDecision(p) ? trainer.predict(Self.gridInputs, rows: Self.gridSide * Self.gridSide) : nil,
            parameters: drawsDecision(p) ? net.parameters.array : nil)
    }

    /// The grid's points, row by row from y = −1.6 up, x from −1.6 right (`np.linspace(-1.6, 1.6, 200)`).
    static let gridInputs: [Float] = {
        let step = 2 * gridExtent / Double(gridSide - 1)
        return (0..<(gridSide * gridSide)).flatMap { i -> [Float] in
            [Float(-gridExtent + Double(i % gridSide) * step), Float(-gridExtent + Double(i / gridSide) * step)]
        }
    }()

    public func result(from cells: [Cell]) throws -> [Cell] { cells }
}

extension ManifoldClassification {
    public func write(_ cells: [Cell], to folder: OutputFolder) throws -> Summary {
        let c = configuration
        var grid = CSVTable(header: ["k", "L", "run", "train_accuracy", "val_accuracy", "final_loss"])
        var history = CSVTable(header: ["k", "L", "run", "iteration", "loss", "train_accuracy"])
        for cell in cells {
            grid.append([
                .int(cell.k), .int(cell.L), .int(cell.run), .double(cell.trainAccuracy),
                cell.validationAccuracy.map { .double($0) } ?? .empty, .double(cell.finalLoss),
            ])
            for (i, iteration) in cell.iterations.enumerated() {
                history.append([
                    .int(cell.k), .int(cell.L), .int(cell.run), .int(iteration), .double(cell.losses[i]),
                    .double(cell.accuracies[i]),
                ])
            }
        }
        try folder.write(grid, "grid.csv")
        try folder.write(history, "history.csv")
        let means = c.frequencies.flatMap { k in c.curves.map { L in meanCell(cells.filter { $0.k == k && $0.L == L }) }
        }
        try writeHeatMaps(means, to: folder)
        var pictures: [String] = []
        for cell in cells where cell.gridLogits != nil {
            let name = "decision_k\(cell.k)_L\(cell.L)"
            try folder.write(decisionPicture(cell), name)
            if let parameters = cell.parameters {
                try folder.write(
                    try MLP(sizes: configuration.sizes, parameters: parameters),
                    "weights_k\(cell.k)_L\(cell.L).safetensors")
            }
            pictures.append(name)
        }
        return Summary(
            preset: c.preset, threshold: c.threshold, validationFraction: c.validationFraction, runs: c.runs,
            iterations: c.iterations, cells: means, decisionPictures: pictures)
    }

    func meanCell(_ runs: [Cell]) -> Summary.CellSummary {
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
        let validation = runs.compactMap(\.validationAccuracy)
        return Summary.CellSummary(
            k: runs[0].k, L: runs[0].L, meanTrainAccuracy: mean(runs.map(\.trainAccuracy)),
            meanValidationAccuracy: validation.isEmpty ? nil : mean(validation),
            meanFinalLoss: mean(runs.map(\.finalLoss)))
    }

    private func writeHeatMaps(_ means: [Summary.CellSummary], to folder: OutputFolder) throws {
        let c = configuration
        let kinds: [(String, String, (Summary.CellSummary) -> Double?)] = [
            ("train_accuracy", "training", { $0.meanTrainAccuracy }),
            ("val_accuracy", "validation", { $0.meanValidationAccuracy }),
        ]
        for (name, label, value) in kinds where means.contains(where: { value($0) != nil }) {
            let rows = c.frequencies.indices.map { f in
                c.curves.indices.map { l in value(means[f * c.curves.count + l]) ?? .nan }
            }
            try folder.write(
                heatMap(
                    title: "Exp 6 (\(c.preset.rawValue), \(c.iterations) iterations): \(label) accuracy",
                    values: rows, xValues: c.curves.map(Double.init), yValues: c.frequencies.map(Double.init),
                    xLabel: "L (the curve's wiggles)", yLabel: "frequency k of the labels along the curve",
                    colorLabel: "\(label) accuracy", range: 0.5...1), name)
        }
    }

    /// The sign of the net on the 200 × 200 grid, with the samples coloured by their labels over it.
    private func decisionPicture(_ cell: Cell) -> Figure {
        let c = configuration
        let side = Self.gridSide
        let half = Self.gridExtent / Double(side - 1)
        let step = 2 * half
        var polygons: [[(x: Double, y: Double)]] = []
        var values: [Double] = []
        for i in 0..<(side * side) {
            let (x, y) = (-Self.gridExtent + Double(i % side) * step, -Self.gridExtent + Double(i / side) * step)
            polygons.append([(x - half, y - half), (x + half, y - half), (x + half, y + half), (x - half, y + half)])
            values.append(cell.gridLogits![i] > 0 ? 1 : 0)
        }
        let z = manifoldSamples(c.samples)
        let labels = labelsAndSplit(run: 0, master: c.seed).labels(cell.k)
        let curve = ManifoldCurve(L: cell.L)
        let classes = [
            (Float(0), "samples of class 0", RGB(31, 119, 180)), (1, "samples of class 1", RGB(214, 39, 40)),
        ]
        let series = classes.map { label, name, color in
            let mine = z.indices.filter { labels[$0] == label }.map { curve(z[$0]) }
            return Series(name: name, x: mine.map(\.x), y: mine.map(\.y), pointsOnly: true, color: color)
        }
        let shade = ColorScale(range: 0...1, label: "predicted class (logit > 0)") {
            $0 > 0.5 ? RGB(250, 200, 200) : RGB(200, 220, 245)
        }
        let extent = (Self.gridExtent + half)
        return polygonMap(
            title: "Exp 6: decision regions, k = \(cell.k), L = \(cell.L) (train accuracy "
                + String(format: "%.3f)", cell.trainAccuracy),
            polygons: polygons, values: values, segments: [], xRange: -extent...extent, yRange: -extent...extent,
            xLabel: "x1", yLabel: "x2", colorScale: shade, series: series)
    }

    public func report(_ summary: Summary, folder: URL) -> [String] {
        summary.cells.map {
            String(
                format: "exp6 k = %d, L = %d: train accuracy %.3f, validation %@, loss %.3g", $0.k, $0.L,
                $0.meanTrainAccuracy, $0.meanValidationAccuracy.map { String(format: "%.3f", $0) } ?? "-",
                $0.meanFinalLoss)
        } + ["results and pictures in \(folder.path)"]
    }
}

public struct Exp6Command: ExperimentCommand {
    public typealias Runner = ManifoldClassification
    public static let description = CommandDescription(
        name: "exp6",
        abstract: "Experiment 6: classification along the curve γ_L is easier, the larger L (accuracy over k × L).",
        discussion: """
            Labels [sin(2π k z + φ) > threshold] on z_j = j/1000 (threshold 0 as the notebook; the paper's text says
            0.5), inputs γ_L(z), the 6 × 256 net, full-batch Adam (lr 3e-4) on BCE-with-logits; --validation-fraction
            of the samples held out. Presets: paper (k = 50, 100, …, 400 × L = 0, 2, …, 20; 10,000 iterations),
            notebook (k = 200, L = 20; 10,000), quick (k = 200, L = 0, 10, 20; 2,000). Cells train side by side, one
            per thread. Writes grid.csv (k,L,run,train_accuracy,val_accuracy,final_loss), history.csv, the
            train_accuracy and val_accuracy heat maps (the paper's Fig. 9 shows training accuracy), decision pictures
            (the net's sign on a 200 × 200 grid over [-1.6, 1.6]² with the samples) and weights_k<k>_L<L>.safetensors
            (for decision2d) for run 1's highest k at the lowest and highest L, summary.json and run.json.
            """)

    @Option(help: "paper, notebook or quick") var preset = TrainingPreset.quick
    @Option(help: "label frequencies k (default: the preset's)", check: .count(1...64, each: 1...100_000))
    var frequencies: IntegerList?
    @Option(help: "the curves' L values (default: the preset's)", check: .count(1...64, each: 0...10_000))
    var curves: IntegerList?
    @OptionGroup var training: TrainingOptions
    @Option(help: "label threshold: 0 (notebook) or 0.5 (paper's text)", check: .within(-1...1))
    var threshold: Double = 0
    @Option(help: "share of the samples held out for validation", check: .within(0...0.89))
    var validationFraction: Double = 0.2
    @OptionGroup var seeding: SeedOptions
    @OptionGroup var sharding: ShardOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public var shard: Shard? { sharding.shard?.shard }

    public func configuration() throws -> ManifoldClassification.Configuration {
        var c = ManifoldClassification.Configuration(preset: preset)
        c.frequencies = frequencies?.values ?? c.frequencies
        c.curves = curves?.values ?? c.curves
        c.iterations = training.iterations ?? c.iterations
        c.runs = training.runs ?? c.runs
        (c.threshold, c.validationFraction, c.seed) = (threshold, validationFraction, seeding.seed)
        return c
    }
}

/// The share of logits on the labels' side of 0 (sigmoid > 0.5 is logit > 0).
func accuracy(_ logits: [Float], _ labels: [Float]) -> Double {
    Double(zip(logits, labels).filter { ($0 > 0) == ($1 > 0.5) }.count) / Double(max(1, labels.count))
}
