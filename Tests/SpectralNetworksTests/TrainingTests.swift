import SpectralCore
import SpectralKernels
import SpectralNetworks
import XCTest

final class TrainingTests: XCTestCase {
    /// One Adam step on a single parameter, computed by hand: θ = 1, g = 0.5, lr = 0.1 gives m = 0.05,
    /// v = 0.00025, m̂ = 0.5, v̂ = 0.25, θ' = 1 − 0.1 · 0.5 / (0.5 + 1e-8) = 0.9000000019999999…; Float32 rounds
    /// it to 0.9 within one ulp.
    func testOneAdamStepByHand() {
        let optimizer = Optimizer(kind: .adam(), learningRate: 0.1, parameterCount: 1)
        var p: [Float] = [1]
        var g: [Float] = [0.5]
        XCTAssertTrue(optimizer.step(parameters: &p, gradient: &g, count: 1, pool: ThreadPool(threadCount: 1)))
        XCTAssertEqual(Double(p[0]), 1 - 0.1 * 0.5 / (0.5 + 1e-8), accuracy: Double(Float(0.9).ulp))
        // Second step, same gradient: m = 0.095, v = 0.00049975, m̂ = 0.5, v̂ = 0.25 again → another −0.1.
        g = [0.5]
        XCTAssertTrue(optimizer.step(parameters: &p, gradient: &g, count: 1, pool: ThreadPool(threadCount: 1)))
        XCTAssertEqual(Double(p[0]), 0.8, accuracy: 2 * Double(Float(0.8).ulp))
    }

    func testSGDMomentumByHand() {
        let optimizer = Optimizer(kind: .sgd(momentum: 0.5), learningRate: 0.1, parameterCount: 1)
        var p: [Float] = [1]
        var g: [Float] = [2]
        _ = optimizer.step(parameters: &p, gradient: &g, count: 1, pool: ThreadPool(threadCount: 1))
        XCTAssertEqual(p[0], 0.8, accuracy: 1e-7)  // buffer = g = 2
        g = [2]
        _ = optimizer.step(parameters: &p, gradient: &g, count: 1, pool: ThreadPool(threadCount: 1))
        XCTAssertEqual(p[0], 0.5, accuracy: 1e-7)  // buffer = 0.5·2 + 2 = 3
    }

    func testClippingKeepsParametersInRange() {
        let optimizer = Optimizer(kind: .sgd(), learningRate: 1, clip: 0.25, parameterCount: 3)
        var p: [Float] = [0, 0.2, -0.2]
        var g: [Float] = [-5, 0.1, 5]
        _ = optimizer.step(parameters: &p, gradient: &g, count: 3, pool: ThreadPool(threadCount: 1))
        XCTAssertEqual(p, [0.25, 0.1, -0.25])
    }

    /// 20 steps from the fixture's initial weights against the NumPy replica of PyTorch's optimisers.
    ///
    /// Tolerance: forward/backward sum in a different order from NumPy's BLAS, so gradients differ by ~1e-7
    /// relative; Adam divides by √v, so each step moves a parameter by at most ~lr whatever the gradient, and a
    /// gradient perturbation of relative size ε moves the step by ~ε·lr. After 20 steps at lr 1e-2 that is far
    /// below 1e-5 absolute; a wrong formula (bias correction, ε placement, lerp) is off by > 1e-4.
    func testTwentyStepsMatchReference() throws {
        let data = try fixtureDataset()
        let runs: [(StepPhases, Int)] = [(.layered, 2), (.fused, 2), (.fused, 3)]
        for (name, kind, lr, wd, column) in [
            ("adam", OptimizerKind.adam(), 1e-2, 0.0, 1),
            ("sgd", OptimizerKind.sgd(momentum: 0.9), 5e-2, 1e-3, 2),
        ] {
            for (phases, threads) in runs {
                try checkTwentySteps(
                    name, kind: kind, lr: lr, wd: wd, column: column, phases: phases, threads: threads, data: data)
            }
        }
    }

