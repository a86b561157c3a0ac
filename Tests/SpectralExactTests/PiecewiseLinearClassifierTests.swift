import Foundation
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import XCTest

/// `PiecewiseLinearClassifier` (what `paths --model` searches with) against the scalar Float64 pass of the same
/// network and against central differences of it.
final class PiecewiseLinearClassifierTests: XCTestCase {
    /// Every fixture model with one logit chosen; 13 rows, so the last block of eight is partly empty.
    func models() throws -> [(name: String, network: PiecewiseLinearNetwork, rows: [[Float]])] {
        try [("residual_mlp", OutputSelection.index(1)), ("convnet", .margin(3, 7)), ("classifier", .margin(8, 3))]
            .map { name, selection in
                let url = ModelTests.fixtures.appendingPathComponent("\(name).onnx")
                let network = try PiecewiseLinearNetwork.load(onnx: url).selecting(selection)
                var rng = SplitMix64(seed: 7)
                let rows = (0..<13).map { _ in
                    (0..<network.inputCount).map { _ in Float(Double(rng.next() % 1_000_000) / 1e6) }
                }
                return (name, network, rows)
            }
    }

    /// The lanes do the scalar pass's arithmetic in its order, so the logits are the scalar pass's rounded to
    /// Float, bit for bit, whatever the block, lane or thread count.
    func testLogitsAreTheScalarPass() throws {
        for (name, network, rows) in try models() {
            let expected = rows.map { Float(network.evaluate($0.map(Double.init))[0]) }
            for threads in [1, 2] {
                let classifier = try PiecewiseLinearClassifier(network, pool: ThreadPool(threadCount: threads))
                XCTAssertEqual(classifier.logits(rows.flatMap(\.self)), expected, "\(name), \(threads) threads")
                // The same rows one later in the batch: each lands in another lane and block.
                let shifted = classifier.logits(rows[0] + rows.flatMap(\.self))
                XCTAssertEqual(Array(shifted.dropFirst()), expected, name)
            }
        }
    }

    /// ∂ℓ/∂x = ℓ'(f)·∂f/∂x against central differences of the scalar pass, h = 1e−6 (f is linear on the segment
    /// when no kinked unit changes sign over it, checked by the pattern; then only rounding remains, about
    /// 1e−16·|f|/h, well under the 1e−6 relative tolerance; the gradient is rounded to Float, 6e−8).
    func testGradientIsTheCentralDifference() throws {
        for (name, network, rows) in try models() {
            let classifier = try PiecewiseLinearClassifier(network, pool: ThreadPool(threadCount: 2))
            let signs = rows.indices.map { Float($0 % 2 == 0 ? 1 : -1) }
            let d = network.inputCount
            var gradient = [Float](repeating: 0, count: rows.count * d)
            let logits = classifier.targetLossGradient(
                rows.flatMap(\.self), signs: signs, objective: .negativeLogLikelihood, into: &gradient)
            var compared = 0
            for (r, row) in rows.enumerated() {
                let x = row.map(Double.init)
                let slope = Double(
                    InputSpaceObjective.negativeLogLikelihood.lossSlope(logit: logits[r], sign: signs[r]))
                let pattern = network.pattern(x)
                let scale = (0..<d).map { j in abs(Double(gradient[r * d + j])) }.max()!
                XCTAssertGreaterThan(scale, 0, name)
                for j in stride(from: r % 3, to: d, by: max(1, d / 40)) {
                    var (up, down) = (x, x)
                    (up[j], down[j]) = (x[j] + 1e-6, x[j] - 1e-6)
                    guard network.pattern(up) == pattern, network.pattern(down) == pattern else { continue }
                    let difference = (network.evaluate(up)[0] - network.evaluate(down)[0]) / 2e-6
                    XCTAssertEqual(Double(gradient[r * d + j]), slope * difference, accuracy: 1e-6 * scale, name)
                    compared += 1
                }
            }
            XCTAssertGreaterThan(compared, rows.count * min(d, 40) / 2, "\(name): most coordinates compared")
        }
    }

    /// The exact checks of `paths --model` restrict the model's layered chain to a segment. A convolution's first
    /// layer is kept sparse (the MNIST conv net's is; the small fixture's is not, so it is made sparse here): its
    /// restriction must be the network on the segment (1e−12 relative: Float64 on both sides, only the summation
    /// order differs) and the dense layer's restriction exactly (the zeros it skips add nothing).
    func testLineRestrictionOfASparseFirstLayerIsTheNetwork() throws {
        let (_, network, rows) = try models()[1]
        let dense = try network.chain()
        let first = SparseLayer(dense: dense.weights[0], outputs: dense.sizes[1], inputs: dense.sizes[0])
        XCTAssertLessThan(first.values.count, dense.weights[0].count, "the convolution has zeros to skip")
        let sparse = try ExactNetwork(
            sizes: dense.sizes, weights: [[]] + dense.weights.dropFirst(), biases: dense.biases,
            activations: dense.activations, sparse: [first] + dense.sparse.dropFirst(), inputs: dense.sizes[0])
        let (u, w) = (rows[0].map(Double.init), rows[1].map(Double.init))
        let (line, denseLine) = (try sparse.restricted(from: u, to: w), try dense.restricted(from: u, to: w))
        for t in [0, 0.25, 0.5, 0.9, 1] {
            let expected = network.evaluate(zip(u, w).map { $0 + t * ($1 - $0) })[0]
            XCTAssertEqual(line.evaluate([t]), expected, accuracy: 1e-12 * max(1, abs(expected)), "t = \(t)")
            XCTAssertEqual(line.evaluate([t]), denseLine.evaluate([t]), "t = \(t)")
        }
    }
}
