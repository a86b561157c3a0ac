import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralPlot

/// Experiment 4 of the paper: the spectrum of a net trained on MNIST, measured on the eigenvectors of a Gaussian
/// kernel over the training inputs (docs/experiments.md, experiment 4).
///
/// K(x, y) = exp(−‖x − y‖²/2σ²) on the first N samples of the two digits; its eigenvectors vₙ by decreasing
/// eigenvalue are the "frequencies" (each signed so that its largest entry is positive). The net fits Y + ψ, with ψ
/// white U(−1, 1) or ψ = Σₙ (n/(N−1))^γ vₙ (weight rising with n: "high-frequency"), and every `recordEvery`
/// iterations its outputs on the inputs are projected on the vₙ; |coefficients| are averaged in bins of 20.
/// Points are the (noise, run) pairs.
public struct MNISTKernelSpectrum: PointwiseExperiment {
    public static let name = "exp4"

    /// notebook (the authors'): 2,000 samples, both noises, 5,000 iterations, spectra every 5; quick: 400 samples,
    /// both noises, 200 iterations, spectra every 5.
    public static let presets: [TrainingPreset] = [.notebook, .quick]

    public enum Noise: String, Codable, CaseIterable, Sendable, ExpressibleByArgument {
        case white, high
        var title: String { self == .white ? "white noise U(-1, 1)" : "high-frequency noise sum (n/(N-1))^gamma v_n" }
    }

    /// σ = 1.25 (the notebook's), any value, or the median pairwise distance of the inputs.
    public enum Bandwidth: Codable, Sendable, Equatable, ExpressibleByArgument {
        case fixed(Double)
        case median
        public init(argument: String) throws {
            if argument == "median" {
                self = .median
                return
            }
            guard let v = Double(argument), v.isFinite, v > 0 else {
                throw ArgumentValueError("must be a positive number or median")
            }
            self = .fixed(v)
        }
        public static var valueName: String { "SIGMA" }
        public var argumentDescription: String {
            switch self {
            case .median: return "median"
            case .fixed(let v): return formattedNumber(v)
            }
        }
    }

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var preset: TrainingPreset
        public var mnist: MNISTSource
        public var samples: Int
        public var sigma = Bandwidth.fixed(1.25)
        public var gamma = 2.0
        public var noises: [Noise] = [.white, .high]
        public var runs = 1
        public var iterations: Int
        public var recordEvery = 5
        public var learningRate = 1e-4
        public var depth = 6
        public var width = 256
        public var binWidth = 20
        public var seed: UInt64 = 0

        public init(preset: TrainingPreset, mnist: MNISTSource) {
            (self.preset, self.mnist) = (preset, mnist)
            (samples, iterations) = preset == .notebook ? (2000, 5000) : (400, 200)
        }

        public var masterSeed: UInt64? { seed }
        public var inputFiles: [InputFile] { (try? mnist.files()).map { [$0.images, $0.labels] } ?? [] }

