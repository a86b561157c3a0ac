import Foundation
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import Synchronization

extension Paths {
    /// The sample set: rows × d inputs, the true class (0/1) of each where known, and the valid box.
    struct SampleSet {
        let inputs: [Float]
        let labels: [Int]?
        let box: InputBox
        var count: Int { inputs.count / box.dimension }
        func row(_ i: Int) -> [Float] { Array(inputs[(i * box.dimension)..<((i + 1) * box.dimension)]) }
    }

    func loadSamples() throws -> SampleSet {
        switch configuration.samples {
        case .curve(let L, let count):
            let corners = configuration.domain.corners
            let (xs, ys) = (corners.map(\.x), corners.map(\.y))
            return SampleSet(
                inputs: ManifoldCurve(L: L).inputs(manifoldSamples(count)), labels: nil,
                box: InputBox(low: [xs.min()!, ys.min()!], high: [xs.max()!, ys.max()!]))
        case .mnist(let source):
            let subset = try MNISTSubset(source)
            // The MNIST issue's split: the first 80% in file order train; the samples come from it.
            let training = Int((Double(subset.count) * 0.8).rounded(.down))
            return SampleSet(
                inputs: Array(subset.pixels[0..<(training * 784)]),
                labels: subset.digits[0..<training].map { $0 == source.classes[0] ? 0 : 1 },
                box: InputBox(low: 0, high: 1, dimension: 784))
        }
    }

    /// The classifier the searches use, the exact checks, and the net to save when trained here.
    struct Classifiers {
        typealias SegmentMargin = @Sendable (_ u: [Double], _ w: [Double], _ sign: Double, ThreadPool) throws -> Double
        let search: any InputSpaceClassifier
        /// min s·f on the segment from u to w, exactly.
        let minimumMargin: SegmentMargin
        /// The network of a 2-input classifier for its class regions.
        let plane: () throws -> ExactNetwork
        let trained: MLP?
    }

    func makeClassifiers(for set: SampleSet, context: RunContext) throws -> Classifiers {
        if let model = configuration.model { return try modelClassifiers(model, for: set, context: context) }
        let (net, trainedHere) = try makeClassifier(for: set, context: context)
        let exact = try ExactNetwork(net, inputs: set.box.dimension)
        return Classifiers(
            search: try BinaryClassifier(net: net, gemm: GEMM(pool: context.pool)),
            minimumMargin: { try exact.minimumMargin(from: $0, to: $1, sign: $2, pool: $3) }, plane: { exact },
            trained: trainedHere ? net : nil)
    }

    /// `--model`: the network in the piecewise-linear form, for the searches (in Float64) and the exact checks. A
    /// multi-logit model on MNIST samples is read as logit(second digit) − logit(first) unless an output is chosen.
    /// Each segment is checked as exact1d checks a line: the form restricted to it and simplified on it, costing the
    /// units that cross it. (The form's chain over the whole input space would be faster per segment for a dense
    /// net, but for a wide convolution over 784 inputs it is many GiB.)
    func modelClassifiers(_ model: ModelSource, for set: SampleSet, context: RunContext) throws -> Classifiers {
        let whole = try model.network()
        guard whole.inputCount == set.box.dimension else {
            throw SpectralError.badInput(
                "\(model.file.path) takes \(whole.inputCount) inputs; the samples have \(set.box.dimension)")
        }
        var selection = model.selection
        if selection == .only, whole.outputCount > 1, case .mnist(let source) = configuration.samples,
            source.classes.allSatisfy({ $0 < whole.outputCount })
        {
            selection = .margin(source.classes[1], source.classes[0])
        }
        let single = try whole.selecting(selection)
        return Classifiers(
            search: try PiecewiseLinearClassifier(single, pool: context.pool),
            minimumMargin: { u, w, sign, pool in
                guard u != w else { return sign * single.evaluate(u)[0] }
                let slice = try InputSlice(through: [u, w])
                let length = slice.pointCoordinates[1][0]
                let line = try single.restricted(to: slice, box: [0...length]).chain()
                return try line.minimumMargin(from: [0], to: [length], sign: sign, pool: pool)
            }, plane: { try single.chain() }, trained: nil)
    }

    func makeClassifier(for set: SampleSet, context: RunContext) throws -> (MLP, trainedHere: Bool) {
        let c = configuration
        if let weights = c.weights {
            let net = try MLP.load(from: URL(fileURLWithPath: weights.path))
            guard net.inputSize == set.box.dimension, net.outputSize == 1 else {
                throw SpectralError.badInput(
                    "\(weights.path) maps \(net.inputSize) inputs to \(net.outputSize) outputs; the samples need "
                        + "\(set.box.dimension) inputs and 1 output (a logit)")
            }
            return (net, false)
        }
        let labels = set.labels!.map(Float.init)
        var rng = context.generator([SeedPolicy.code(of: "paths classifier")])
        let net = MLP.initialized(
            sizes: mlpSizes(input: set.box.dimension, width: c.training.width, depth: c.training.depth),
            initialization: .pytorch, seed: rng.next())
        var training = TrainingConfiguration(steps: c.training.steps, learningRate: c.training.learningRate)
        training.loss = .bceWithLogits
        let data = try Dataset(inputs: set.inputs, targets: labels, rows: set.count)
        let trainer = try Trainer(net: net, data: data, configuration: training, gemm: GEMM(pool: context.pool))
        let progress = context.progress(total: c.training.steps)
        try trainer.train { step, _ in
            try context.checkInterrupt()
            progress.update(step, note: "training the classifier")
        }
        if let bad = net.firstNonFiniteParameter() {
            throw SpectralError.runtime("training the classifier diverged (\(bad)); lower --train-lr")
        }
        return (net, true)
    }

