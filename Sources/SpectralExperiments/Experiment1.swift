import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import SpectralPlot

/// Experiment 1 of the paper: lower frequencies are learned first (paper.md §2.1).
public struct Experiment1 {
    public enum Preset: String, CaseIterable, Sendable {
        /// 80,000 iterations, 10 phase draws.
        case paper
        /// The authors' notebook: 60,000 iterations, 20 runs.
        case notebook
        /// Short, for tests and the README demonstration.
        case quick
    }

    public struct Configuration: Sendable {
        public var preset: Preset
        public var iterations: Int
        public var runs: Int
        public var increasingAmplitudes = false
        public var frequencies = SumOfSines.paperFrequencies
        public var samples = 200
        public var depth = 6
        public var width = 256
        public var learningRate = 3e-4
        public var recordEvery = 100
        /// Spectral norms are computed every this many records (power iteration is not free).
        public var normEvery = 10
        public var seed: UInt64 = 0
        public var threads = 2
        public var perRunRows = false

        public init(preset: Preset) {
            self.preset = preset
            switch preset {
            case .paper: iterations = 80_000; runs = 10
            case .notebook: iterations = 60_000; runs = 20
            case .quick: iterations = 5_000; runs = 1
            }
        }

        public var record: [String: Any] {
            ["experiment": "exp1", "preset": preset.rawValue, "iterations": iterations, "runs": runs,
             "amplitudes": increasingAmplitudes ? "increasing" : "equal", "frequencies": frequencies,
             "samples": samples, "depth": depth, "width": width, "lr": learningRate, "record_every": recordEvery,
             "optimizer": "adam(0.9, 0.999, 1e-8)", "init": "pytorch", "loss": "mse"]
        }
    }

    /// Everything the experiment measured.
    public struct Result {
        public var iterations: [Int] = []
        /// magnitude[run][record][frequency] = 2|F(k)|/N / A.
        public var magnitudes: [[[Double]]] = []
        public var losses: [[Double]] = []
        /// (run, iteration, layer, σ_max)
        public var spectralNorms: [(Int, Int, Int, Double)] = []
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

    public let configuration: Configuration

    public init(_ configuration: Configuration) throws {
        guard configuration.iterations >= 1, configuration.runs >= 1, configuration.samples >= 2,
              configuration.recordEvery >= 1 else {
            throw SpectralError.usage("iterations, runs, samples and the record interval must be positive")
        }
        guard configuration.frequencies.allSatisfy({ $0 > 0 && $0 < Double(configuration.samples) / 2 }) else {
            throw SpectralError.usage("every frequency must lie strictly between 0 and samples/2 = \(configuration.samples / 2) to be resolved")
        }
        self.configuration = configuration
    }

    public func run(progress: ProgressReporter? = nil) throws -> Result {
        let c = configuration
        let amplitudes = SumOfSines.paperAmplitudes(increasing: c.increasingAmplitudes).count == c.frequencies.count
            ? SumOfSines.paperAmplitudes(increasing: c.increasingAmplitudes)
            : Array(repeating: 1.0, count: c.frequencies.count)
        let gemm = GEMM(threads: c.threads)
        var result = Result()
        let master = SplitMix64(seed: c.seed)
        let snapshotIterations = Set([0, c.iterations / 10, c.iterations / 3, c.iterations].map {
            $0 / c.recordEvery * c.recordEvery
        })
        for run in 0..<c.runs {
            var rng = master.fork(UInt64(run))
            let target = try SumOfSines(frequencies: c.frequencies, amplitudes: amplitudes, rng: &rng)
            let (z, values) = target.samples(c.samples)
            if run == 0 { result.z = z; result.target = values }
            let data = try Dataset(inputs: z.map(Float.init), targets: values.map(Float.init), rows: c.samples)
            let net = MLP.initialized(sizes: [1] + Array(repeating: c.width, count: c.depth - 1) + [1],
                                      initialization: .pytorch, seed: rng.next())
            let trainer = try Trainer(net: net, data: data,
                                      configuration: TrainingConfiguration(steps: c.iterations, learningRate: c.learningRate),
                                      gemm: gemm)
            var runMagnitudes: [[Double]] = [], runLosses: [Double] = []
            var singularVectors = [[Double]?](repeating: nil, count: net.layerCount)
            let inputs = z.map(Float.init)
            func record(_ iteration: Int, loss: Double) {
                let outputs = trainer.predict(inputs, rows: c.samples).map(Double.init)
                let amps = sinusoidAmplitudes(outputs, at: c.frequencies)
                runMagnitudes.append(zip(amps, amplitudes).map { $0 / $1 })
                runLosses.append(loss)
                if run == 0 { if result.iterations.count < runMagnitudes.count { result.iterations.append(iteration) } }
                if run == 0 && snapshotIterations.contains(iteration) { result.snapshots.append((iteration, outputs)) }
                if (runMagnitudes.count - 1) % c.normEvery == 0 || iteration == c.iterations {
                    for l in 0..<net.layerCount {
                        let (sigma, vector) = net.spectralNormAndVector(l, start: singularVectors[l], tolerance: 1e-9,
                                                                         maxIterations: 3000)
                        singularVectors[l] = vector
                        result.spectralNorms.append((run, iteration, l, sigma))
                    }
                }
            }
            let initialLoss = zip(trainer.predict(inputs, rows: c.samples), values)
                .map { (Double($0) - $1) * (Double($0) - $1) }.reduce(0, +) / Double(c.samples)
            record(0, loss: initialLoss)
            try trainer.train { step, loss in
                if step % c.recordEvery == 0 { record(step, loss: loss) }
                progress?.update(run * c.iterations + step, note: "run \(run + 1)/\(c.runs)")
                try Interrupt.check()
            }
            if run == 0 { result.finalNetwork = net }
            result.magnitudes.append(runMagnitudes)
            result.losses.append(runLosses)
        }
        return result
    }