        public func validate() throws {
            try TrainingRanges.check(
                "exp4", preset: preset, of: MNISTKernelSpectrum.presets, learningRate: learningRate,
                counts: TrainingRanges.shape(depth: depth, width: width) + [
                    ("iterations", iterations, TrainingRanges.iterations), ("runs", runs, TrainingRanges.runs),
                    ("samples", samples, 20...20_000), ("record interval", recordEvery, 1...max(1, iterations)),
                    ("bin width", binWidth, 1...max(1, samples)),
                ])
            guard gamma.isFinite, !noises.isEmpty else {
                throw SpectralError.usage("exp4 needs a finite gamma and at least one noise")
            }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            estimate.addTraining(sizes: mlpSizes(input: 784, width: width, depth: depth), rows: samples)
            estimate.add("the kernel and its eigenvectors", count: 4 * Double(samples) * Double(samples), width: 8)
            let records = Double(iterations / recordEvery + 1) * Double((samples + binWidth - 1) / binWidth)
            estimate.add("binned spectra", count: records * Double(noises.count * runs), width: 8)
            return estimate
        }
    }

    public struct Point: Codable, Sendable {
        public let noise: Noise
        public let run: Int
        let configuration: Configuration
    }

    public struct PointResult: Codable, Sendable {
        public let trainLoss: [Double]
        public let validationLoss: [Double]
        /// The iterations recorded (0 = before training) and the binned |Vᵀf| at each.
        public let recorded: [Int]
        public let spectra: [[Double]]
        /// Binned |Vᵀ(Y + ψ)| and |VᵀY|.
        public let targetSpectrum: [Double]
        public let cleanSpectrum: [Double]
        public let eigenvalues: [Double]
        public let sigma: Double
    }

    /// Per noise: runs' results.
    public struct Result { public let byNoise: [(Noise, [PointResult])] }

    public struct NoiseSummary: Codable, Sendable {
        public let noise: Noise
        public let bestValidationLoss: Double, bestIteration: Int
        /// The first recorded iteration at which each bin's magnitude reaches half the target's (nil: never).
        public let halfIteration: [Int?]
    }

    public struct Summary: Codable, Sendable {
        public let samples: Int
        public let sigma: Double
        public let eigenvalueRange: [Double]
        public let smallestGap: Double
        /// Gaps below 1e-12 of the largest eigenvalue: eigenvectors there are fixed only up to rotation.
        public let nearlyDegenerateGaps: Int
        public let largestOffDiagonal: Double
        public let noises: [NoiseSummary]
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func points() -> [Point] {
        configuration.noises.flatMap { noise in
            (0..<configuration.runs).map { Point(noise: noise, run: $0, configuration: configuration) }
        }
    }
    public func coordinates(of p: Point) -> [UInt64] {
        [UInt64(Noise.allCases.firstIndex(of: p.noise)!), UInt64(p.run)]
    }
    public func progressUnits(of p: Point) -> Int { p.configuration.iterations }
    public func cost(of p: Point) -> Double { Double(p.configuration.iterations) }

    public func run(_ p: Point, context: PointContext) throws -> PointResult {
        let c = p.configuration
        let subset = try MNISTSubset(c.mnist, limit: c.samples)
        let n = subset.count
        let basis = try KernelBasis(subset.pixels, count: n, bandwidth: c.sigma, pool: context.pool)
        let clean = subset.digits.map { $0 == c.mnist.classes[0] ? -1.0 : 1.0 }
        var rng = context.generator.fork(1)
        let noise: [Double]
        switch p.noise {
        case .white: noise = (0..<n).map { _ in rng.uniform(-1, 1) }
        case .high: noise = basis.combination { pow(Double($0) / Double(max(1, n - 1)), c.gamma) }
        }
        let target = zip(clean, noise).map { $0 + $1 }
        let train = try Dataset(inputs: subset.pixels, targets: target.map(Float.init), rows: n)
        let validation = try Dataset(inputs: subset.pixels, targets: clean.map(Float.init), rows: n)
        var curves = Curves()
        let record = { (step: Int, outputs: [Double], curves: inout Curves) in
            curves.recorded.append(step)
            curves.spectra.append(basis.binnedMagnitudes(outputs, width: c.binWidth))
        }
        try trainMNISTNet(
            train, evaluation: validation, iterations: c.iterations, learningRate: c.learningRate, depth: c.depth,
            width: c.width, context: context, note: p.noise.rawValue, records: &curves,
            initially: { record(0, $0.outputs().map(Double.init), &$1) },
            observe: { step, loss, evaluator, curves in
                curves.trainLoss.append(loss)
                let outputs = evaluator.outputs().map(Double.init)
                curves.validationLoss.append(Loss.mse.value(output: outputs, target: clean))
                if step % c.recordEvery == 0 || step == c.iterations { record(step, outputs, &curves) }
            })
        return PointResult(
            trainLoss: curves.trainLoss, validationLoss: curves.validationLoss, recorded: curves.recorded,
            spectra: curves.spectra, targetSpectrum: basis.binnedMagnitudes(target, width: c.binWidth),
            cleanSpectrum: basis.binnedMagnitudes(clean, width: c.binWidth), eigenvalues: basis.values,
            sigma: basis.sigma)
    }

    /// What a run records as it trains (and a checkpoint keeps).
    struct Curves: Codable {
        var trainLoss: [Double] = [], validationLoss: [Double] = [], recorded: [Int] = [], spectra: [[Double]] = []
    }

    public func result(from results: [PointResult]) throws -> Result {
        let runs = configuration.runs
        return Result(
            byNoise: configuration.noises.enumerated().map { ($1, Array(results[($0 * runs)..<(($0 + 1) * runs)])) })
    }
}

