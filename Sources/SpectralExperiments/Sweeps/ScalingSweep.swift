import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralPlot
import SpectralSpectra

/// The input dimension of a scaling sweep: 1 (f: ℝ → ℝ, on all of ℝ), 2 (f: ℝ² → ℝ, on [−1, 1]²) or 3 (on
/// [−1, 1]³).
public protocol ScalingDimension: Sendable {
    static var dimension: Int { get }
    static var defaultDepths: IntegerList { get }
    static var defaultWidths: IntegerList { get }
    static var defaultSeeds: Int { get }
    static var abstract: String { get }
    static var discussion: String { get }
}

public enum OneDimensional: ScalingDimension {
    public static let dimension = 1
    public static var defaultDepths: IntegerList { IntegerList([2, 3, 4, 5, 6]) }
    public static var defaultWidths: IntegerList { IntegerList([16, 32, 64, 128, 256]) }
    public static let defaultSeeds = 3
    public static let abstract =
        "Depth × width × seed sweeps of exact 1-D quantities (pieces, Lipschitz, spectral constants, decay)."
    public static let discussion = """
        For each initialisation, depth (linear layers) and width, draws --seeds random nets f: R -> R and measures the
        number of linear pieces N_f, L_f, the eq. 7 bound (product of spectral norms), sum |ds|, max |f~(k)|(2 pi k)^2 and
        the fitted decay exponent. Writes scaling.csv, growth.csv (slopes of log N_f against log width, and of log N_f
        and log L_f against depth), pictures per initialisation, summary.json and run.json. He initialisation sets biases
        to 0, so every 1-D He net is positively homogeneous with at most one kink (at x = 0); use --inits pytorch for
        generic nets.
        """
}

public enum TwoDimensional: ScalingDimension {
    public static let dimension = 2
    public static var defaultDepths: IntegerList { IntegerList([2, 3, 4]) }
    public static var defaultWidths: IntegerList { IntegerList([8, 16, 32, 64]) }
    public static let defaultSeeds = 2
    public static let abstract =
        "Depth × width × seed sweeps of exact 2-D quantities on [-1,1]^2 (regions, Lipschitz, ridge constants, decay)."
    public static let discussion = """
        For each initialisation, depth (linear layers) and width, draws --seeds random nets f: R^2 -> R and measures on
        [-1, 1]^2 the number of linear regions N_f, L_f, the eq. 7 bound, the total edge jump sum |(g_R - g_L).nu|,
        max |S(k)| |2 pi k|^2 along the heaviest k^-2 ridge, and the exponent fitted along the generic direction farthest
        from every ridge (Theorem 1: -3). Writes scaling.csv, growth.csv, pictures per initialisation, summary.json and
        run.json. He initialisation sets biases to 0: its 2-D nets are positively homogeneous (regions are cones from 0).
        """
}

public enum ThreeDimensional: ScalingDimension {
    public static let dimension = 3
    public static var defaultDepths: IntegerList { IntegerList([2, 3]) }
    public static var defaultWidths: IntegerList { IntegerList([8, 16, 32]) }
    public static let defaultSeeds = 2
    public static let abstract =
        "Depth × width × seed sweeps of exact 3-D quantities on [-1,1]^3 (cells per unit volume, Lipschitz, decay)."
    public static let discussion = """
        For each initialisation, depth (linear layers) and width, draws --seeds random nets f: R^3 -> R and measures on
        [-1, 1]^3 the number of linear regions (cells) N_f and N_f per unit volume, L_f, the eq. 7 bound, the total
        face weight sum |J_F| |F|, max |S(k)| |2 pi k|^2 along the heaviest face normal (the k^-2 directions) and the
        exponent fitted along the direction farthest from every face normal and edge circle (Theorem 1: -4). Writes
        scaling.csv, growth.csv, pictures per initialisation, summary.json and run.json.
        """
}

