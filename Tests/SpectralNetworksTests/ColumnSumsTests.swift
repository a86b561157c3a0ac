import SpectralCore
import SpectralNetworks
import XCTest

/// The bias gradient's column sums against the plain loop (each column summed down the rows in order), bit for bit:
/// with values of mixed sign and magnitude a sum taken in any other order, or a lost row, changes low bits.
final class ColumnSumsTests: XCTestCase {
    func testMatchesTheRowOrderLoopBitForBit() {
        var rng = SplitMix64(seed: 2019)
        for (rows, cols) in [(1, 1), (3, 7), (200, 8), (5, 31), (200, 64), (7, 65), (13, 100), (0, 9)] {
            var m = (0..<rows * cols).map { _ in
                Float((rng.nextUnitDouble() - 0.5) * pow(10, 6 * rng.nextUnitDouble() - 3))
            }
            for i in 0..<rows { m[i * cols] = -0.0 }  // column 0: 0 + (-0) + … is +0, as the loop gives
            var expected = [Float](repeating: 0, count: cols)
            for i in 0..<rows { for j in 0..<cols { expected[j] += m[i * cols + j] } }
            var got = [Float](repeating: .nan, count: cols)
            m.withUnsafeBufferPointer { mp in
                got.withUnsafeMutableBufferPointer {
                    columnSums(mp.baseAddress!, rows: rows, cols: cols, into: $0.baseAddress!)
                }
            }
            XCTAssertEqual(got.map(\.bitPattern), expected.map(\.bitPattern), "\(rows) × \(cols)")
            // Columns 1 ..< cols of the same matrix, a block whose rows are `cols` apart (the fused step's slices).
            guard cols > 1 else { continue }
            var block = [Float](repeating: .nan, count: cols - 1)
            m.withUnsafeBufferPointer { mp in
                block.withUnsafeMutableBufferPointer {
                    columnSums(mp.baseAddress! + 1, rows: rows, cols: cols - 1, ld: cols, into: $0.baseAddress!)
                }
            }
            XCTAssertEqual(block.map(\.bitPattern), expected.dropFirst().map(\.bitPattern), "\(rows) × \(cols), ld")
        }
    }
}