extension MNISTKernelSpectrum {
    /// The mean over runs of each recorded spectrum, of the validation curve and of the target's spectrum.
    static func means(_ runs: [PointResult]) -> (spectra: [[Double]], validation: [Double], target: [Double]) {
        let count = Double(runs.count)
        let spectra = runs[0].spectra.indices.map { r in
            runs[0].spectra[r].indices.map { b in runs.reduce(0) { $0 + $1.spectra[r][b] } / count }
        }
        let validation = runs[0].validationLoss.indices.map { i in runs.reduce(0) { $0 + $1.validationLoss[i] } / count
        }
        let target = runs[0].targetSpectrum.indices.map { b in runs.reduce(0) { $0 + $1.targetSpectrum[b] } / count }
        return (spectra, validation, target)
    }

    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        let first = r.byNoise[0].1[0]
        var eigen = CSVTable(header: ["n", "eigenvalue", "gap_to_next"])
        for (n, value) in first.eigenvalues.enumerated() {
            eigen.append([
                .int(n), .double(value),
                n + 1 < first.eigenvalues.count ? .double(value - first.eigenvalues[n + 1]) : .empty,
            ])
        }
        try folder.write(eigen, "eigenvalues.csv")
        var spectra = CSVTable(header: ["noise", "iteration", "bin", "magnitude"])
        var losses = CSVTable(header: ["noise", "run", "iteration", "train_loss", "val_loss"])
        var fitting = CSVTable(header: ["noise", "bin", "target_magnitude", "clean_magnitude", "iteration_at_half"])
        var summaries: [NoiseSummary] = []
        var curves: [Series] = []
        for (noise, runs) in r.byNoise {
            let mean = MNISTKernelSpectrum.means(runs)
            for (row, iteration) in runs[0].recorded.enumerated() {
                for (b, m) in mean.spectra[row].enumerated() {
                    spectra.append([.text(noise.rawValue), .int(iteration), .int(b), .double(m)])
                }
            }
            for (run, result) in runs.enumerated() {
                for i in result.trainLoss.indices {
                    losses.append([
                        .text(noise.rawValue), .int(run), .int(i + 1), .double(result.trainLoss[i]),
                        .double(result.validationLoss[i]),
                    ])
                }
            }
            let half = mean.target.indices.map { b in
                mean.spectra.indices.first { mean.spectra[$0][b] >= 0.5 * mean.target[b] }.map { runs[0].recorded[$0] }
            }
            for b in mean.target.indices {
                fitting.append([
                    .text(noise.rawValue), .int(b), .double(mean.target[b]), .double(runs[0].cleanSpectrum[b]),
                    half[b].map { .int($0) } ?? .empty,
                ])
            }
            let best = mean.validation.indices.min { mean.validation[$0] < mean.validation[$1] } ?? 0
            summaries.append(
                NoiseSummary(
                    noise: noise, bestValidationLoss: mean.validation[best], bestIteration: best + 1,
                    halfIteration: half))
            curves.append(
                Series(name: noise.title, x: mean.validation.indices.map { Double($0 + 1) }, y: mean.validation))
            try writeSpectrumPictures(
                noise, mean: mean, recorded: runs[0].recorded, clean: runs[0].cleanSpectrum, to: folder)
        }
        try folder.write(spectra, "spectra.csv")
        try folder.write(losses, "losses.csv")
        try folder.write(fitting, "fitting.csv")
        try folder.write(
            linePlot(
                title: "Exp 4: validation loss (clean labels)", series: curves, xLabel: "training iteration",
                yLabel: "validation MSE", logX: true, logY: true), "validation_loss")
        try writeEigenAndFitting(first.eigenvalues, summaries, to: folder)
        return summary(first, summaries)
    }

    private func summary(_ first: PointResult, _ noises: [NoiseSummary]) -> Summary {
        let values = first.eigenvalues
        let gaps = zip(values, values.dropFirst()).map { $0 - $1 }
        let subset = try? MNISTSubset(configuration.mnist, limit: configuration.samples)
        var off = 0.0
        if let subset,
            let basis = try? KernelBasis(
                subset.pixels, count: subset.count, bandwidth: .fixed(first.sigma),
                pool: ThreadPool(threadCount: 1), eigenvectors: false)
        {
            off = basis.largestOffDiagonal
        }
        return Summary(
            samples: values.count, sigma: first.sigma, eigenvalueRange: [values.last ?? .nan, values.first ?? .nan],
            smallestGap: gaps.min() ?? .nan,
            nearlyDegenerateGaps: gaps.filter { $0 <= 1e-12 * (values.first ?? 0) }.count,
            largestOffDiagonal: off, noises: noises)
    }

    /// The heat map iteration × eigen-bin and the spectra at the notebook's snapshot iterations.
    private func writeSpectrumPictures(
        _ noise: Noise, mean: (spectra: [[Double]], validation: [Double], target: [Double]),
        recorded: [Int], clean: [Double], to folder: OutputFolder
    ) throws {
        let bins = mean.target.indices.map(Double.init)
        // The fitting happens early: the heat map shows the first 1,000 iterations (spectra.csv has them all).
        let shown = recorded.indices.filter { recorded[$0] <= 1000 }
        try folder.write(
            heatMap(
                title: "Exp 4 (\(noise.title)): |V^T f| in bins of \(configuration.binWidth) eigenvectors",
                values: bins.indices.map { b in shown.map { mean.spectra[$0][b] } },
                xValues: shown.map { Double(recorded[$0]) }, yValues: bins, xLabel: "training iteration",
                yLabel: "eigenvector bin (by decreasing eigenvalue)", colorLabel: "mean |coefficient|"),
            "heatmap_\(noise.rawValue)")
        let wanted = noise == .white ? [0, 40, 150, 300, 600] : [0, 40, 200, 300, 400, 600]
        let rows = wanted.compactMap { it in recorded.lastIndex { $0 <= it } }.reduce(into: [Int]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        var series = rows.map { Series(name: "iteration \(recorded[$0])", x: bins, y: mean.spectra[$0]) }
        series.append(Series(name: "target Y + noise", x: bins, y: mean.target, dashed: true, color: .gray))
        series.append(Series(name: "clean Y", x: bins, y: clean, dashed: true, color: .black))
        try folder.write(
            linePlot(
                title: "Exp 4 (\(noise.title)): spectrum of the net's outputs", series: series,
                xLabel: "eigenvector bin (by decreasing eigenvalue)", yLabel: "mean |coefficient|"),
            "spectra_\(noise.rawValue)")
    }

    private func writeEigenAndFitting(_ values: [Double], _ noises: [NoiseSummary], to folder: OutputFolder) throws {
        try folder.write(
            linePlot(
                title: "Exp 4: eigenvalues of the Gaussian kernel",
                series: [
                    Series(name: "eigenvalue", x: values.indices.map(Double.init), y: values)
                ],
                xLabel: "n (decreasing eigenvalue)", yLabel: "eigenvalue"), "eigenvalues")
        let series = noises.map { s in
            let pairs = s.halfIteration.enumerated().compactMap { b, it in it.map { (Double(b), Double(max($0, 1))) } }
            return Series(
                name: Noise(rawValue: s.noise.rawValue)!.title, x: pairs.map(\.0), y: pairs.map(\.1), pointsOnly: true)
        }
        try folder.write(
            linePlot(
                title: "Exp 4: first iteration at which each bin reaches half its target magnitude",
                series: series, xLabel: "eigenvector bin", yLabel: "iteration", logY: true), "fitting")
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        var lines = [
            String(
                format: "kernel sigma %.4g: eigenvalues %.4g…%.4g, smallest gap %.3g, largest off-diagonal entry %.3g",
                s.sigma, s.eigenvalueRange[0], s.eigenvalueRange[1], s.smallestGap, s.largestOffDiagonal)
        ]
        for n in s.noises {
            let show = { (b: Int) in b < n.halfIteration.count ? n.halfIteration[b].map(String.init) ?? "never" : "-" }
            let last = n.halfIteration.count - 1
            lines.append(
                String(
                    format:
                        "%@: best validation MSE %.4g at iteration %d; half the target reached in bin 0 at %@, bin %d at %@",
                    n.noise.title, n.bestValidationLoss, n.bestIteration, show(0), last, show(last)))
        }
        return lines + ["results in \(folder.path)"]
    }
}