extension ScalingDimension {
    /// Samples of the training target: experiment 1's 200 in 1-D, a 24 × 24 grid in 2-D, 9 × 9 × 9 in 3-D.
    static var trainingRows: Int { [200, 576, 729][dimension - 1] }
    static var pieceName: String { ["pieces", "regions", "cells"][dimension - 1] }
    static var jumpColumn: String { ["total_slope_jump", "total_edge_jump", "total_face_weight"][dimension - 1] }
    /// The box [−1, 1]^d's measure, for the density column (none in 1-D: the pieces cover all of ℝ).
    static var densityColumn: (name: String, measure: Double)? {
        dimension == 1 ? nil : (dimension == 2 ? ("regions_per_unit_area", 4) : ("cells_per_unit_volume", 8))
    }
    static var constantLabel: String {
        ["max|f~|(2 pi k)^2", "max|S|(2 pi |k|)^2 on ridge", "max|S|(2 pi |k|)^2 on the heaviest normal"][dimension - 1]
    }
}

/// How the exact quantities of random ReLU nets grow with depth and width (docs/exact.md: "width helps
/// polynomially and depth exponentially"), measured rather than quoted. Each net is a point with coordinates
/// [init code, depth, width, seed index]: its generator gives the net's seed, then the training target's.
public struct ScalingSweep<D: ScalingDimension>: PointwiseExperiment {
    public static var name: String { "scaling\(D.dimension)d" }

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var depths: IntegerList = D.defaultDepths
        public var widths: IntegerList = D.defaultWidths
        public var seeds: Int = D.defaultSeeds
        public var initializations: [Initialization] = [.pytorch, .he]
        /// Each net is measured after each of these numbers of full-batch Adam steps (lr 3e−4) on a sum of sines —
        /// experiment 1's target in 1-D, Σ_i sin(2π·2i·(u_i·x) + φ_i)/5 on a 24 × 24 grid of [−1, 1]² in 2-D.
        public var trainingSteps = [0]
        public var seed: UInt64 = 0

        public init() {}
        public var masterSeed: UInt64? { seed }

