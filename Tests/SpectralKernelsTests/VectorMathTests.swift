import XCTest
import SpectralKernels

final class VectorMathTests: XCTestCase {
    /// The one-instruction square root equals the standard library's lane by lane, bit for bit, on ordinary
    /// values, both zeros, subnormals, the largest finite value, infinity, negatives and NaN.
    func testLaneSquareRootEqualsScalarSquareRoot() {
        var values: [Float] = [0, -0.0, 1, 2, 0.25, 3e-39, .leastNonzeroMagnitude, .leastNormalMagnitude,
                               .greatestFiniteMagnitude, .infinity, -1, -.infinity, .nan]
        var state: UInt32 = 12345
        for _ in 0..<4000 {
            state = state &* 1_664_525 &+ 1_013_904_223
            values.append(Float(bitPattern: state & 0x7FFF_FFFF))
        }
        while values.count % 8 != 0 { values.append(1) }
        for start in stride(from: 0, to: values.count, by: 8) {
            let v = SIMD8<Float>(values[start..<start + 8])
            let fast = v.laneSquareRoot()
            for lane in 0..<8 {
                let want = values[start + lane].squareRoot()
                if want.isNaN {
                    XCTAssertTrue(fast[lane].isNaN, "sqrt(\(values[start + lane]))")
                } else {
                    XCTAssertEqual(fast[lane].bitPattern, want.bitPattern, "sqrt(\(values[start + lane]))")
                }
            }
        }
    }
}
