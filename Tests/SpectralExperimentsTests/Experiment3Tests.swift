import Foundation
import SpectralCore
import SpectralExperiments
import SpectralKernels
import SpectralNetworks
import XCTest

/// The MNIST test files, when the machine has them (`../shared/data/mnist` beside the project).
let mnistFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/mnist")
let experimentFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The first 200 threes and 200 eights of the t10k files, kept in the repository (Fixtures/make_mnist_subset.py):
/// the MNIST tests that need a few hundred samples run on it on every machine.
let mnistSubset = MNISTSource(folder: experimentFixtures.appendingPathComponent("mnist/subset").path, split: .test)

/// The whole published t10k files, for the tests whose references were computed on all of them; skipped without.
func requireFullMNIST() throws -> MNISTSource {
    guard FileManager.default.fileExists(atPath: mnistFolder.appendingPathComponent("t10k-labels-idx1-ubyte.gz").path)
    else { throw XCTSkip("the whole MNIST test files are not at \(mnistFolder.path); this test needs them") }
    return MNISTSource(folder: mnistFolder.path, split: .test)
}

final class Experiment3Tests: XCTestCase {
    struct Reference: Decodable {
        struct Check: Decodable {
            let k: Double, beta: Double, noise: String, labels: String
            let train_rows: [Int], train_targets: [Double], validation_targets: [Double]
        }
        let samples: Int, train_rows: Int, validation_rows: Int, checks: [Check]
    }

    /// The split and the noisy targets against Fixtures/make_mnist_fixtures.py (Python's gzip, struct and math on
    /// the published files), for both noise formulas and both label codings. Tolerance 2e-5: the pixels are Float32
    /// (x/255 carries a relative error ≤ 2⁻²⁴), so the argument 2πk‖x‖ ≤ 2π·20 is off by ≤ 1e-5 before the
    /// target is rounded to Float32.
    func testTargetsAreTheNotebooksAndThePapersFormulas() throws {
        let source = try requireFullMNIST()
        let reference = try JSONDecoder().decode(
            Reference.self,
            from: Data(
                contentsOf:
                    experimentFixtures
                    .appendingPathComponent("mnist/exp3_targets.json")))
        for check in reference.checks {
            var c = MNISTLabelNoise.Configuration(preset: .quick, mnist: source)
            c.sampleLimit = nil
            c.settings = [.init(k: check.k, beta: check.beta)]
            c.noise = try XCTUnwrap(MNISTLabelNoise.NoiseFormula(rawValue: check.noise))
            c.labels = try XCTUnwrap(MNISTLabelNoise.LabelCoding(rawValue: check.labels))
            let point = try XCTUnwrap(try MNISTLabelNoise(c).points().first)
            let (train, validation) = try MNISTLabelNoise.data(point)
            XCTAssertEqual(train.rows + validation.rows, reference.samples)
            XCTAssertEqual(train.rows, reference.train_rows)
            XCTAssertEqual(train.inputSize, 784)
            let label = "\(check.noise) \(check.labels) k \(check.k) β \(check.beta)"
            for (row, expected) in zip(check.train_rows, check.train_targets) {
                XCTAssertEqual(Double(train.targets[row]), expected, accuracy: 2e-5, "\(label), training row \(row)")
            }
            for (row, expected) in check.validation_targets.enumerated() {
                XCTAssertEqual(Double(validation.targets[row]), expected, "\(label): validation targets stay clean")
            }
        }
    }

    /// The validation curve is the clean-label MSE of the net being trained: the evaluator through the fast
    /// kernels against the Float64 naive forward pass, after some training (relative 1e-5: Float32 forward, about
    /// 784 + 6·256 terms per output, against Float64).
    func testValidationLossIsTheNaiveMSE() throws {
        let subset = try MNISTSubset(mnistSubset, limit: 64)
        let targets = subset.digits.map { $0 == 3 ? Float(-1) : 1 }
        let data = try Dataset(inputs: subset.pixels, targets: targets, rows: subset.count)
        let net = MLP.initialized(sizes: mlpSizes(input: 784, width: 32, depth: 3), initialization: .pytorch, seed: 5)
        let gemm = GEMM(threads: 2)
        let trainer = try Trainer(
            net: net, data: data, configuration: TrainingConfiguration(steps: 20, learningRate: 1e-3),
            gemm: gemm)
        let evaluator = Evaluator(net: net, data: data, loss: .mse, gemm: gemm)
        try trainer.train()
        var naive = 0.0
        for row in 0..<data.rows {
            let x = data.inputs[(row * 784)..<((row + 1) * 784)].map(Double.init)
            let y = net.evaluateFloat64(x)[0]
            naive += (y - Double(targets[row])) * (y - Double(targets[row]))
        }
        naive /= Double(data.rows)
        XCTAssertEqual(evaluator.value(), naive, accuracy: 1e-5 * naive)
    }
}
