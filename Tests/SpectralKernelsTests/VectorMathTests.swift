import SpectralKernels
import XCTest

final class VectorMathTests: XCTestCase {
    /// The one-instruction square root equals the standard library's lane by lane, bit for bit, on ordinary
    /// values, both zeros, subnormals, the largest finite value, infinity, negatives and NaN.
    func testLaneSquareRootEqualsScalarSquareRoot() {
        var values: [Float] = [
            0, -0.0, 1, 2, 0.25, 3e-39, .leastNonzeroMagnitude, .leastNormalMagnitude,
            .greatestFiniteMagnitude, .infinity, -1, -.infinity, .nan,
        ]
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

    /// Double4's operations equal the scalar ones lane for lane, bit for bit: sums, differences, products,
    /// quotients, the fused multiply-add (Double's `addingProduct` is fused too), negation (−(+0) = −0), on ordinary
    /// and special values.
    func testDouble4ArithmeticEqualsScalarArithmetic() {
        var values: [Double] = [
            0, -0.0, 1, -2.5, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity,
            -.infinity, .nan, 1e-300, 3e300,
        ]
        var state: UInt64 = 99
        for _ in 0..<1200 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Double(bitPattern: state >> 1) * (state & 1 == 0 ? 1 : -1))
        }
        while values.count % 12 != 0 { values.append(0.5) }
        func same(_ got: Double4, _ want: [Double], _ what: String) {
            for lane in 0..<4 where !(got.lanes[lane].isNaN && want[lane].isNaN) {
                XCTAssertEqual(got.lanes[lane].bitPattern, want[lane].bitPattern, "\(what) lane \(lane)")
            }
        }
        for start in stride(from: 0, to: values.count, by: 12) {
            let a = Array(values[start..<start + 4])
            let b = Array(values[start + 4..<start + 8])
            let c = Array(values[start + 8..<start + 12])
            let (va, vb, vc) = (Double4(SIMD4(a)), Double4(SIMD4(b)), Double4(SIMD4(c)))
            same(va + vb, (0..<4).map { a[$0] + b[$0] }, "+")
            same(va - vb, (0..<4).map { a[$0] - b[$0] }, "-")
            same(va * vb, (0..<4).map { a[$0] * b[$0] }, "*")
            same(va / vb, (0..<4).map { a[$0] / b[$0] }, "/")
            same(a[0] * vb, (0..<4).map { a[0] * b[$0] }, "scalar *")
            same(-va, a.map { -$0 }, "negation")
            same(vc.addingProduct(va, vb), (0..<4).map { c[$0].addingProduct(a[$0], b[$0]) }, "fma")
        }
        XCTAssertEqual((-Double4(repeating: 0)).lanes[2].sign, .minus)
    }

    /// `transposed4` puts p[4t + q] in lane t of result q, `deinterleaved` splits even from odd, `reversed`
    /// reverses, and `load`/`store` round-trip at any alignment.
    func testDouble4TransposeAndUnalignedAccess() {
        var data = (0..<21).map { Double($0) * 1.5 }
        data.withUnsafeMutableBufferPointer { buffer in
            for offset in 0..<5 {
                let p = buffer.baseAddress! + offset
                let (r0, r1, r2, r3) = Double4.transposed4(p)
                for (q, r) in [r0, r1, r2, r3].enumerated() {
                    for t in 0..<4 { XCTAssertEqual(r.lanes[t], p[4 * t + q], "offset \(offset), q \(q), t \(t)") }
                }
                let (even, odd) = Double4.deinterleaved(p)
                XCTAssertEqual(even.lanes, SIMD4(p[0], p[2], p[4], p[6]))
                XCTAssertEqual(odd.lanes, SIMD4(p[1], p[3], p[5], p[7]))
                let v = Double4.load(p)
                XCTAssertEqual(v.lanes, SIMD4(p[0], p[1], p[2], p[3]))
                XCTAssertEqual(v.reversed.lanes, SIMD4(p[3], p[2], p[1], p[0]))
                (v + v).store(p + 1)
                XCTAssertEqual(p[4], 2 * v.lanes[3])
            }
        }
    }
}