    public func run(_ context: RunContext) throws -> Result {
        let c = configuration
        let set = try context.time("samples") { try loadSamples() }
        let made = try context.time("classifier") { try makeClassifiers(for: set, context: context) }
        let classifier = made.search
        let predicted = classifier.logits(set.inputs).map { $0 > 0 ? 1 : 0 }
        let accuracy = set.labels.map { l in Double(zip(l, predicted).filter { $0 == $1 }.count) / Double(l.count) }
        let samples = try context.time("attack") {
            try drawSamples(set, predicted: predicted, classifier: classifier, context: context)
        }
        let drawn = drawPairs(samples, context: context)
        var paths = try context.time("NEB") { try optimise(drawn, samples, classifier, set.box, context: context) }
        let margins = try context.time("exact path check") {
            try exactMargins(paths, made.minimumMargin, context: context)
        }
        var components: ClassComponents2D?
        if set.box.dimension == 2 {
            let regions = try context.time("regions") {
                try Regions2D.enumerate(made.plane(), domain: c.domain, maxRegions: c.maxRegions, context: context)
            }
            components = context.time("components") {
                ClassComponents2D(regions, decision: DecisionRegions2D(regions))
            }
        }
        let results = try context.time("exact connectivity") {
            try drawn.indices.map { i -> PairResult in
                try context.checkInterrupt()
                let pair = drawn[i]
                let verdict = components.map { exactVerdict(pair, samples, $0) }
                return PairResult(
                    kind: pair.kind, a: pair.a, b: pair.b, path: paths[i], exactPathMargin: margins[i].path,
                    straightMargin: margins[i].straight, sameComponent: verdict?.same,
                    insidePathLength: verdict?.path.map(polylineLength2D), insidePath: verdict?.path)
            }
        }
        paths.removeAll()
        return Result(
            samples: samples, pairs: results, classifier: classifier, trainedClassifier: made.trained, box: set.box,
            components: components, sampleAccuracy: accuracy)
    }

    /// Per class: `perClass` samples predicted in it (and labelled so, where labels exist), and as many of the
    /// other class attacked toward it. Both drawn in a seeded order.
    func drawSamples(
        _ set: SampleSet, predicted: [Int], classifier: any InputSpaceClassifier, context: RunContext
    ) throws -> [Sample] {
        let c = configuration
        var samples: [Sample] = []
        for cls in 0...1 {
            var rng = context.generator([SeedPolicy.code(of: "paths samples"), UInt64(cls)])
            let order = shuffled(Array(0..<set.count), &rng)
            let sign: Float = cls == 1 ? 1 : -1
            let members = order.filter { predicted[$0] == cls && (set.labels?[$0] ?? cls) == cls }.prefix(c.perClass)
            let others = order.filter { predicted[$0] != cls && (set.labels?[$0] ?? 1 - cls) != cls }.prefix(c.perClass)
            for i in members {
                samples.append(
                    Sample(
                        point: set.row(i), classSign: sign, adversarial: false, source: i, targetProbability: .nan,
                        attackIterations: 0, reached: true, attackDistance: 0))
            }
            var attack = TargetedAttack(
                stepLength: c.attackStep * set.box.diagonal, maxIterations: c.attackIterations)
            if let margin = c.attackMargin { attack.goalMargin = margin }
            let outcomes = try attack.run(
                classifier, starts: others.flatMap { set.row($0) }, signs: others.map { _ in sign }, box: set.box,
                seed: rng.next(), interrupt: context.checkInterrupt)
            for (i, o) in zip(others, outcomes) {
                samples.append(
                    Sample(
                        point: o.point, classSign: sign, adversarial: true, source: i,
                        targetProbability: o.targetProbability, attackIterations: o.iterations, reached: o.reached,
                        attackDistance: distance(o.point, 0, set.row(i), 0, dimension: set.box.dimension)))
            }
        }
        return samples
    }

    struct DrawnPair {
        let kind: PairKind
        let a: Int, b: Int
    }