        public func validate() throws {
            guard !depths.values.isEmpty, depths.values.allSatisfy({ (2...64).contains($0) }) else {
                throw SpectralError.usage("--depths must list depths from 2 (one hidden layer) to 64")
            }
            guard !widths.values.isEmpty, widths.values.allSatisfy({ TrainingRanges.width.contains($0) }) else {
                throw SpectralError.usage("--widths must list widths from 1 to 65536")
            }
            guard (1...1000).contains(seeds), !initializations.isEmpty, !trainingSteps.isEmpty,
                trainingSteps.allSatisfy({ TrainingRanges.iterationsOrNone.contains($0) })
            else {
                throw SpectralError.usage(
                    "a sweep needs 1…1000 seeds, an initialisation and training steps in 0…10000000")
            }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            let width = widths.values.max() ?? 1
            let depth = depths.values.max() ?? 2
            estimate.addTraining(
                sizes: mlpSizes(input: D.dimension, width: width, depth: depth), rows: D.trainingRows)
            return estimate
        }
    }

    public struct Point: Codable, Sendable {
        public let initialization: Initialization
        public let depth: Int, width: Int, seedIndex: Int
        let trainingSteps: [Int]
    }

    public struct Row: Codable, Sendable {
        public let initialization: Initialization
        public let depth: Int, width: Int, seed: Int
        /// Adam steps the net was trained for before it was measured (0: as initialised).
        public let trainingSteps: Int
        public let pieces: Int
        public let lipschitz: Double
        public let lipschitzBound: Double  // Π‖W⁽ˡ⁾‖₂ (eq. 7)
        public let totalSlopeJump: Double
        public let spectralConstant: Double
        public let decayExponent: Double?
        public let decayStandardError: Double?
    }

    public struct Summary: Codable, Sendable {
        public struct ByInit: Codable, Sendable {
            public let initialization: Initialization
            public let meanPiecesByDepth: [Double]
            public let meanPiecesByTrainingSteps: [Double]?
        }
        public let nets: Int
        public let measurements: Int
        public let byInitialization: [ByInit]
    }

    public let configuration: Configuration
    /// Frequencies of the 1-D fits and radii of the 2-D ones (cycles per unit).
    let frequencies = stride(from: 1.0, through: 1000, by: 1).map { $0 }
    let radii = geometricRadii(20, 2000, count: 24)

    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }

    public func points() -> [Point] {
        let c = configuration
        let steps = Array(Set(c.trainingSteps)).sorted()
        return c.initializations.flatMap { i in
            c.depths.values.flatMap { d in
                c.widths.values.flatMap { w in
                    (0..<c.seeds).map {
                        Point(initialization: i, depth: d, width: w, seedIndex: $0, trainingSteps: steps)
                    }
                }
            }
        }
    }

    public func coordinates(of p: Point) -> [UInt64] {
        [SeedPolicy.code(of: p.initialization.rawValue), UInt64(p.depth), UInt64(p.width), UInt64(p.seedIndex)]
    }

    public func cost(of p: Point) -> Double {
        let flops = trainingStepFlops(
            sizes: mlpSizes(input: D.dimension, width: p.width, depth: p.depth), rows: D.trainingRows)
        return flops * Double(max(1, p.trainingSteps.max() ?? 0)) + Double(p.width * p.width * p.depth)
    }

    public func run(_ p: Point, context: PointContext) throws -> [Row] {
        var rng = context.generator
        let net = MLP.initialized(
            sizes: mlpSizes(input: D.dimension, width: p.width, depth: p.depth), initialization: p.initialization,
            seed: rng.next())
        let trainer =
            p.trainingSteps.contains { $0 > 0 }
            ? try makeTrainer(net, rng: rng.fork(77), steps: p.trainingSteps.max()!, pool: context.pool) : nil
        var trained = 0
        var rows: [Row] = []
        for checkpoint in p.trainingSteps {
            if checkpoint > trained, let trainer {
                try trainer.train(steps: checkpoint - trained) { step, _ in
                    if step % 100 == 0 { try context.checkInterrupt() }
                }
                trained = checkpoint
            }
            if let bad = net.firstNonFiniteParameter() {
                throw SpectralError.runtime("training diverged by step \(checkpoint): \(bad)")
            }
            let bound = (0..<net.layerCount).map { net.spectralNorm($0, tolerance: 1e-9) }.reduce(1, *)
            let m = try measure(net, pool: context.pool)
            rows.append(
                Row(
                    initialization: p.initialization, depth: p.depth, width: p.width, seed: p.seedIndex,
                    trainingSteps: checkpoint,
                    pieces: m.pieces, lipschitz: m.lipschitz, lipschitzBound: bound, totalSlopeJump: m.jump,
                    spectralConstant: m.constant, decayExponent: m.decay?.slope,
                    decayStandardError: m.decay?.standardError))
            try context.checkInterrupt()
        }
        try context.advance(note: "\(p.initialization.rawValue) depth \(p.depth) width \(p.width)")
        return rows
    }

    private func makeTrainer(_ net: MLP, rng: SplitMix64, steps: Int, pool: ThreadPool) throws -> Trainer {
        var rng = rng
        var inputs: [Float] = []
        var targets: [Float] = []
        if D.dimension == 3 {
            (inputs, targets) = threeDimensionalTarget(rng: &rng)
        } else if D.dimension == 1 {
            let target = try SumOfSines(
                frequencies: SumOfSines.paperFrequencies,
                amplitudes: SumOfSines.paperAmplitudes(increasing: false), rng: &rng)
            let (z, values) = target.samples(200)
            (inputs, targets) = (z.map(Float.init), values.map(Float.init))
        } else {
            let directions = (1...5).map { _ in rng.uniform(0, 2 * Double.pi) }
            let phases = (1...5).map { _ in rng.uniform(0, 2 * Double.pi) }
            for a in 0..<24 {
                for b in 0..<24 {
                    let (x, y) = (-1 + 2 * Double(a) / 23, -1 + 2 * Double(b) / 23)
                    var value = 0.0
                    for i in 0..<5 {
                        value +=
                            sin(
                                2 * Double.pi * Double(2 * (i + 1)) * (x * cos(directions[i]) + y * sin(directions[i]))
                                    + phases[i]) / 5
                    }
                    inputs += [Float(x), Float(y)]
                    targets.append(Float(value))
                }
            }
        }
        let data = try Dataset(inputs: inputs, targets: targets, rows: targets.count)
        return try Trainer(
            net: net, data: data, configuration: TrainingConfiguration(steps: steps, learningRate: 3e-4),
            gemm: GEMM(pool: pool))
    }

    /// Σ_i sin(2π·2i·(u_i·x) + φ_i)/5, i = 1…5, u_i uniform on the sphere, on a 9 × 9 × 9 grid of [−1, 1]³.
    private func threeDimensionalTarget(rng: inout SplitMix64) -> ([Float], [Float]) {
        let directions = (1...5).map { _ -> SIMD3<Double> in
            let (z, a) = (rng.uniform(-1, 1), rng.uniform(0, 2 * Double.pi))
            return SIMD3((1 - z * z).squareRoot() * cos(a), (1 - z * z).squareRoot() * sin(a), z)
        }
        let phases = (1...5).map { _ in rng.uniform(0, 2 * Double.pi) }
        var (inputs, targets): ([Float], [Float]) = ([], [])
        let axis = (0..<9).map { -1 + 2 * Double($0) / 8 }
        for x in axis {
            for y in axis {
                for z in axis {
                    let p = SIMD3(x, y, z)
                    let value = (0..<5).reduce(0.0) {
                        $0 + sin(2 * Double.pi * Double(2 * ($1 + 1)) * (directions[$1] * p).sum() + phases[$1]) / 5
                    }
                    inputs += [Float(x), Float(y), Float(z)]
                    targets.append(Float(value))
                }
            }
        }
        return (inputs, targets)
    }

    private typealias Measurement = (pieces: Int, lipschitz: Double, jump: Double, constant: Double, decay: DecayFit?)

    private func measure(_ net: MLP, pool: ThreadPool) throws -> Measurement {
        switch D.dimension {
        case 1: return try measure1D(net, pool: pool)
        case 2: return try measure2D(net, pool: pool)
        default: return try measure3D(net, pool: pool)
        }
    }

    private func measure3D(_ net: MLP, pool: ThreadPool) throws -> Measurement {
        let regions = try enumerateRegions3D(try ExactNetwork(net, inputs: 3), box: .unit, pool: pool)
        let lipschitz = regions.gradient.map { ($0 * $0).sum().squareRoot() }.max() ?? 0
        let spectrum = ExactSpectrum3D(regions, pool: pool)
        let normals = spectrum.faceNormals()
        guard let heaviest = normals.first else { return (regions.cellCount, lipschitz, 0, 0, nil) }
        let generic = farthestDirection(
            from: normals + spectrum.edgeDirections(), candidates: fibonacciSphere(count: 4000))
        let decays = spectrum.directionalDecay(directions: [heaviest.direction, generic.direction], radii: radii)
        let constant = zip(radii, decays[0].magnitudes).map { $1 * pow(2 * Double.pi * $0, 2) }.max() ?? 0
        return (regions.cellCount, lipschitz, normals.reduce(0) { $0 + $1.weight }, constant, decays[1].fit)
    }

    private func measure1D(_ net: MLP, pool: ThreadPool) throws -> Measurement {
        let f = try enumerateKinks(try ExactNetwork(net), pool: pool)
        let spectrum = ExactSpectrum1D(f, pool: pool).kinkSpectrum(frequencies)
        let check = Theorem1DCheck(f, frequencies: frequencies, kinkSpectrum: spectrum)
        return (
            f.pieces, f.lipschitz, f.totalSlopeJump, check.largestScaledSpectrum, f.kinks.count >= 2 ? check.decay : nil
        )
    }

    private func measure2D(_ net: MLP, pool: ThreadPool) throws -> Measurement {
        let regions = try enumerateRegions(
            try ExactNetwork(net, inputs: 2), domain: boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1), pool: pool)
        let ridges = regions.ridges()
        guard let heaviest = ridges.first else { return (regions.regionCount, regions.lipschitz, 0, 0, nil) }
        let decays = ExactSpectrum2D(regions, pool: pool).directionalDecay(
            angles: [heaviest.angle, genericAngle(avoiding: ridges)], radii: radii)
        let constant = zip(radii, decays[0].magnitudes).map { $1 * pow(2 * Double.pi * $0, 2) }.max() ?? 0
        return (
            regions.regionCount, regions.lipschitz, ridges.reduce(0) { $0 + $1.weight }, constant,
            ridges.count >= 2 ? decays[1].fit : nil
        )
    }

    public func result(from results: [[Row]]) throws -> [Row] { results.flatMap { $0 } }

    private var pieceName: String { D.pieceName }

    /// Writes scaling.csv, growth.csv (fitted rates) and the pictures.
    public func write(_ rows: [Row], to folder: OutputFolder) throws -> Summary {
        let density = D.densityColumn
        var table = CSVTable(
            header: [
                "init", "depth", "width", "seed", "training_steps", pieceName, "lipschitz", "lipschitz_bound_eq7",
                D.jumpColumn, "spectral_constant", D.dimension == 1 ? "decay_exponent" : "generic_decay_exponent",
                "decay_exponent_standard_error",
            ] + (density.map { [$0.name] } ?? []))
        for r in rows {
            table.append(
                [
                    .text(r.initialization.rawValue), .int(r.depth), .int(r.width), .int(r.seed), .int(r.trainingSteps),
                    .int(r.pieces),
                    .double(r.lipschitz), .double(r.lipschitzBound), .double(r.totalSlopeJump),
                    .double(r.spectralConstant),
                    r.decayExponent.map { .double($0) } ?? .empty, r.decayStandardError.map { .double($0) } ?? .empty,
                ]
                    + (density.map { [.double(Double(r.pieces) / $0.measure)] } ?? []))
        }
        try folder.write(table, "scaling.csv")
        try folder.write(growthTable(rows), "growth.csv")
        try writePictures(rows, to: folder)
        return summary(rows)
    }

    private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(1, values.count)) }
    private var firstCheckpoint: Int { configuration.trainingSteps.min() ?? 0 }

    /// log N_f against log width at fixed depth (polynomial degree), and log N_f, log L_f against depth at fixed width
    /// (exponential rate per layer), for the nets as first measured.
    private func growthTable(_ rows: [Row]) -> CSVTable {
        let c = configuration
        var growth = CSVTable(header: [
            "init", "quantity", "against", "fixed", "fixed_value", "slope", "standard_error", "points",
        ])
        for initialization in c.initializations {
            let mine = rows.filter { $0.initialization == initialization && $0.trainingSteps == firstCheckpoint }
            for depth in c.depths.values where c.widths.values.count >= 3 {
                let pts = c.widths.values.map { w in
                    (Double(w), mean(mine.filter { $0.depth == depth && $0.width == w }.map { Double($0.pieces) }))
                }
                if let fit = DecayFit.fit(frequencies: pts.map(\.0), magnitudes: pts.map(\.1)) {
                    growth.append([
                        .text(initialization.rawValue), .text("log \(pieceName)"), "log width", "depth", .int(depth),
                        .double(fit.slope), .double(fit.standardError), .int(fit.points),
                    ])
                }
            }
            for width in c.widths.values where c.depths.values.count >= 3 {
                for (name, value) in [
                    ("log \(pieceName)", { (r: Row) in Double(r.pieces) }),
                    ("log lipschitz", { (r: Row) in r.lipschitz }),
                ] {
                    let xs = c.depths.values.map(Double.init)
                    let ys = c.depths.values.map { d in
                        log(mean(mine.filter { $0.depth == d && $0.width == width }.map(value)))
                    }
                    if let fit = LineFit(x: xs, y: ys) {
                        growth.append([
                            .text(initialization.rawValue), .text(name), "depth", "width", .int(width),
                            .double(fit.slope), .double(fit.standardError), .int(xs.count),
                        ])
                    }
                }
            }
        }
        return growth
    }

    private func summary(_ rows: [Row]) -> Summary {
        let c = configuration
        let checkpoints = Array(Set(c.trainingSteps)).sorted()
        return Summary(
            nets: rows.count / max(1, checkpoints.count), measurements: rows.count,
            byInitialization: c.initializations.map { i in
                let mine = rows.filter { $0.initialization == i }
                return Summary.ByInit(
                    initialization: i,
                    meanPiecesByDepth: c.depths.values.map { d in
                        mean(
                            mine.filter { $0.depth == d && $0.trainingSteps == firstCheckpoint }.map {
                                Double($0.pieces)
                            })
                    },
                    meanPiecesByTrainingSteps: checkpoints.count > 1
                        ? checkpoints.map { s in mean(mine.filter { $0.trainingSteps == s }.map { Double($0.pieces) }) }
                        : nil)
            })
    }

    private func writePictures(_ rows: [Row], to folder: OutputFolder) throws {
        let c = configuration
        let (depths, widths) = (c.depths.values, c.widths.values)
        for initialization in c.initializations {
            let mine = rows.filter { $0.initialization == initialization && $0.trainingSteps == firstCheckpoint }
            func cell(_ d: Int, _ w: Int, _ value: (Row) -> Double) -> Double {
                mean(mine.filter { $0.depth == d && $0.width == w }.map(value))
            }
            let name = initialization.rawValue
            try folder.write(
                linePlot(
                    title:
                        "Linear \(pieceName) N_f of random \(D.dimension)-D nets (\(name) init), mean over \(c.seeds) seeds",
                    series: depths.map { d in
                        Series(
                            name: "depth \(d)", x: widths.map(Double.init),
                            y: widths.map { cell(d, $0) { Double($0.pieces) } })
                    },
                    xLabel: "width", yLabel: "\(pieceName) N_f", logX: true, logY: true),
                "\(pieceName)_vs_width_\(name)")
            try folder.write(
                linePlot(
                    title: "Lipschitz constant L_f and spectral constant (\(name) init)",
                    series: widths.flatMap { w in
                        [
                            Series(
                                name: "L_f, width \(w)", x: depths.map(Double.init),
                                y: depths.map { cell($0, w) { $0.lipschitz } }),
                            Series(
                                name: "\(D.constantLabel), width \(w)",
                                x: depths.map(Double.init), y: depths.map { cell($0, w) { $0.spectralConstant } },
                                dashed: true),
                        ]
                    }, xLabel: "depth (linear layers)", yLabel: "constant", logY: true), "constants_vs_depth_\(name)")
        }
        let checkpoints = Array(Set(c.trainingSteps)).sorted()
        guard checkpoints.count > 1 else { return }
        for initialization in c.initializations {
            let mine = rows.filter { $0.initialization == initialization }
            let byCheckpoint = { (d: Int, value: (Row) -> Double) in
                checkpoints.map { s in self.mean(mine.filter { $0.depth == d && $0.trainingSteps == s }.map(value)) }
            }
            try folder.write(
                linePlot(
                    title:
                        "Training and the exact constants (\(initialization.rawValue) init), mean over widths and seeds",
                    series: depths.flatMap { d in
                        [
                            Series(
                                name: "\(pieceName), depth \(d)", x: checkpoints.map(Double.init),
                                y: byCheckpoint(d) { Double($0.pieces) }),
                            Series(
                                name: "L_f, depth \(d)", x: checkpoints.map(Double.init),
                                y: byCheckpoint(d) { $0.lipschitz }, dashed: true),
                        ]
                    }, xLabel: "Adam steps", yLabel: "N_f (solid), L_f (dashed)", logY: true),
                "training_\(initialization.rawValue)")
        }
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        ["\(Self.name): \(s.nets) nets, \(s.measurements) measurements; results in \(folder.path)"]
    }
}