public struct Exp4Command: ExperimentCommand {
    public typealias Runner = MNISTKernelSpectrum
    public static let description = CommandDescription(
        name: "exp4", abstract: "Experiment 4: the spectrum of an MNIST net on the eigenvectors of a Gaussian kernel.",
        discussion: """
            The first --samples samples of digits --classes (3 and 8) of --mnist DIR; the Gaussian kernel exp(-|x-y|^2 /
            (2 sigma^2)) on them (--sigma 1.25, the notebook's, or a value, or median: the median pairwise distance); its
            eigenvectors by decreasing eigenvalue. The 6 × 256 net fits Y + noise (white U(-1, 1), or high: sum of
            (n/(N-1))^gamma v_n) with full-batch Adam, lr 1e-4; every --record-every iterations its outputs are
            projected on the eigenvectors and |coefficients| averaged in bins of 20. Writes eigenvalues.csv
            (n,eigenvalue,gap_to_next), spectra.csv (noise,iteration,bin,magnitude), losses.csv
            (noise,run,iteration,train_loss,val_loss), fitting.csv (noise,bin,target_magnitude,clean_magnitude,
            iteration_at_half), heat maps and spectra per noise, the validation curve, the eigenvalues, summary.json.
            """)

    @OptionGroup var data: MNISTOptions
    @Option(help: "notebook (2,000 samples, 5,000 iterations) or quick (400, 200)") var preset = TrainingPreset.notebook
    @Option(help: "kernel bandwidth: a positive number, or median") var sigma = MNISTKernelSpectrum.Bandwidth.fixed(
        1.25)
    @Option(help: "the noises: white, high or both (comma-separated)") var noise: EnumList<MNISTKernelSpectrum.Noise>?
    @Option(help: "the exponent gamma of the high-frequency noise", check: .within(-100...100)) var gamma = 2.0
    @Option(help: "samples of the two digits (default: the preset's)", check: .within(20...20_000)) var samples: Int?
    @OptionGroup var training: TrainingOptions
    @Option(help: "project the outputs every this many iterations", check: .within(TrainingRanges.recordEvery))
    var recordEvery: Int?
    @OptionGroup var seeding: SeedOptions
    @OptionGroup var sharding: ShardOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public var shard: Shard? { sharding.shard?.shard }

    public func configuration() throws -> MNISTKernelSpectrum.Configuration {
        var c = MNISTKernelSpectrum.Configuration(preset: preset, mnist: try data.source())
        (c.sigma, c.gamma, c.seed) = (sigma, gamma, seeding.seed)
        c.runs = training.runs ?? c.runs
        if let noise { c.noises = noise.values }
        c.samples = samples ?? c.samples
        c.iterations = training.iterations ?? c.iterations
        c.recordEvery = recordEvery ?? c.recordEvery
        return c
    }
}
