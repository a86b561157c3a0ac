import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels
import SpectralNetworks

/// Which MNIST files to read: a folder with the standard names (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each raw or `.gz`), one split of it, and the digits to keep
/// (in file order). The program never assumes where MNIST is: the user names the folder.
public struct MNISTSource: Codable, Sendable, Equatable {
    public enum Split: String, Codable, CaseIterable, Sendable, ExpressibleByArgument {
        case train, test
        var prefix: String { self == .train ? "train" : "t10k" }
    }

    public var folder: String
    public var split: Split
    public var classes: [Int]

    public init(folder: String, split: Split, classes: [Int] = [3, 8]) {
        self.folder = folder
        self.split = split
        self.classes = classes
    }

    /// The images and labels files of the split, as found on disk.
    public func files() throws -> (images: InputFile, labels: InputFile) {
        (try find("images-idx3-ubyte"), try find("labels-idx1-ubyte"))
    }

    private func find(_ stem: String) throws -> InputFile {
        let base = URL(fileURLWithPath: folder)
        let names = [
            "\(split.prefix)-\(stem)", "\(split.prefix)-\(stem.replacingOccurrences(of: "-idx", with: ".idx"))",
        ]
        for name in names {
            for suffix in ["", ".gz"] {
                let url = base.appendingPathComponent(name + suffix)
                if FileManager.default.fileExists(atPath: url.path) { return InputFile(path: url.path) }
            }
        }
        throw SpectralError.usage(
            "no MNIST file \(names[0])(.gz) in \(folder); MNIST is published at https://yann.lecun.com/exdb/mnist/ (mirror: https://ossci-datasets.s3.amazonaws.com/mnist/)"
        )
    }

    /// `--split auto`: the training files when the folder has them, else the test files.
    public static func resolve(folder: String, split: AutoSplit) -> Split {
        switch split {
        case .train: return .train
        case .test: return .test
        case .auto:
            let probe = MNISTSource(folder: folder, split: .train)
            return (try? probe.files()) != nil ? .train : .test
        }
    }

    public enum AutoSplit: String, CaseIterable, Sendable, ExpressibleByArgument { case auto, train, test }
}

/// The samples of the chosen digits, in file order: pixels / 255 as Float32 rows of 784, and each sample's digit.
public struct MNISTSubset: Sendable {
    public let pixels: [Float]
    public let digits: [Int]
    public var count: Int { digits.count }
    public static let inputSize = 784

    public init(_ source: MNISTSource, limit: Int? = nil) throws {
        let (imagesFile, labelsFile) = try source.files()
        let images = try IDXFile.read(URL(fileURLWithPath: imagesFile.path), dimensions: 3)
        let labels = try IDXFile.read(URL(fileURLWithPath: labelsFile.path), dimensions: 1)
        guard images.dimensions.count == 3, images.dimensions[1] == 28, images.dimensions[2] == 28 else {
            throw SpectralError.badInput(
                "\(imagesFile.path) holds images of \(images.dimensions.dropFirst().map(String.init).joined(separator: " × ")) pixels; MNIST's are 28 × 28"
            )
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw SpectralError.badInput(
                "\(imagesFile.path) has \(images.dimensions[0]) images but \(labelsFile.path) has \(labels.dimensions[0]) labels"
            )
        }
        if let bad = labels.bytes.firstIndex(where: { $0 > 9 }) {
            throw SpectralError.badInput(
                "\(labelsFile.path) has label \(labels.bytes[bad]) at index \(bad); MNIST labels are 0…9")
        }
        var pixels: [Float] = []
        var digits: [Int] = []
        for i in 0..<labels.bytes.count where source.classes.contains(Int(labels.bytes[i])) {
            if let limit, digits.count >= limit { break }
            digits.append(Int(labels.bytes[i]))
            pixels += images.bytes[(i * 784)..<((i + 1) * 784)].map { Float($0) / 255 }
        }
        guard digits.count >= 2 else {
            throw SpectralError.badInput(
                "\(labelsFile.path) has \(digits.count) samples of digits \(source.classes); at least 2 are needed")
        }
        self.pixels = pixels
        self.digits = digits
    }
}

/// `--mnist DIR --split auto|train|test --classes A,B`, shared by the MNIST experiments.
public struct MNISTOptions: ParsableArguments {
    @Option(help: "folder with MNIST's IDX files (train-* and/or t10k-*, raw or .gz)") var mnist: OutputPath
    @Option(help: "which files: train, test (t10k), or auto (train when present)") var split = MNISTSource.AutoSplit
        .auto
    @Option(help: "the two digits: the first labelled −1 (or 0), the second +1", check: .count(2...2, each: 0...9))
    var classes = IntegerList([3, 8])
    public init() {}

    public func validate() throws {
        guard classes.values[0] != classes.values[1] else {
            throw SpectralError.usage("--classes must name two different digits")
        }
    }

    /// The source, its split resolved (and its files found: a missing one is a usage error now, not later).
    public func source() throws -> MNISTSource {
        let source = MNISTSource(
            folder: URL(fileURLWithPath: mnist.path).standardizedFileURL.path,
            split: MNISTSource.resolve(folder: mnist.path, split: split), classes: classes.values)
        _ = try source.files()
        return source
    }
}

/// The notebooks' training loop (experiments 3 and 4): the depth × width net with 784 inputs (PyTorch's
/// initialisation, seeded from the point's generator), full-batch Adam, MSE, resumable (`trainResumably`).
/// `observe(iteration, training loss, evaluator, &records)` runs after each step: the training loss is the one
/// before the step, the evaluator sees the net after; `initially` sees the net before the first step of a fresh run.
func trainMNISTNet<Records: Codable>(
    _ train: Dataset, evaluation: Dataset, iterations: Int, learningRate: Double,
    depth: Int, width: Int, context: PointContext, note: String, records: inout Records,
    initially: (Evaluator, inout Records) throws -> Void = { _, _ in },
    observe: (Int, Double, Evaluator, inout Records) throws -> Void
) throws {
    var rng = context.generator
    let sizes = mlpSizes(input: MNISTSubset.inputSize, width: width, depth: depth)
    let net = MLP.initialized(sizes: sizes, initialization: .pytorch, seed: rng.next())
    let gemm = GEMM(pool: context.pool)
    let trainer = try Trainer(
        net: net, data: train,
        configuration: TrainingConfiguration(steps: iterations, learningRate: learningRate), gemm: gemm)
    let evaluator = Evaluator(net: net, data: evaluation, loss: .mse, gemm: gemm)
    try context.trainResumably(
        trainer, steps: iterations, records: &records, fresh: { try initially(evaluator, &$0) },
        note: { _ in note },
        observe: { step, loss, records in
            try observe(step, loss, evaluator, &records)
        })
}
