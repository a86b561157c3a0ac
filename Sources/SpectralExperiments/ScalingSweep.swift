import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import SpectralExact
import SpectralPlot

/// How the exact quantities of random ReLU nets grow with depth and width (paper.md §1: "width helps
/// polynomially and depth exponentially"), measured rather than quoted, for f: ℝ → ℝ (on all of ℝ) or
/// f: ℝ² → ℝ (on [−1, 1]²).
///
/// In 1-D: N_f = linear pieces, Σ|Δs| the total slope jump, the spectral constant max_k |f̃(k)|·(2πk)² of the kink
/// spectrum, the exponent fitted to it. In 2-D: N_f = linear regions, Σ|(g_R − g_L)·ν| the total edge jump, the
/// spectral constant max |S(k)|·|2πk|² along the heaviest ridge, the exponent fitted along the generic direction
/// farthest from every ridge (Theorem 1: −3).
public struct ScalingSweep {
    public struct Row {
        public let initialization: Initialization
        public let depth: Int, width: Int, seed: UInt64
        /// Adam steps the net was trained for before it was measured (0: as initialised).
        public let trainingSteps: Int
        public let pieces: Int
        public let lipschitz: Double
        public let lipschitzBound: Double      // Π‖W⁽ˡ⁾‖₂ (eq. 7)
        public let totalSlopeJump: Double
        public let spectralConstant: Double
        public let decayExponent: Double?
        public let decayStandardError: Double?
        public let seconds: Double
    }

    /// Input dimension: 1 or 2.
    public var dimension = 1
    /// Radii of the 2-D fits (cycles per unit).
    public var radii = geometricRadii(20, 2000, count: 24)

    public var depths: [Int]
    public var widths: [Int]
    public var seeds: Int
    public var initializations: [Initialization]
    public var frequencies: [Double] = stride(from: 1.0, through: 1000, by: 1).map { $0 }
    public var threads = 2
    /// Checkpoints: each net is measured after each of these numbers of full-batch Adam steps (lr 3e−4) on a sum
    /// of sines — experiment 1's target in 1-D, Σ_i sin(2π·2i·(u_i·x) + φ_i)/5 on a 24 × 24 grid of [−1, 1]² in
    /// 2-D — so that what training does to N_f, L_f and the constants is measured on the same nets.
    public var trainingSteps: [Int] = [0]

    public init(depths: [Int], widths: [Int], seeds: Int, initializations: [Initialization]) {
        self.depths = depths
        self.widths = widths
        self.seeds = seeds
        self.initializations = initializations
    }

    public func run(progress: ProgressReporter? = nil) throws -> [Row] {
        let pool = ThreadPool(threadCount: threads)
        var rows: [Row] = []
        for initialization in initializations {
            for depth in depths {
                for width in widths {
                    for seed in 0..<UInt64(seeds) {
                        try Interrupt.check()
                        let sizes = [dimension] + Array(repeating: width, count: depth - 1) + [1]
                        let net = MLP.initialized(sizes: sizes, initialization: initialization,
                                                  seed: seed &+ 1000 &* UInt64(depth) &+ 1_000_000 &* UInt64(width))
                        let trainer = trainingSteps.contains { $0 > 0 } ? try makeTrainer(net, seed: seed, pool: pool) : nil
                        var trained = 0
                        for checkpoint in trainingSteps.sorted() {
                            if checkpoint > trained { try trainer!.train(steps: checkpoint - trained); trained = checkpoint }
                            if let bad = net.firstNonFiniteParameter() {
                                throw SpectralError.runtime("training diverged by step \(checkpoint): \(bad)")
                            }
                            let bound = (0..<net.layerCount).map { net.spectralNorm($0, tolerance: 1e-9) }.reduce(1, *)
                            let row = dimension == 1 ? try measure1D(net, pool: pool) : try measure2D(net, pool: pool)
                            rows.append(Row(initialization: initialization, depth: depth, width: width, seed: seed,
                                            trainingSteps: checkpoint, pieces: row.pieces, lipschitz: row.lipschitz,
                                            lipschitzBound: bound, totalSlopeJump: row.jump, spectralConstant: row.constant,
                                            decayExponent: row.decay?.slope, decayStandardError: row.decay?.standardError,
                                            seconds: row.seconds))
                        }
                        progress?.update(rows.count / trainingSteps.count, note: "\(initialization.rawValue) depth \(depth) width \(width)")
                    }
                }
            }
        }
        return rows
    }