    /// Writes the CSVs and pictures into `directory`.
    public func write(_ result: Result, to directory: URL) throws {
        let c = configuration
        var dynamics = CSVTable(header: ["iteration", "k", "magnitude"])
        let mean = result.meanMagnitudes
        for (r, iteration) in result.iterations.enumerated() {
            for (f, k) in c.frequencies.enumerated() { dynamics.append([.int(iteration), .double(k), .double(mean[r][f])]) }
        }
        try dynamics.write(to: directory.appendingPathComponent("dynamics.csv"))
        try result.finalNetwork?.save(to: directory.appendingPathComponent("weights.safetensors"))
        if c.perRunRows {
            var perRun = CSVTable(header: ["run", "iteration", "k", "magnitude"])
            for (run, m) in result.magnitudes.enumerated() {
                for (r, iteration) in result.iterations.enumerated() {
                    for (f, k) in c.frequencies.enumerated() { perRun.append([.int(run), .int(iteration), .double(k), .double(m[r][f])]) }
                }
            }
            try perRun.write(to: directory.appendingPathComponent("dynamics_runs.csv"))
        }
        var learned = CSVTable(header: ["k", "first_iteration_at_0.9"])
        for (k, at) in zip(c.frequencies, result.learnedAt()) { learned.append([.double(k), at.map { .int($0) } ?? .empty]) }
        try learned.write(to: directory.appendingPathComponent("learned.csv"))
        var norms = CSVTable(header: ["run", "iteration", "layer", "sigma_max"])
        for (run, iteration, layer, sigma) in result.spectralNorms { norms.append([.int(run), .int(iteration), .int(layer), .double(sigma)]) }
        try norms.write(to: directory.appendingPathComponent("spectral_norms.csv"))
        let meanLoss = result.iterations.indices.map { r in
            result.losses.map { $0[r] }.reduce(0, +) / Double(result.losses.count)
        }
        var loss = CSVTable(header: ["iteration", "loss"])
        for (iteration, value) in zip(result.iterations, meanLoss) { loss.append([.int(iteration), .double(value)]) }
        try loss.write(to: directory.appendingPathComponent("loss.csv"))
        var function = CSVTable(header: ["iteration", "z", "target", "prediction"])
        for (iteration, outputs) in result.snapshots {
            for j in result.z.indices { function.append([.int(iteration), .double(result.z[j]), .double(result.target[j]), .double(outputs[j])]) }
        }
        try function.write(to: directory.appendingPathComponent("function.csv"))

        let amplitudes = c.increasingAmplitudes ? "increasing" : "equal"
        try heatMap(title: "Exp 1 (\(c.preset.rawValue), \(amplitudes) amplitudes, \(c.runs) run\(c.runs == 1 ? "" : "s")): learned |F(k)|/A",
                    values: c.frequencies.indices.map { f in mean.map { $0[f] } },
                    xValues: result.iterations.map(Double.init), yValues: c.frequencies,
                    xLabel: "training iteration", yLabel: "frequency k", colorLabel: "normalised magnitude 2|F(k)|/(N A)",
                    range: 0...1)
            .writePNG(to: directory.appendingPathComponent("heatmap.png"))
        let snapshotSeries = result.snapshots.map { Series(name: "iteration \($0.0)", x: result.z, y: $0.1) }
        try linePlot(title: "Exp 1: learned function (run 1) against the target",
                     series: [Series(name: "target", x: result.z, y: result.target, dashed: true)] + snapshotSeries,
                     xLabel: "z", yLabel: "f(z)")
            .writePNG(to: directory.appendingPathComponent("functions.png"))
        let layers = Set(result.spectralNorms.map(\.2)).sorted()
        try linePlot(title: "Exp 1: spectral norm of each layer (run 1)",
                     series: layers.map { l in
                         let points = result.spectralNorms.filter { $0.0 == 0 && $0.2 == l }
                         return Series(name: "layer \(l + 1)", x: points.map { Double($0.1) }, y: points.map(\.3))
                     }, xLabel: "training iteration", yLabel: "largest singular value")
            .writePNG(to: directory.appendingPathComponent("spectral_norms.png"))
        try linePlot(title: "Exp 1: training loss (mean over runs)",
                     series: [Series(name: "MSE", x: result.iterations.map(Double.init), y: meanLoss)],
                     xLabel: "training iteration", yLabel: "loss", logY: true)
            .writePNG(to: directory.appendingPathComponent("loss.png"))
    }
}