/// Initialisations separated by commas.
/// `--inits pytorch,he`.
public typealias InitializationList = EnumList<Initialization>

public struct ScalingCommand<D: ScalingDimension>: ExperimentCommand {
    public typealias Runner = ScalingSweep<D>
    public static var description: CommandDescription {
        CommandDescription(name: "scaling\(D.dimension)d", abstract: D.abstract, discussion: D.discussion)
    }

    @Option(help: "depths (linear layers)", check: .count(1...64, each: 2...64)) var depths: IntegerList = D
        .defaultDepths
    @Option(help: "widths", check: .count(1...64, each: TrainingRanges.width)) var widths: IntegerList = D.defaultWidths
    @Option(help: "random nets per cell", check: .within(1...1000)) var seeds: Int = D.defaultSeeds
    @Option(help: "initialisations: pytorch, he, glorot") var inits = InitializationList([.pytorch, .he])
    @Option(
        help: "measure each net after these numbers of Adam steps on a sum of sines",
        check: .count(1...100, each: TrainingRanges.iterationsOrNone))
    var trainSteps = IntegerList([0])
    @OptionGroup var seeding: SeedOptions
    @OptionGroup var sharding: ShardOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public var shard: Shard? { sharding.shard?.shard }

    public func configuration() throws -> ScalingSweep<D>.Configuration {
        var c = ScalingSweep<D>.Configuration()
        (c.depths, c.widths, c.seeds, c.initializations) = (depths, widths, seeds, inits.values)
        c.trainingSteps = Array(Set(trainSteps.values)).sorted()
        c.seed = seeding.seed
        return c
    }
}