    private func makeTrainer(_ net: MLP, seed: UInt64, pool: ThreadPool) throws -> Trainer {
        var rng = SplitMix64(seed: seed &+ 77)
        var inputs: [Float] = [], targets: [Float] = []
        if dimension == 1 {
            let target = try SumOfSines(frequencies: SumOfSines.paperFrequencies,
                                        amplitudes: SumOfSines.paperAmplitudes(increasing: false), rng: &rng)
            let (z, values) = target.samples(200)
            (inputs, targets) = (z.map(Float.init), values.map(Float.init))
        } else {
            let directions = (1...5).map { _ in rng.uniform(0, 2 * Double.pi) }, phases = (1...5).map { _ in rng.uniform(0, 2 * Double.pi) }
            for a in 0..<24 {
                for b in 0..<24 {
                    let (x, y) = (-1 + 2 * Double(a) / 23, -1 + 2 * Double(b) / 23)
                    var value = 0.0
                    for i in 0..<5 {
                        value += sin(2 * Double.pi * Double(2 * (i + 1)) * (x * cos(directions[i]) + y * sin(directions[i])) + phases[i]) / 5
                    }
                    inputs += [Float(x), Float(y)]
                    targets.append(Float(value))
                }
            }
        }
        let data = try Dataset(inputs: inputs, targets: targets, rows: targets.count)
        return try Trainer(net: net, data: data, configuration: TrainingConfiguration(steps: trainingSteps.max()!, learningRate: 3e-4),
                           gemm: GEMM(pool: pool))
    }

    private typealias Measurement = (pieces: Int, lipschitz: Double, jump: Double, constant: Double, decay: DecayFit?, seconds: Double)

    private func measure1D(_ net: MLP, pool: ThreadPool) throws -> Measurement {
        let start = monotonicSeconds()
        let f = enumerateKinks(try Network1D(net), pool: pool)
        let seconds = monotonicSeconds() - start
        let spectrum = ExactSpectrum1D(f, pool: pool).kinkSpectrum(frequencies)
        let check = Theorem1DCheck(f, frequencies: frequencies, kinkSpectrum: spectrum)
        return (f.pieces, f.lipschitz, f.totalSlopeJump, check.largestScaledSpectrum, f.kinks.count >= 2 ? check.decay : nil, seconds)
    }

