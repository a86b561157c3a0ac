import SpectralCore
import SpectralKernels
import SpectralNetworks
import XCTest

/// Backpropagation against central finite differences of a Float64 evaluation of the same network.
///
/// The analytic gradient is Float32 (relative error ~1e-6 for these sizes); the difference quotient with h = 1e-4 in
/// Float64 has truncation error 0 on a piecewise-linear net away from kinks (MSE is quadratic in θ along a
/// straight line within one activation region, so the central difference is exact up to rounding ~1e-12/h). We
/// allow 1e-4 of the largest gradient entry plus 1e-3 relative. The seeds are fixed, so a perturbation that
/// happened to cross a ReLU kink would fail reproducibly rather than flakily (none does for these seeds).
final class GradientTests: XCTestCase {
    func lossFloat64(_ net: MLP, _ data: Dataset, _ loss: Loss) -> Double {
        var outputs: [Double] = []
        for r in 0..<data.rows {
            let x = (0..<data.inputSize).map { Double(data.inputs[r * data.inputSize + $0]) }
            outputs += net.evaluateFloat64(x)
        }
        return loss.value(output: outputs, target: data.targets.map(Double.init))
    }

    func checkGradient(loss: Loss, sizes: [Int], rows: Int, seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let net = MLP.initialized(sizes: sizes, initialization: .he, seed: seed)
        for i in 0..<net.parameterCount { net.parameters[i] += Float(rng.uniform(-0.1, 0.1)) }
        let inputs = (0..<(rows * sizes[0])).map { _ in Float(rng.uniform(-1, 1)) }
        let targets = (0..<(rows * sizes.last!)).map { _ in
            Float(loss == .mse ? rng.uniform(-1, 1) : Double(rng.nextIndex(below: 2)))
        }
        let data = try Dataset(inputs: inputs, targets: targets, rows: rows)
        let pass = MLPPass(net: net, capacity: rows, gemm: GEMM(threads: 2))
        inputs.withUnsafeBufferPointer { x in
            pass.forward(x.baseAddress!, rows: rows)
            _ = targets.withUnsafeBufferPointer { t in
                loss.evaluate(
                    output: pass.output, target: t.baseAddress!, count: rows * sizes.last!,
                    gradient: pass.outputGradient)
            }
            pass.backward(x.baseAddress!, rows: rows)
        }
        let analytic = pass.parameterGradient.array.map(Double.init)
        let largest = analytic.map(abs).max()!
        // Finite differences on a Float64 copy of the parameters.
        let h = 1e-4
        var checked = 0
        for i in 0..<net.parameterCount {
            let original = net.parameters[i]
            // Perturb in Float64 by evaluating with a shifted copy: Float32 storage cannot hold θ ± h exactly, so
            // use the exactly representable shifts and divide by their true difference.
            let up = Float(Double(original) + h)
            let down = Float(Double(original) - h)
            net.parameters[i] = up
            let lossUp = lossFloat64(net, data, loss)
            net.parameters[i] = down
            let lossDown = lossFloat64(net, data, loss)
            net.parameters[i] = original
            let numeric = (lossUp - lossDown) / (Double(up) - Double(down))
            let tolerance = 1e-4 * largest + 1e-3 * abs(numeric)
            if abs(analytic[i] - numeric) > tolerance {
                XCTFail("\(loss) sizes \(sizes): parameter \(i): backprop \(analytic[i]), finite difference \(numeric)")
                return
            }
            checked += 1
        }
        XCTAssertEqual(checked, net.parameterCount)
    }

    func testMSEGradients() throws {
        try checkGradient(loss: .mse, sizes: [1, 9, 1], rows: 13, seed: 1)
        try checkGradient(loss: .mse, sizes: [3, 17, 8, 2], rows: 7, seed: 2)
        try checkGradient(loss: .mse, sizes: [2, 20, 20, 20, 1], rows: 25, seed: 3)
    }

    func testBCEGradients() throws {
        try checkGradient(loss: .bceWithLogits, sizes: [2, 11, 1], rows: 9, seed: 4)
        try checkGradient(loss: .bceWithLogits, sizes: [4, 16, 16, 3], rows: 19, seed: 5)
    }

    /// The losses against their closed forms at hand-picked points.
    func testLossValues() {
        var g = [Float](repeating: 0, count: 2)
        let mse = Loss.mse.evaluate(output: [1, -2], target: [0, 1], count: 2, gradient: &g)
        XCTAssertEqual(mse, (1 + 9) / 2, accuracy: 1e-15)
        XCTAssertEqual(g, [1, -3])
        let bce = Loss.bceWithLogits.evaluate(output: [0, 40], target: [1, 0], count: 2, gradient: &g)
        XCTAssertEqual(bce, (log(2) + 40) / 2, accuracy: 1e-12)
        XCTAssertEqual(Double(g[0]), -0.25, accuracy: 1e-7)
        XCTAssertEqual(Double(g[1]), 0.5, accuracy: 1e-7)
    }
}

/// ∂f/∂x from the backward pass's G chain against central differences of the Float64 forward pass in x (exact
/// within an activation region, so only rounding: Float32 chain relative ~1e-6 of the largest entry), for several
/// outputs at once: the output gradient is a fixed random covector c, so G₀ = ∂(c·f)/∂x.
final class InputGradientTests: XCTestCase {
    func testInputGradientMatchesFiniteDifferences() throws {
        for (sizes, rows, seed) in [([5, 16, 16, 3], 9, UInt64(11)), ([784, 64, 64, 10], 4, 12)] {
            var rng = SplitMix64(seed: seed)
            let net = MLP.initialized(sizes: sizes, initialization: .pytorch, seed: seed)
            let (din, dout) = (sizes[0], sizes.last!)
            let inputs = (0..<(rows * din)).map { _ in Float(rng.uniform(0, 1)) }
            let covector = (0..<(rows * dout)).map { _ in Float(rng.uniform(-1, 1)) }
            let pass = MLPPass(net: net, capacity: rows, gemm: GEMM(threads: 2))
            var analytic = [Float](repeating: .nan, count: rows * din)
            let before = pass.parameterGradient.array
            inputs.withUnsafeBufferPointer { x in
                pass.forward(x.baseAddress!, rows: rows)
                for i in covector.indices { pass.outputGradient[i] = covector[i] }
                pass.backward(x.baseAddress!, rows: rows, parameters: false, inputGradient: &analytic)
            }
            XCTAssertEqual(pass.parameterGradient.array, before, "parameters: false leaves ∂θ alone")
            let largest = analytic.map { abs(Double($0)) }.max()!
            let h = 1e-6
            for r in 0..<rows {
                for j in stride(from: 0, to: din, by: max(1, din / 40)) {
                    var x = (0..<din).map { Double(inputs[r * din + $0]) }
                    let c = (0..<dout).map { Double(covector[r * dout + $0]) }
                    x[j] += h
                    let up = zip(net.evaluateFloat64(x), c).reduce(0) { $0 + $1.0 * $1.1 }
                    x[j] -= 2 * h
                    let down = zip(net.evaluateFloat64(x), c).reduce(0) { $0 + $1.0 * $1.1 }
                    let numeric = (up - down) / (2 * h)
                    XCTAssertEqual(
                        Double(analytic[r * din + j]), numeric, accuracy: 1e-5 * largest + 1e-4 * abs(numeric),
                        "sizes \(sizes), row \(r), input \(j)")
                }
            }
        }
    }
}
