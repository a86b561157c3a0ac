import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralPlot

extension Paths {
    public struct Summary: Codable, Sendable {
        public struct KindSummary: Codable, Sendable {
            public let kind: String, pairs: Int
            /// Fractions of the pairs: NEB's dense verdict, NEB's path checked exactly, the straight segment.
            public let nebConnected: Double, nebExactConnected: Double, straightConnected: Double
            /// Length ratio (path / straight line) over the pairs NEB connected: mean and standard deviation.
            public let ratioMean: Double?, ratioDeviation: Double?
            /// 2-D: pairs in one exact component, and the mean ratio of the path found inside it.
            public let sameComponent: Double?, insideRatioMean: Double?
        }
        public let samples: Int, adversarial: Int, adversarialReached: Int
        public let sampleAccuracy: Double?
        public let kinds: [KindSummary]
        /// 2-D: pairs NEB connected (its path checked exactly) whose ends lie in different exact components (must
        /// be 0), and pairs in one component that NEB did not connect.
        public let nebConnectedAcrossComponents: Int?, exactConnectionsNEBMissed: Int?
        /// 2-D: pairs with an end the exact analysis could not place (outside the domain, or |f| at rounding level).
        public let unplacedPairs: Int?
        public let regions: Int?, components: Int?
        /// 2-D: the least and greatest logit on the domain (exact); p ≥ 0.99 needs |f| ≥ ln 99 ≈ 4.6.
        public let logitRange: [Double]?
        public let pivots: Int
    }

    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        try writeSamples(r, to: folder)
        try folder.writeTable(
            [
                "pair", "kind", "connected", "length", "straight_length", "ratio", "min_margin", "pivots", "class",
                "exact_path_margin", "exact_connected", "straight_margin", "straight_connected", "sample_a", "sample_b",
            ], count: r.pairs.count, "paths.csv"
        ) { i in
            let p = r.pairs[i]
            return [
                .int(i), .text(p.kind.rawValue), .int(p.path.connected ? 1 : 0), .double(p.path.length),
                .double(p.path.straightLength), .double(p.path.ratio), .double(p.path.minMargin),
                .int(p.path.pivots.count / r.box.dimension), .int(p.path.sign > 0 ? 1 : 0), .double(p.exactPathMargin),
                .int(p.exactPathMargin > 0 ? 1 : 0), .double(p.straightMargin), .int(p.straightMargin > 0 ? 1 : 0),
                .int(p.a), .int(p.b),
            ]
        }
        if r.components != nil {
            try folder.writeTable(
                [
                    "pair", "kind", "neb_connected", "neb_exact_connected", "same_component", "inside_length",
                    "inside_ratio",
                ],
                count: r.pairs.count, "agreement.csv"
            ) { i in
                let p = r.pairs[i]
                return [
                    .int(i), .text(p.kind.rawValue), .int(p.path.connected ? 1 : 0),
                    .int(p.exactPathMargin > 0 ? 1 : 0),
                    p.sameComponent.map { .int($0 ? 1 : 0) } ?? .empty,
                    p.insidePathLength.map { .double($0) } ?? .empty,
                    p.insidePathLength.map { .double($0 / p.path.straightLength) } ?? .empty,
                ]
            }
        }
        if let net = r.trainedClassifier { try folder.write(net, "classifier.safetensors") }
        try folder.write(ratioHistogram(r), "ratios")
        if r.box.dimension == 784, let pair = showcasePair(r) { try folder.write(imageStrip(r, pair), "path_images") }
        if let components = r.components { try folder.write(pathMap(r, components), "paths_map") }
        return summary(r)
    }

    /// One row per sample; for 2-input nets with its coordinates.
    func writeSamples(_ r: Result, to folder: OutputFolder) throws {
        let coordinates = r.box.dimension == 2 ? ["x1", "x2"] : []
        try folder.writeTable(
            [
                "sample", "class", "adversarial", "source", "target_probability", "attack_iterations", "reached",
                "attack_distance",
            ] + coordinates, count: r.samples.count, "samples.csv"
        ) { i in
            let s = r.samples[i]
            return [
                .int(i), .int(s.classSign > 0 ? 1 : 0), .int(s.adversarial ? 1 : 0), .int(s.source),
                s.adversarial ? .double(s.targetProbability) : .empty, .int(s.attackIterations),
                .int(s.reached ? 1 : 0),
                .double(s.attackDistance),
            ] + (coordinates.isEmpty ? [] : s.point.map { .double(Double($0)) })
        }
    }

    func summary(_ r: Result) -> Summary {
        func fraction(_ xs: [PairResult], _ test: (PairResult) -> Bool) -> Double {
            Double(xs.filter(test).count) / Double(max(1, xs.count))
        }
        let kinds = PairKind.allCases.map { kind -> Summary.KindSummary in
            let xs = r.pairs.filter { $0.kind == kind }
            let ratios = xs.filter { $0.path.connected }.map(\.path.ratio)
            let inside = xs.compactMap { p in p.insidePathLength.map { $0 / p.path.straightLength } }
            let mean = ratios.isEmpty ? nil : ratios.reduce(0, +) / Double(ratios.count)
            let deviation = mean.map { m in
                (ratios.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(ratios.count)).squareRoot()
            }
            return Summary.KindSummary(
                kind: kind.rawValue, pairs: xs.count, nebConnected: fraction(xs) { $0.path.connected },
                nebExactConnected: fraction(xs) { $0.exactPathMargin > 0 },
                straightConnected: fraction(xs) { $0.straightMargin > 0 }, ratioMean: mean, ratioDeviation: deviation,
                sameComponent: r.components == nil ? nil : fraction(xs) { $0.sameComponent == true },
                insideRatioMean: inside.isEmpty ? nil : inside.reduce(0, +) / Double(inside.count))
        }
        let twoD = r.components != nil
        let adversarial = r.samples.filter(\.adversarial)
        return Summary(
            samples: r.samples.count, adversarial: adversarial.count,
            adversarialReached: adversarial.filter(\.reached).count, sampleAccuracy: r.sampleAccuracy, kinds: kinds,
            nebConnectedAcrossComponents: twoD
                ? r.pairs.filter { $0.exactPathMargin > 0 && $0.sameComponent == false }.count : nil,
            exactConnectionsNEBMissed: twoD
                ? r.pairs.filter { $0.sameComponent == true && !$0.path.connected }.count : nil,
            unplacedPairs: twoD ? r.pairs.filter { $0.sameComponent == nil }.count : nil,
            regions: r.components?.regions.regionCount, components: r.components?.decision.components.count,
            logitRange: r.components.map { [$0.logitRange.lowerBound, $0.logitRange.upperBound] },
            pivots: configuration.neb.finalPivotCount)
    }

    /// Length ratios of the connected paths, binned, one stack per pair kind.
    func ratioHistogram(_ r: Result) -> Figure {
        let ratios = r.pairs.filter { $0.path.connected }.map(\.path.ratio)
        let top = max(1.01, ratios.max() ?? 1.01)
        let bins = 10
        let width = (top - 1) / Double(bins)
        let stacks = PairKind.allCases.map { kind -> (name: String, values: [Double]) in
            var counts = [Double](repeating: 0, count: bins)
            for p in r.pairs where p.kind == kind && p.path.connected {
                counts[min(bins - 1, max(0, Int((p.path.ratio - 1) / width)))] += 1
            }
            return (kind.rawValue, counts)
        }
        let labels = (0..<bins).map { String(format: "%.3f", 1 + (Double($0) + 0.5) * width) }
        return barChart(
            title: "NEB path length / straight length, connected pairs (\(ratios.count) of \(r.pairs.count))",
            categories: labels, stacks: stacks, yLabel: "pairs")
    }

    /// The pair whose images are shown: the first connected train–adversarial pair, else the first pair.
    func showcasePair(_ r: Result) -> PairResult? {
        r.pairs.first { $0.kind == .trainAdversarial && $0.exactPathMargin > 0 } ?? r.pairs.first
    }

    /// The pivots of one MNIST path as 28 × 28 tiles side by side, with the classifier's p(class) under each.
    func imageStrip(_ r: Result, _ pair: PairResult) -> Figure {
        let d = 784
        let k = pair.path.pivots.count / d
        let gap = 2
        var values = [[Double]](repeating: [Double](repeating: .nan, count: k * (28 + gap)), count: 28)
        for t in 0..<k {
            for row in 0..<28 {
                for col in 0..<28 {
                    values[27 - row][t * (28 + gap) + col] = Double(pair.path.pivots[t * d + row * 28 + col])
                }
            }
        }
        let p = r.classifier.logits(pair.path.pivots).map { sigmoid(Double(pair.path.sign * $0)) }
        let low = p.min() ?? .nan
        return heatMap(
            title: "A \(pair.kind.rawValue) path, \(k) pivots; min p(target class) \(String(format: "%.4f", low)) "
                + "at the pivots, ratio \(String(format: "%.4f", pair.path.ratio))",
            values: values, xValues: (0..<(k * (28 + gap))).map(Double.init), yValues: (0..<28).map(Double.init),
            xLabel: "pivots along the path, left to right", yLabel: "", colorLabel: "pixel", range: 0...1,
            width: max(900, k * 90),
            height: 300
        ) { v in RGB(UInt8(255 * (1 - v)), UInt8(255 * (1 - v)), UInt8(255 * (1 - v))) }
    }

    /// The exact class regions with the samples, a few NEB paths (solid) and the paths found inside the exact
    /// components (dashed).
    func pathMap(_ r: Result, _ components: ClassComponents2D) -> Figure {
        var series: [Series] = []
        var named: Set<String> = []
        func name(_ text: String) -> String { named.insert(text).inserted ? text : "" }
        for (i, p) in r.pairs.enumerated() where i % max(1, r.pairs.count / 12) == 0 {
            let xs = stride(from: 0, to: p.path.pivots.count, by: 2).map { Double(p.path.pivots[$0]) }
            let ys = stride(from: 1, to: p.path.pivots.count, by: 2).map { Double(p.path.pivots[$0]) }
            let positive = p.path.sign > 0
            series.append(
                Series(
                    name: name("NEB paths, class \(positive ? 1 : 0)"), x: xs, y: ys,
                    color: positive ? RGB(200, 30, 30) : RGB(20, 60, 200)))
            if let inside = p.insidePath {
                series.append(
                    Series(
                        name: name("paths inside the exact components"), x: inside.map(\.x), y: inside.map(\.y),
                        dashed: true, color: RGB.palette[4]))
            }
        }
        for (adversarial, name, color) in [(false, "samples", RGB.palette[0]), (true, "adversarial", RGB.palette[3])] {
            let s = r.samples.filter { $0.adversarial == adversarial }
            series.append(
                Series(
                    name: name, x: s.map { Double($0.point[0]) }, y: s.map { Double($0.point[1]) }, pointsOnly: true,
                    color: color))
        }
        return decisionMap(
            components.regions, components.decision,
            title: "Class regions (\(components.decision.components.count) components), NEB and exact paths",
            series: series)
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        var lines = s.kinds.map { k in
            String(
                format: "%@: %d pairs, NEB connects %.1f%% (%.1f%% checked exactly), straight line %.1f%%, ratio %@",
                k.kind, k.pairs, 100 * k.nebConnected, 100 * k.nebExactConnected, 100 * k.straightConnected,
                k.ratioMean.map { String(format: "%.4f ± %.4f", $0, k.ratioDeviation ?? 0) } ?? "–")
        }
        let goal = configuration.attackMargin.map { String(format: "s·f ≥ %.4g", $0) } ?? "p ≥ 0.99"
        lines.append("adversarial samples: \(s.adversarialReached) of \(s.adversarial) reached \(goal)")
        if let range = s.logitRange {
            lines.append(String(format: "the logit on the box, exactly: %.4g … %.4g", range[0], range[1]))
        }
        if let across = s.nebConnectedAcrossComponents, let missed = s.exactConnectionsNEBMissed {
            lines.append(
                "exact 2-D: NEB connections across components \(across); connections NEB missed \(missed)")
        }
        lines.append("results in \(folder.path)")
        return lines
    }
}

