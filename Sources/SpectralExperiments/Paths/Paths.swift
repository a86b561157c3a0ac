import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks

/// `spectral paths`: are the samples a binary classifier puts in one class, adversarial ones included, joined by
/// paths along which its prediction does not change? AutoNEB without springs in input space (`NEBBatch`), each
/// optimised path then checked exactly (f restricted to each segment is a 1-input ReLU net); for 2-input nets
/// also the exact answer from the class regions' components (`ClassComponents2D`). docs/experiments.md, paths.
public struct Paths: Experiment {
    public static let name = "paths"

    /// Where the samples come from: the MNIST issue's split (its training 80%, two digits) or exp6's curve.
    public enum Samples: Codable, Sendable, Equatable {
        case mnist(MNISTSource)
        /// γ_L(j/N) with L = `wraps`, j = 0…N−1 (exp6's inputs), in the box [−1.6, 1.6]².
        case curve(wraps: Int, count: Int)
    }

    /// The classifier trained when no weights are given (MNIST only): the depth × width net, BCE with logits,
    /// full-batch Adam on the training split's two digits (the first digit class 0, the second class 1).
    public struct Training: Codable, Sendable, Equatable {
        public var steps = 300, depth = 6, width = 256
        public var learningRate = 1e-3
    }

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var samples: Samples
        public var weights: InputFile?
        /// `--model`: an ONNX or safetensors network, evaluated in Float64 (`PiecewiseLinearClassifier`).
        public var model: ModelSource?
        public var training = Training()
        /// Samples per class, and adversarial samples made for each class.
        public var perClass = 50
        /// Pairs per kind and class, drawn without replacement (all when fewer exist).
        public var pairs = 100
        public var neb = NEBSettings()
        /// The attack's step length, as a fraction of the input box's diagonal.
        public var attackStep = 0.005
        public var attackIterations = 2000
        /// The margin s·f at which an attack stops; nil: log 99 (p ≥ 0.99 for a logit). A model whose outputs are
        /// not logits (mnist-net_256x2's differences stay within ±1.2) needs a smaller one.
        public var attackMargin: Double?
        public var domain = Domain2D.box(Box2D(x: NumberPair(-1.6, 1.6), y: NumberPair(-1.6, 1.6)))
        public var maxRegions = EnumerationLimits.regions.maximumCount
        public var seed: UInt64 = 0

        public init(samples: Samples) { self.samples = samples }

        public var masterSeed: UInt64? { seed }
        public var inputFiles: [InputFile] {
            var files = (weights.map { [$0] } ?? []) + (model?.inputFiles ?? [])
            if case .mnist(let source) = samples, let f = try? source.files() { files += [f.images, f.labels] }
            return files
        }

        public func validate() throws {
            try neb.validate()
            guard (2...10_000).contains(perClass) else { throw SpectralError.usage("--per-class must be 2…10000") }
            guard (1...1_000_000).contains(pairs) else { throw SpectralError.usage("--pairs must be 1…1000000") }
            guard attackStep.isFinite, attackStep > 0, attackStep <= 1 else {
                throw SpectralError.usage("--attack-step must be in (0, 1] (a fraction of the box's diagonal)")
            }
            if let m = attackMargin, !(m.isFinite && m > 0 && m <= 1e6) {
                throw SpectralError.usage("--attack-margin must be in (0, 1e6]")
            }
            guard (1...1_000_000).contains(attackIterations) else {
                throw SpectralError.usage("--attack-iterations must be 1…1000000")
            }
            if case .curve(let L, let count) = samples {
                guard (0...1000).contains(L), (4...1_000_000).contains(count) else {
                    throw SpectralError.usage("--curve must be 0…1000 and --curve-samples 4…1000000")
                }
                guard weights != nil || model != nil else {
                    throw SpectralError.usage("--curve needs --weights or --model (a 2-input classifier)")
                }
            }
            guard (1...100_000).contains(training.steps), TrainingRanges.depth.contains(training.depth),
                (1...4096).contains(training.width), training.learningRate > 0, training.learningRate.isFinite
            else { throw SpectralError.usage("the classifier's training settings are out of range") }
        }

        public func memoryEstimate() -> MemoryEstimate {
            var estimate = MemoryEstimate()
            let sizes = mlpSizes(input: inputDimension, width: training.width, depth: training.depth)
            let denseRows = 64 * neb.finalPivotCount * (neb.subdivisions + 1)
            estimate.addTraining(sizes: sizes, rows: max(2048, 4 * perClass + denseRows))
            // Pairs that can exist per class: train–train and adversarial–adversarial C(n, 2) each,
            // train–adversarial n².
            let n = perClass
            let perClassPairs = 2 * min(pairs, n * (n - 1) / 2) + min(pairs, n * n)
            let paths = Double(2 * perClassPairs) * Double(neb.finalPivotCount) * Double(inputDimension)
            estimate.add("paths' pivots", count: paths, width: 4)
            return estimate
        }

        var inputDimension: Int {
            if case .mnist = samples { return MNISTSubset.inputSize }
            return 2
        }
    }

    /// The kinds of pair, as the paper names them.
    public enum PairKind: String, Codable, Sendable, CaseIterable {
        case trainTrain = "train-train"
        case trainAdversarial = "train-adversarial"
        case adversarialAdversarial = "adversarial-adversarial"
    }

    /// A sample of one class: an original (predicted in the class) or an adversarial one made for it.
    public struct Sample: Sendable {
        public let point: [Float]
        public let classSign: Float
        public let adversarial: Bool
        /// The original's index in the sample set (the start of the attack for an adversarial sample).
        public let source: Int
        public let targetProbability: Double
        public let attackIterations: Int
        public let reached: Bool
        /// ‖adversarial − original‖ (0 for an original).
        public let attackDistance: Double
    }

    public struct PairResult: Sendable {
        public let kind: PairKind
        public let a: Int, b: Int
        public let path: NEBPath
        /// min s·f along NEB's path and along the straight segment, exactly.
        public let exactPathMargin: Double, straightMargin: Double
        /// 2-D only: both ends in one component (nil: an end not placed), and the path found inside it.
        public let sameComponent: Bool?
        public let insidePathLength: Double?
        public let insidePath: [(x: Double, y: Double)]?
    }

    public struct Result {
        public let samples: [Sample]
        public let pairs: [PairResult]
        public let classifier: any InputSpaceClassifier
        /// The classifier trained here (saved with the results), nil when one was given.
        public let trainedClassifier: MLP?
        public let box: InputBox
        public let components: ClassComponents2D?
        public let sampleAccuracy: Double?
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws {
        self.configuration = configuration
    }
}
