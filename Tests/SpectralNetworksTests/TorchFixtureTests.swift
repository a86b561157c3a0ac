import SpectralCore
import SpectralKernels
import SpectralNetworks
import XCTest

/// The trainer against PyTorch itself (Fixtures/make_torch_fixtures.py): Adam with weight decay, SGD with momentum
/// and with Nesterov momentum, BCE-with-logits, Adam with weight clipping (`p.clamp_(-c, c)` after each step, as
/// experiment 7 trains), and seeded mini-batches (the script re-implements the trainer's
/// SplitMix64 shuffle from its definition, so torch sees the same batches). Same initial net and data as the NumPy
/// fixtures, float32 on both sides.
///
/// Tolerance: the products sum in a different order from PyTorch's, so gradients differ by ~1e−7 relative; each Adam
/// step moves a parameter by at most ~lr whatever the gradient, and SGD's by lr·|g|, so 20 steps stay far below 1e−5
/// absolute (5e−5 for the momentum runs, which compound) while a wrong formula (weight decay after the moments,
/// Nesterov's lookahead, the BCE gradient, a batch drawn in another order) is off by more than 1e−3.
final class TorchFixtureTests: XCTestCase {
    func testTrainerMatchesPyTorch() throws {
        let data = try fixtureDataset()
        let csv = try String(contentsOf: fixtureURL("torch_losses.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        let cases: [(String, OptimizerKind, Double, Double, Loss, Int?, Int, Float)] = [
            ("adam_wd", .adam(), 1e-2, 1e-2, .mse, nil, 20, 1e-5),
            ("sgd_nesterov", .sgd(momentum: 0.9, nesterov: true), 5e-2, 1e-3, .mse, nil, 20, 5e-5),
            ("sgd_momentum", .sgd(momentum: 0.9), 5e-2, 0, .mse, nil, 20, 5e-5),
            ("bce", .adam(), 1e-2, 0, .bceWithLogits, nil, 20, 1e-5),
            ("minibatch", .adam(), 1e-2, 0, .mse, 4, 15, 1e-5),
            ("adam_clip", .adam(), 1e-2, 0, .mse, nil, 20, 1e-5),
        ]
        // Experiment 7's clipping: torch clamps every parameter to [−c, c] after each step.
        let clips = ["adam_clip": 0.3]
        for (name, kind, lr, wd, loss, batch, steps, tolerance) in cases {
            let targets = loss == .bceWithLogits ? data.targets.map { 1 / (1 + exp(-$0)) } : data.targets
            let set = try Dataset(inputs: data.inputs, targets: targets, rows: data.rows)
            let net = try MLP.load(from: fixtureURL("mlp_initial.safetensors"))
            var config = TrainingConfiguration(steps: steps, learningRate: lr)
            (config.optimizer, config.weightDecay, config.loss, config.batchSize, config.shuffleSeed) = (
                kind, wd, loss, batch, 5
            )
            config.clip = clips[name]
            let trainer = try Trainer(net: net, data: set, configuration: config, gemm: GEMM(threads: 2))
            var losses: [Double] = []
            try trainer.train { _, l in losses.append(l) }
            let reference = rows.filter { $0[0] == name }.compactMap { Double($0[2]) }
            XCTAssertEqual(losses.count, steps, name)
            XCTAssertEqual(reference.count, steps, "\(name): one torch loss per step")
            for (step, (got, want)) in zip(losses, reference).enumerated() {
                XCTAssertEqual(got, want, accuracy: 1e-5 * max(want, 1e-3), "\(name) loss at step \(step + 1)")
            }
            let expected = try MLP.load(from: fixtureURL("torch_\(name)_final.safetensors"))
            XCTAssertEqual(expected.parameterCount, net.parameterCount)
            let worst =
                (0..<net.parameterCount).map { abs(net.parameters[$0] - expected.parameters[$0]) }.max() ?? .infinity
            XCTAssertLessThan(
                worst, tolerance, "\(name): largest parameter difference from PyTorch after \(steps) steps")
        }
    }
}