public struct PathsCommand: ExperimentCommand {
    public typealias Runner = Paths
    public static let description = CommandDescription(
        name: "paths",
        abstract: "Path connectivity of a classifier's class regions: attacks, AutoNEB paths, exact checks.",
        discussion: """
            For a binary classifier (one logit, class 1 where it is > 0): per class, --per-class samples it puts
            there and as many of the other class moved there by a targeted gradient attack (p ≥ 0.99, or s·f ≥
            --attack-margin); pairs of
            each kind (train-train, train-adversarial, adversarial-adversarial; --pairs per kind and class) joined
            by AutoNEB without springs (--cycles × --steps SGD steps, --lr, --momentum, pivots at equal spacing),
            judged on 9 points per segment as the paper does, then checked exactly (f on each segment is a 1-input
            ReLU net). The classifier: --weights (safetensors, Float32), or --model (ONNX or safetensors, any
            piecewise-linear network, evaluated in Float64; --output I or --margin A,B picks its logit, and on MNIST
            a model with ten logits defaults to logit(second digit) - logit(first)). Samples: --mnist DIR (the
            training 80% of digits --classes; without a classifier one is trained first and saved) or --curve L
            (exp6's inputs, with --weights or --model, e.g. exp6's weights_k200_L20);
            2-input nets also get the exact answer from their class regions' components on --box. Writes
            paths.csv, samples.csv, agreement.csv (2-D), the ratio histogram, path_images (MNIST), paths_map (2-D),
            summary.json and run.json.
            """)

