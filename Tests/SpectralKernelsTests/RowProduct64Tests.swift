import SpectralCore
import SpectralKernels
import XCTest

/// `PackedWeights64.multiply` (the Float64 product of the exact analyses) against the textbook triple loop, over
/// shapes that cross every blocking boundary: rows around MR = 6 and MC = 96, inputs around KC = 256, outputs around
/// NR = 8; with and without bias. Tolerance: a dot product of n terms in Float64 rounds by at most n·u·Σ|terms|
/// (u = 2⁻⁵³), with a different summation order than the reference's. Memory past the output is left untouched.
final class RowProduct64Tests: XCTestCase {
    func testProductMatchesTheTripleLoop() {
        var rng = SplitMix64(seed: 64)
        for (rows, inputs, outputs) in [
            (1, 1, 1), (5, 3, 7), (6, 8, 8), (7, 255, 9), (96, 256, 16), (97, 257, 17), (200, 600, 33),
            (13, 513, 1), (191, 40, 64),
        ] {
            for withBias in [false, true] {
                let x = (0..<(rows * inputs)).map { _ in rng.uniform(-1, 1) }
                let w = (0..<(outputs * inputs)).map { _ in rng.uniform(-1, 1) }
                let bias = (0..<outputs).map { _ in rng.uniform(-1, 1) }
                let packed = w.withUnsafeBufferPointer {
                    PackedWeights64(weight: $0.baseAddress!, outputs: outputs, inputs: inputs)
                }
                let sentinel = 123.25
                var out = [Double](repeating: sentinel, count: rows * outputs + 8)
                let scratch = AlignedBuffer<Double>(count: PackedWeights64.scratchCount)
                x.withUnsafeBufferPointer { xp in
                    bias.withUnsafeBufferPointer { bp in
                        out.withUnsafeMutableBufferPointer { op in
                            packed.multiply(
                                xp.baseAddress!, rows: rows, bias: withBias ? bp.baseAddress! : nil,
                                into: op.baseAddress!,
                                scratch: scratch.pointer)
                        }
                    }
                }
                for r in 0..<rows {
                    for o in 0..<outputs {
                        var want = withBias ? bias[o] : 0
                        var magnitude = abs(want)
                        for i in 0..<inputs {
                            want += x[r * inputs + i] * w[o * inputs + i]
                            magnitude += abs(x[r * inputs + i] * w[o * inputs + i])
                        }
                        let bound = Double(inputs + 1) * Double.ulpOfOne / 2 * magnitude
                        XCTAssertEqual(
                            out[r * outputs + o], want, accuracy: bound,
                            "\(rows)×\(inputs)×\(outputs) bias \(withBias) at (\(r), \(o))")
                    }
                }
                XCTAssertEqual(
                    Array(out.suffix(8)), [Double](repeating: sentinel, count: 8),
                    "\(rows)×\(inputs)×\(outputs): wrote past the output")
            }
        }
    }
}