    /// One optimiser's 20 steps on `threads` threads with the layered or the fused step, against the NumPy replica.
    func checkTwentySteps(
        _ name: String, kind: OptimizerKind, lr: Double, wd: Double, column: Int, phases: StepPhases, threads: Int,
        data: Dataset
    ) throws {
        let shown = "\(name), \(phases) step on \(threads) threads"
        let net = try MLP.load(from: fixtureURL("mlp_initial.safetensors"))
        var config = TrainingConfiguration(steps: 20, learningRate: lr)
        config.optimizer = kind
        config.weightDecay = wd
        let trainer = try Trainer(net: net, data: data, configuration: config, gemm: GEMM(threads: threads))
        trainer.pass.phases = phases
        var losses: [Double] = []
        try trainer.train { _, loss in losses.append(loss) }
        let expected = try MLP.load(from: fixtureURL("\(name)_final.safetensors"))
        var worst = 0.0
        for i in 0..<net.parameterCount {
            worst = max(worst, Double(abs(net.parameters[i] - expected.parameters[i])))
        }
        XCTAssertLessThan(worst, 1e-5, "\(shown): largest parameter difference after 20 steps")
        let csv = try String(contentsOf: fixtureURL("training_losses.csv"), encoding: .utf8)
        let reference = csv.split(separator: "\n").dropFirst().compactMap {
            Double($0.split(separator: ",")[column])
        }
        XCTAssertEqual(losses.count, 20)
        XCTAssertEqual(reference.count, losses.count, "\(shown): one reference loss per step")
        for (got, want) in zip(losses, reference) {
            XCTAssertEqual(got, want, accuracy: 1e-6 * want, "\(shown) loss")
        }
    }

    /// Training on 1 and 2 threads gives bitwise identical weights (full batch and mini-batches).
    func testThreadCountDoesNotChangeWeights() throws {
        var rng = SplitMix64(seed: 9)
        let rows = 200
        let inputs = (0..<rows).map { Float($0) / Float(rows) }
        let targets = inputs.map { x in Float(sin(2 * Double.pi * 5 * Double(x))) + Float(rng.uniform(-0.1, 0.1)) }
        let data = try Dataset(inputs: inputs, targets: targets, rows: rows)
        for batch in [nil, 37] as [Int?] {
            var results: [[UInt32]] = []
            for threads in [1, 2] {
                let net = MLP.initialized(sizes: [1, 64, 64, 64, 1], initialization: .pytorch, seed: 7)
                var config = TrainingConfiguration(steps: 30, learningRate: 1e-3)
                config.batchSize = batch
                config.shuffleSeed = 11
                let trainer = try Trainer(net: net, data: data, configuration: config, gemm: GEMM(threads: threads))
                try trainer.train()
                results.append(net.parameters.array.map(\.bitPattern))
            }
            XCTAssertEqual(results[0], results[1], "batch \(String(describing: batch))")
        }
    }

    /// Training reduces the loss on a smooth target (a sanity check that the pieces are wired together).
    func testTrainingFitsALowFrequency() throws {
        let rows = 64
        let inputs = (0..<rows).map { Float($0) / Float(rows) }
        let data = try Dataset(
            inputs: inputs, targets: inputs.map { Float(sin(2 * Double.pi * Double($0))) }, rows: rows)
        let net = MLP.initialized(sizes: [1, 32, 32, 1], initialization: .pytorch, seed: 1)
        let trainer = try Trainer(
            net: net, data: data, configuration: TrainingConfiguration(steps: 1500, learningRate: 3e-3),
            gemm: GEMM(threads: 2))
        var first = 0.0
        var last = 0.0
        try trainer.train { step, loss in
            if step == 1 { first = loss }
            last = loss
        }
        XCTAssertLessThan(last, first / 20)
    }

    /// A divergent run stops with an error that names the step.
    func testDivergenceIsReported() throws {
        let rows = 16
        let inputs = (0..<rows).map { Float($0) }
        let data = try Dataset(inputs: inputs, targets: inputs.map { $0 * 1e6 }, rows: rows)
        let net = MLP.initialized(sizes: [1, 8, 1], initialization: .pytorch, seed: 1)
        var config = TrainingConfiguration(steps: 200, learningRate: 1e3)
        config.optimizer = .sgd()
        let trainer = try Trainer(net: net, data: data, configuration: config, gemm: GEMM(threads: 1))
        XCTAssertThrowsError(try trainer.train()) { error in
            guard case SpectralError.runtime(let message) = error else { return XCTFail("wrong error \(error)") }
            XCTAssertTrue(message.contains("diverged at step"), message)
        }
    }
}

final class ClippedDivergenceTests: XCTestCase {
    /// With clipping on, a NaN update must still be reported (clamping would otherwise hide it as ±clip).
    func testNaNIsNotHiddenByClipping() {
        for kind in [OptimizerKind.adam(), .sgd(momentum: 0.9)] {
            let optimizer = Optimizer(kind: kind, learningRate: 0.1, clip: 1, parameterCount: 11)
            var p = [Float](repeating: 0.5, count: 11)
            var g = [Float](repeating: 1, count: 11)
            g[9] = .nan
            XCTAssertFalse(
                optimizer.step(parameters: &p, gradient: &g, count: 11, pool: ThreadPool(threadCount: 1)), "\(kind)")
        }
    }
}