    @Option(help: "safetensors file of the classifier (default with --mnist: train one)") var weights: InputFile?
    @OptionGroup var model: ModelOptions
    @Option(help: "folder with MNIST's IDX files: samples from the training 80% of the two digits")
    var mnist: OutputPath?
    @Option(help: "the two digits (class 0, class 1)", check: .count(2...2, each: 0...9)) var classes = IntegerList([
        3, 8,
    ])
    @Option(help: "exp6's curve γ_L: samples γ_L(j/N) for this L", check: .within(0...1000)) var curve: Int?
    @Option(help: "N, the curve's samples", check: .within(4...1_000_000)) var curveSamples = 1000
    @Option(help: "samples per class, and adversarial samples made for each", check: .within(2...10_000))
    var perClass = 50
    @Option(help: "pairs per kind and class (drawn without replacement)", check: .within(1...1_000_000)) var pairs = 100
    @Option(help: "AutoNEB cycles", check: .within(1...100)) var cycles = 4
    @Option(help: "SGD steps per cycle", check: .within(0...100_000)) var steps = 10
    @Option(help: "NEB learning rate") var lr = 0.001
    @Option(help: "NEB momentum") var momentum = 0.9
    @Option(help: "NEB's objective: nll (−log p of the target class) or logit (the target logit, unbounded)")
    var objective = InputSpaceObjective.negativeLogLikelihood
    @Option(help: "attack step as a fraction of the input box's diagonal") var attackStep = 0.005
    @Option(help: "attack steps at most", check: .within(1...1_000_000)) var attackIterations = 2000
    @Option(help: "the margin s·f at which an attack stops (default log 99: p ≥ 0.99 for a logit)", check: .positive)
    var attackMargin: Double?
    @Option(help: "training steps of the classifier made without --weights", check: .within(1...100_000))
    var trainSteps = 300
    @Option(help: "learning rate of that training") var trainLr = 1e-3
    @Option(help: "the box of the exact 2-D analysis") var box = Box2D(
        x: NumberPair(-1.6, 1.6), y: NumberPair(-1.6, 1.6))
    @Option(help: "stop with an error beyond this many linear regions", check: .within(1...Int(Int32.max)))
    var maxRegions = EnumerationLimits.regions.maximumCount
    @OptionGroup var seeding: SeedOptions
    @OptionGroup public var output: OutputOptions
    public init() {}