    /// Up to `pairs` pairs of each kind per class, without replacement, in a seeded order; adversarial samples
    /// that missed the target probability take no part.
    func drawPairs(_ samples: [Sample], context: RunContext) -> [DrawnPair] {
        var out: [DrawnPair] = []
        for (cls, sign) in [(0, Float(-1)), (1, Float(1))] {
            let train = samples.indices.filter { samples[$0].classSign == sign && !samples[$0].adversarial }
            let adversarial = samples.indices.filter {
                samples[$0].classSign == sign && samples[$0].adversarial && samples[$0].reached
            }
            for (k, kind) in PairKind.allCases.enumerated() {
                var all: [DrawnPair] = []
                switch kind {
                case .trainTrain: all = distinctPairs(train).map { DrawnPair(kind: kind, a: $0, b: $1) }
                case .adversarialAdversarial:
                    all = distinctPairs(adversarial).map { DrawnPair(kind: kind, a: $0, b: $1) }
                case .trainAdversarial:
                    all = train.flatMap { a in adversarial.map { DrawnPair(kind: kind, a: a, b: $0) } }
                }
                var rng = context.generator([SeedPolicy.code(of: "paths pairs"), UInt64(cls), UInt64(k)])
                out += shuffled(all, &rng).prefix(configuration.pairs)
            }
        }
        return out
    }

    func optimise(
        _ pairs: [DrawnPair], _ samples: [Sample], _ classifier: any InputSpaceClassifier, _ box: InputBox,
        context: RunContext
    ) throws -> [NEBPath] {
        let group = 64
        let progress = context.progress(total: pairs.count, unit: "paths")
        var out: [NEBPath] = []
        for start in stride(from: 0, to: pairs.count, by: group) {
            let ends = pairs[start..<min(pairs.count, start + group)].map {
                (a: samples[$0.a].point, b: samples[$0.b].point, sign: samples[$0.a].classSign)
            }
            out += try autoNEB(
                classifier, settings: configuration.neb, box: box, ends: ends, interrupt: context.checkInterrupt)
            progress.update(out.count, note: "NEB")
        }
        return out
    }

    /// Per path: min s·f along NEB's path (every segment) and along the straight segment between its ends, exactly.
    /// Paths run side by side, one per worker with a one-thread pool of its own (each result is the same whichever
    /// worker computes it).
    func exactMargins(
        _ paths: [NEBPath], _ minimumMargin: Classifiers.SegmentMargin, context: RunContext
    ) throws -> [(path: Double, straight: Double)] {
        let workers = (0..<context.pool.threadCount).map { _ in ThreadPool(threadCount: 1) }
        let progress = context.progress(total: paths.count, unit: "paths")
        let done = Atomic<Int>(0)
        let results = context.pool.map(tasks: paths.count) { i, worker in
            let margins = Swift.Result {
                try context.checkInterrupt()
                return try exactMargins(paths[i], minimumMargin, pool: workers[worker])
            }
            let finished = done.add(1, ordering: .relaxed).newValue
            if worker == 0 { progress.update(finished, note: "exact check") }
            return margins
        }
        return try results.map { try $0.get() }
    }

    func exactMargins(
        _ path: NEBPath, _ minimumMargin: Classifiers.SegmentMargin, pool: ThreadPool
    ) throws -> (path: Double, straight: Double) {
        let d = configuration.inputDimension
        let sign = Double(path.sign)
        let k = path.pivots.count / d
        func row(_ i: Int) -> [Double] { path.pivot(i, dimension: d).map(Double.init) }
        var lowest = Double.infinity
        for s in 0..<(k - 1) {
            lowest = min(lowest, try minimumMargin(row(s), row(s + 1), sign, pool))
        }
        return (lowest, try minimumMargin(row(0), row(k - 1), sign, pool))
    }

    /// Whether the pair's ends lie in one exact component (nil when an end is outside the domain, or the exact
    /// value of f there does not have the class's sign: the Float32 forward pass and the Float64 map differ by
    /// rounding at |f| ≈ 1e−7), and a path inside it when they do.
    func exactVerdict(
        _ pair: DrawnPair, _ samples: [Sample], _ components: ClassComponents2D
    ) -> (same: Bool?, path: [(x: Double, y: Double)]?) {
        let (a, b) = (samples[pair.a], samples[pair.b])
        let (pa, pb) = ((Double(a.point[0]), Double(a.point[1])), (Double(b.point[0]), Double(b.point[1])))
        let sign = Double(a.classSign)
        guard let ca = components.component(pa.0, pa.1, sign: sign),
            let cb = components.component(pb.0, pb.1, sign: sign)
        else { return (nil, nil) }
        return ca == cb ? (true, components.path(from: pa, to: pb, sign: sign)) : (false, nil)
    }
}

/// The pairs (x_i, x_j), i < j.
func distinctPairs(_ items: [Int]) -> [(Int, Int)] {
    items.indices.flatMap { i in items[(i + 1)...].map { (items[i], $0) } }
}

/// A Fisher–Yates shuffle with the given generator.
func shuffled<T>(_ items: [T], _ rng: inout SplitMix64) -> [T] {
    var out = items
    for i in stride(from: out.count - 1, to: 0, by: -1) { out.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
    return out
}

func polylineLength2D(_ p: [(x: Double, y: Double)]) -> Double {
    var sum = 0.0
    for i in 1..<max(1, p.count) { sum += hypot(p[i].x - p[i - 1].x, p[i].y - p[i - 1].y) }
    return sum
}
