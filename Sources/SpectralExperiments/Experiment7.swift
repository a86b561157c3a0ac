import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import SpectralPlot

/// Experiment 7 (the paper's appendix): fit a delta peak at x = 0.5, whose spectrum is flat, and measure how much of
/// its high-frequency part nets of different depth, width and weight clipping learn.
public struct Experiment7 {
    public enum Preset: String, CaseIterable, Sendable {
        /// 60,000 steps per net, as in the paper.
        case paper
        /// 3,000 steps per net, for tests and a first look.
        case quick
    }

    public struct Net: Sendable {
        public let sweep: String
        public let depth: Int, width: Int, clip: Double
    }

    public var preset: Preset
    public var steps: Int
    public var samples = 200
    public var learningRate = 3e-4
    public var seed: UInt64 = 0
    public var threads = 2

    /// The three sweeps: depth 3–6 at width 16 (c = 10), width 16–128 at depth 3 (c = 10), c ∈ {0.1, 0.15, 0.2, 2} at
    /// depth 6, width 64.
    public static let nets: [Net] =
        [3, 4, 5, 6].map { Net(sweep: "depth", depth: $0, width: 16, clip: 10) }
        + [16, 32, 64, 128].map { Net(sweep: "width", depth: 3, width: $0, clip: 10) }
        + [0.1, 0.15, 0.2, 2].map { Net(sweep: "clip", depth: 6, width: 64, clip: $0) }

    public init(preset: Preset) {
        self.preset = preset
        steps = preset == .paper ? 60_000 : 3_000
    }

    public struct Outcome: Sendable {
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

    /// Trains the twelve nets, two (or `threads`) at a time, each on one thread.
    public func run(progress: ProgressReporter? = nil) throws -> [Outcome] {
        let z = (0..<samples).map { Double($0) / Double(samples) }
        let target = z.indices.map { $0 == samples / 2 ? 1.0 : 0.0 }
        let data = try Dataset(inputs: z.map(Float.init), targets: target.map(Float.init), rows: samples)
        let nets = Experiment7.nets
        var outcomes = [Outcome?](repeating: nil, count: nets.count)
        var failure: Error?
        let lock = NSLock()
        var done = 0
        let pool = ThreadPool(threadCount: threads)
        let master = SplitMix64(seed: seed)
        pool.run(tasks: nets.count) { index, _ in
            do {
                let spec = nets[index]
                let net = MLP.initialized(sizes: [1] + Array(repeating: spec.width, count: spec.depth - 1) + [1],
                                          initialization: .pytorch, seed: master.fork(UInt64(index)).state)
                var configuration = TrainingConfiguration(steps: steps, learningRate: learningRate)
                configuration.clip = spec.clip
                let trainer = try Trainer(net: net, data: data, configuration: configuration, gemm: GEMM(threads: 1))
                var last = 0.0
                try trainer.train { step, loss in
                    last = loss
                    if step % 500 == 0 {
                        try Interrupt.check()
                        lock.lock(); done += 500; let d = done; lock.unlock()
                        progress?.update(d)
                    }
                }
                let outputs = trainer.predict(data.inputs, rows: samples).map(Double.init)
                let spectrum = RealFFTPlan(count: samples).forward(outputs).map(\.magnitude)
                lock.lock(); outcomes[index] = Outcome(net: spec, finalLoss: last, magnitudes: spectrum); lock.unlock()
            } catch {
                lock.lock(); failure = failure ?? error; lock.unlock()
            }
        }
        if let failure { throw failure }
        return outcomes.map { $0! }
    }

    public func write(_ outcomes: [Outcome], to out: URL) throws {
        var spectra = CSVTable(header: ["sweep", "depth", "width", "clip", "k", "magnitude"])
        var summary = CSVTable(header: ["sweep", "depth", "width", "clip", "final_loss", "high_frequency_share"])
        for o in outcomes {
            for (k, m) in o.magnitudes.enumerated() {
                spectra.append([.text(o.net.sweep), .int(o.net.depth), .int(o.net.width), .double(o.net.clip), .int(k), .double(m)])
            }
            summary.append([.text(o.net.sweep), .int(o.net.depth), .int(o.net.width), .double(o.net.clip),
                            .double(o.finalLoss), .double(o.highFrequencyShare)])
        }
        try spectra.write(to: out.appendingPathComponent("spectra.csv"))
        try summary.write(to: out.appendingPathComponent("summary.csv"))
        for sweep in ["depth", "width", "clip"] {
            let mine = outcomes.filter { $0.net.sweep == sweep }
            let ks = (0..<(mine.first?.magnitudes.count ?? 0)).map(Double.init)
            let series = mine.map { o -> Series in
                let label = sweep == "depth" ? "depth \(o.net.depth)" : sweep == "width" ? "width \(o.net.width)" : "clip \(o.net.clip)"
                return Series(name: label, x: ks, y: o.magnitudes)
            } + [Series(name: "target (flat)", x: ks, y: ks.map { _ in 1 }, dashed: true)]
            let fixed = sweep == "depth" ? "width 16, c = 10" : sweep == "width" ? "depth 3, c = 10" : "depth 6, width 64"
            try linePlot(title: "Exp 7, delta peak: \(sweep) sweep (\(fixed), \(steps) steps)",
                         series: series, xLabel: "frequency k", yLabel: "|F(k)| of the learned function")
                .writePNG(to: out.appendingPathComponent("spectra_\(sweep).png"))
        }
    }
}