    public func validate() throws {
        try exclusive($mnist, $curve)
        guard mnist != nil || curve != nil else { throw SpectralError.usage("give --mnist DIR or --curve L") }
        guard classes.values[0] != classes.values[1] else {
            throw SpectralError.usage("--classes must name two different digits")
        }
        let loaded = weights != nil || model.model != nil
        try ignored($trainSteps, when: loaded, "with --weights or --model (the classifier is loaded, not trained)")
        try ignored($trainLr, when: loaded, "with --weights or --model (the classifier is loaded, not trained)")
        try ignored(model.$through, when: true, "in paths (its lines run between the samples)")
        try ignored(model.$output, when: model.model == nil, "without --model")
        try ignored(model.$margin, when: model.model == nil, "without --model")
        try ignored($box, when: curve == nil, "without --curve (the exact analysis is for 2-input nets)")
    }

    public func configuration() throws -> Paths.Configuration {
        let samples: Paths.Samples
        if let mnist {
            let source = MNISTSource(
                folder: URL(fileURLWithPath: mnist.path).standardizedFileURL.path,
                split: MNISTSource.resolve(folder: mnist.path, split: .auto), classes: classes.values)
            _ = try source.files()
            samples = .mnist(source)
        } else {
            samples = .curve(wraps: curve!, count: curveSamples)
        }
        var c = Paths.Configuration(samples: samples)
        (c.weights, c.perClass, c.pairs, c.seed) = (weights, perClass, pairs, seeding.seed)
        if model.model != nil { c.model = try model.source(weights: weights) }
        (c.neb.cycles, c.neb.steps, c.neb.learningRate, c.neb.momentum) = (cycles, steps, lr, momentum)
        c.neb.objective = objective
        (c.attackStep, c.attackIterations, c.attackMargin) = (attackStep, attackIterations, attackMargin)
        (c.training.steps, c.training.learningRate) = (trainSteps, trainLr)
        (c.domain, c.maxRegions) = (.box(box), maxRegions)
        return c
    }
}

extension InputSpaceObjective: ExpressibleByArgument {}