    private func measure2D(_ net: MLP, pool: ThreadPool) throws -> Measurement {
        let start = monotonicSeconds()
        let regions = try enumerateRegions(try ExactNetwork(net, inputs: 2), domain: boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1), pool: pool)
        let seconds = monotonicSeconds() - start
        let ridges = regions.ridges()
        guard let heaviest = ridges.first else { return (regions.regionCount, regions.lipschitz, 0, 0, nil, seconds) }
        let decays = ExactSpectrum2D(regions, pool: pool).directionalDecay(angles: [heaviest.angle, genericAngle(avoiding: ridges)], radii: radii)
        let constant = zip(radii, decays[0].magnitudes).map { $1 * pow(2 * Double.pi * $0, 2) }.max() ?? 0
        return (regions.regionCount, regions.lipschitz, ridges.reduce(0) { $0 + $1.weight }, constant,
                ridges.count >= 2 ? decays[1].fit : nil, seconds)
    }

    private var pieceName: String { dimension == 1 ? "pieces" : "regions" }

    /// Writes scaling.csv, growth.csv (fitted rates) and the pictures.
    public func write(_ rows: [Row], to out: URL) throws -> [String: Any] {
        var table = CSVTable(header: ["init", "depth", "width", "seed", "training_steps", pieceName, "lipschitz", "lipschitz_bound_eq7",
                                      dimension == 1 ? "total_slope_jump" : "total_edge_jump", "spectral_constant",
                                      dimension == 1 ? "decay_exponent" : "generic_decay_exponent",
                                      "decay_exponent_standard_error", "enumeration_seconds"]
                                      + (dimension == 2 ? ["regions_per_unit_area"] : []))
        for r in rows {
            table.append([.text(r.initialization.rawValue), .int(r.depth), .int(r.width), .int(Int(r.seed)),
                          .int(r.trainingSteps), .int(r.pieces),
                          .double(r.lipschitz), .double(r.lipschitzBound), .double(r.totalSlopeJump),
                          .double(r.spectralConstant), r.decayExponent.map { .double($0) } ?? .empty,
                          r.decayStandardError.map { .double($0) } ?? .empty, .double(r.seconds)]
                         + (dimension == 2 ? [.double(Double(r.pieces) / 4)] : []))   // the box [−1, 1]² has area 4
        }
        try table.write(to: out.appendingPathComponent("scaling.csv"))
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
        // Growth and the depth/width pictures use the nets as first measured; training has its own picture.
        let firstCheckpoint = trainingSteps.min() ?? 0
        // Growth: log N_f against log width at fixed depth (polynomial degree), and log N_f, log L_f against depth
        // at fixed width (exponential rate per layer).
        var growth = CSVTable(header: ["init", "quantity", "against", "fixed", "fixed_value", "slope", "standard_error", "points"])
        var summary: [String: Any] = [:]
        for initialization in initializations {
            let mine = rows.filter { $0.initialization == initialization && $0.trainingSteps == firstCheckpoint }
            for depth in depths where widths.count >= 3 {
                let pts = widths.map { w in (Double(w), mean(mine.filter { $0.depth == depth && $0.width == w }.map { Double($0.pieces) })) }
                if let fit = DecayFit.fit(frequencies: pts.map(\.0), magnitudes: pts.map(\.1)) {
                    growth.append([.text(initialization.rawValue), .text("log \(pieceName)"), "log width", "depth", .int(depth),
                                   .double(fit.slope), .double(fit.standardError), .int(fit.points)])
                }
            }
            for width in widths where depths.count >= 3 {
                for (name, value) in [("log \(pieceName)", { (r: Row) in Double(r.pieces) }), ("log lipschitz", { (r: Row) in r.lipschitz })] {
                    let pts = depths.map { d in (Double(d), log(mean(mine.filter { $0.depth == d && $0.width == width }.map(value)))) }
                    // Slope of log Q against depth: exp(slope) is the growth factor per layer.
                    let xs = pts.map(\.0), ys = pts.map(\.1)
                    if let fit = LineFit(x: xs, y: ys) {
                        growth.append([.text(initialization.rawValue), .text(name), "depth", "width", .int(width),
                                       .double(fit.slope), .double(fit.standardError), .int(xs.count)])
                    }
                }
            }
            let byDepth = depths.map { d in mean(mine.filter { $0.depth == d }.map { Double($0.pieces) }) }
            summary[initialization.rawValue] = ["mean_\(pieceName)_by_depth": byDepth]
        }
        try growth.write(to: out.appendingPathComponent("growth.csv"))
        for initialization in initializations {
            let mine = rows.filter { $0.initialization == initialization && $0.trainingSteps == firstCheckpoint }
            let name = initialization.rawValue
            try linePlot(title: "Linear \(pieceName) N_f of random \(dimension)-D nets (\(name) init), mean over \(seeds) seeds",
                         series: depths.map { d in Series(name: "depth \(d)", x: widths.map(Double.init), y: widths.map { w in
                             mean(mine.filter { $0.depth == d && $0.width == w }.map { Double($0.pieces) }) }) },
                         xLabel: "width", yLabel: "\(pieceName) N_f", logX: true, logY: true)
                .writePNG(to: out.appendingPathComponent("\(pieceName)_vs_width_\(name).png"))
            try linePlot(title: "Lipschitz constant L_f and spectral constant (\(name) init)",
                         series: widths.flatMap { w in [
                             Series(name: "L_f, width \(w)", x: depths.map(Double.init), y: depths.map { d in
                                 mean(mine.filter { $0.depth == d && $0.width == w }.map(\.lipschitz)) }),
                             Series(name: "\(dimension == 1 ? "max|f~|(2 pi k)^2" : "max|S|(2 pi |k|)^2 on ridge"), width \(w)", x: depths.map(Double.init), y: depths.map { d in
                                 mean(mine.filter { $0.depth == d && $0.width == w }.map(\.spectralConstant)) }, dashed: true),
                         ] }, xLabel: "depth (linear layers)", yLabel: "constant", logY: true)
                .writePNG(to: out.appendingPathComponent("constants_vs_depth_\(name).png"))
        }
        if trainingSteps.count > 1 {
            let checkpoints = trainingSteps.sorted()
            for initialization in initializations {
                let mine = rows.filter { $0.initialization == initialization }
                let byCheckpoint = { (d: Int, value: (Row) -> Double) in
                    checkpoints.map { c in mean(mine.filter { $0.depth == d && $0.trainingSteps == c }.map(value)) }
                }
                try linePlot(title: "Training and the exact constants (\(initialization.rawValue) init), mean over widths and seeds",
                             series: depths.flatMap { d in [
                                 Series(name: "\(pieceName), depth \(d)", x: checkpoints.map(Double.init), y: byCheckpoint(d) { Double($0.pieces) }),
                                 Series(name: "L_f, depth \(d)", x: checkpoints.map(Double.init), y: byCheckpoint(d) { $0.lipschitz }, dashed: true),
                             ] }, xLabel: "Adam steps", yLabel: "N_f (solid), L_f (dashed)", logY: true)
                    .writePNG(to: out.appendingPathComponent("training_\(initialization.rawValue).png"))
                var entry = summary[initialization.rawValue] as? [String: Any] ?? [:]
                entry["mean_\(pieceName)_by_training_steps"] = Dictionary(uniqueKeysWithValues: checkpoints.map { c in
                    (String(c), mean(mine.filter { $0.trainingSteps == c }.map { Double($0.pieces) }))
                })
                summary[initialization.rawValue] = entry
            }
        }
        return summary
    }
}

