import SpectralCore
import SpectralKernels
import SpectralNetworks
import XCTest

/// The fused step (two pool jobs: rows of every layer, then rows of every ∂W with their update) against the layered
/// step (one job per product), which is checked against NumPy and PyTorch elsewhere: the same bits, whatever the
/// thread count, shape, loss, optimiser or batch. No tolerance: each element is computed by the same operations.
final class StepPhasesTests: XCTestCase {
    struct Case {
        var sizes: [Int]
        var loss: Loss = .mse
        var optimizer: OptimizerKind = .adam()
        var batch: Int? = nil
        var weightDecay = 0.0
        var clip: Double? = nil
    }

    static let cases: [Case] = [
        Case(sizes: [1, 64, 64, 64, 1]),
        // Widths that are no multiple of the 6-row micro-panel, the 8- and 32-column sums or the 16-column panel.
        Case(sizes: [3, 37, 50, 2], loss: .bceWithLogits, batch: 23),
        Case(sizes: [5, 7, 10], optimizer: .sgd(momentum: 0.9), weightDecay: 1e-3),
        Case(sizes: [2, 96, 1], batch: 61, clip: 0.05),
        Case(sizes: [1, 128, 128, 1], optimizer: .sgd(momentum: 0.9, nesterov: true)),
    ]

    func data(for c: Case, rows: Int) throws -> Dataset {
        var rng = SplitMix64(seed: UInt64(c.sizes.reduce(0, +)))
        let (din, dout) = (c.sizes.first!, c.sizes.last!)
        let inputs = (0..<(rows * din)).map { _ in Float(rng.uniform(-1, 1)) }
        let targets = (0..<(rows * dout)).map { _ in Float(c.loss == .mse ? rng.uniform(-1, 1) : rng.uniform(0, 1)) }
        return try Dataset(inputs: inputs, targets: targets, rows: rows)
    }

    func train(_ c: Case, data: Dataset, threads: Int, phases: StepPhases) throws -> (bits: [UInt32], losses: [Double])
    {
        let net = MLP.initialized(sizes: c.sizes, initialization: .pytorch, seed: 3)
        var configuration = TrainingConfiguration(steps: 12, learningRate: 1e-2)
        (configuration.loss, configuration.optimizer, configuration.batchSize) = (c.loss, c.optimizer, c.batch)
        (configuration.weightDecay, configuration.clip, configuration.shuffleSeed) = (c.weightDecay, c.clip, 5)
        let trainer = try Trainer(net: net, data: data, configuration: configuration, gemm: GEMM(threads: threads))
        trainer.pass.phases = phases
        var losses: [Double] = []
        try trainer.train { _, loss in losses.append(loss) }
        return (net.parameters.array.map(\.bitPattern), losses)
    }

    func testFusedStepGivesTheLayeredBits() throws {
        for c in Self.cases {
            let data = try data(for: c, rows: 200)
            let layered = try train(c, data: data, threads: 1, phases: .layered)
            for threads in [1, 2, 3] {
                let fused = try train(c, data: data, threads: threads, phases: .fused)
                XCTAssertEqual(fused.bits, layered.bits, "\(c.sizes) on \(threads) threads: parameters")
                XCTAssertEqual(fused.losses, layered.losses, "\(c.sizes) on \(threads) threads: losses")
            }
        }
    }

    /// A divergent fused run stops at the same step as a layered one, before that step changes any parameter.
    func testDivergenceStopsTheFusedStepAtTheSameStep() throws {
        let inputs = (0..<16).map { Float($0) }
        let data = try Dataset(inputs: inputs, targets: inputs.map { $0 * 1e6 }, rows: 16)
        var outcomes: [String] = []
        for phases in StepPhases.allCases {
            let net = MLP.initialized(sizes: [1, 8, 1], initialization: .pytorch, seed: 1)
            var configuration = TrainingConfiguration(steps: 200, learningRate: 1e3)
            configuration.optimizer = .sgd()
            let trainer = try Trainer(net: net, data: data, configuration: configuration, gemm: GEMM(threads: 2))
            trainer.pass.phases = phases
            XCTAssertThrowsError(try trainer.train()) { outcomes.append("\($0)") }
            outcomes.append("\(net.parameters.array.map(\.bitPattern))")
        }
        XCTAssertEqual(outcomes.count, 4)
        XCTAssertTrue(outcomes[0].contains("diverged at step"), outcomes[0])
        XCTAssertEqual(outcomes[0], outcomes[2], "the error")
        XCTAssertEqual(outcomes[1], outcomes[3], "the parameters left")
    }

    func testNarrowNetsOnSeveralThreadsAreFused() {
        XCTAssertEqual(StepPhases.suited(sizes: [1, 64, 64, 1], threads: 2), .fused)
        XCTAssertEqual(StepPhases.suited(sizes: [1, 64, 64, 1], threads: 1), .layered)
        XCTAssertEqual(StepPhases.suited(sizes: [1, 256, 256, 1], threads: 2), .layered)
        XCTAssertEqual(StepPhases.suited(sizes: [784, 64, 10], threads: 2), .layered)
    }
}
