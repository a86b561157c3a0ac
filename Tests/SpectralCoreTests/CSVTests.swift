import SpectralCore
import XCTest

final class CSVTests: XCTestCase {
    /// Written numbers read back to the same bits, and the reader agrees with Swift's own `Double(String)` on
    /// every cell: ordinary, tiny, huge and negative values, integers, and the spellings people type by hand.
    func testRoundTripAndAgreementWithDoubleParsing() throws {
        var rng = SplitMix64(seed: 11)
        var table = CSVTable(header: ["i", "x", "y"])
        var expected: [[Double]] = []
        for i in 0..<2000 {
            let x = Double(bitPattern: rng.next() >> 2) * (i % 2 == 0 ? 1 : -1)
            let y = rng.uniform(-1, 1) * pow(10, Double(i % 40 - 20))
            table.append([.int(i), .double(x), .double(y)])
            expected.append([Double(i), x, y])
        }
        let text = String(decoding: table.bytes, as: UTF8.self)
        let read = try NumericCSV.parse(text)
        XCTAssertEqual(read.header, ["i", "x", "y"])
        XCTAssertEqual(read.rows.count, expected.count)
        for (got, want) in zip(read.rows, expected) {
            XCTAssertEqual(got.map(\.bitPattern), want.map(\.bitPattern))
        }
        let spellings = [
            "1", "-0", "+2.5", ".5", "5.", "1e3", "1E-3", "0x1p-2", "007", "4.9e-324", "1e-400",
            "1.7976931348623157e308", "123456789012345678901234567890",
        ]
        let cells = try NumericCSV.parse(spellings.joined(separator: ",")).rows[0]
        XCTAssertEqual(cells.map(\.bitPattern), spellings.map { Double($0)!.bitPattern })
    }

    /// Comments, blank lines, spaces and tabs, and \n, \r\n and \r line ends; line numbers count every line.
    func testLayoutAndLineEnds() throws {
        let text = "# made by hand\r\n a , b\t\r\n\r\n1, 2\r3 ,4\n\n  # a comment\n5,6"
        let csv = try NumericCSV.parse(text)
        XCTAssertEqual(csv.header, ["a", "b"])
        XCTAssertEqual(csv.rows, [[1, 2], [3, 4], [5, 6]])
        XCTAssertThrowsError(try NumericCSV.parse("x\n1\n2\n\nthree\n")) { error in
            XCTAssertEqual(
                (error as? SpectralError)?.description, "the CSV line 5, column 1: 'three' is not a finite number")
        }
    }

    /// Bad cells and shapes are refused with the line and column: text, non-finite values, a number with more
    /// after it, an empty cell, a ragged row, a file with no data, and a 500-digit number (infinite), whose message
    /// shows its first 40 characters only.
    func testBadInputIsRefused() {
        for (text, message) in [
            ("1,2\n3,x\n", "line 2, column 2: 'x'"), ("1\ninf\n", "line 2, column 1: 'inf'"),
            ("1\nnan\n", "line 2, column 1: 'nan'"), ("1\n2 3\n", "line 2, column 1: '2 3'"),
            ("1,2\n3,\n", "line 2, column 2: ''"), ("1,2\n3\n", "line 2 has 1 values"),
            ("a,b\n", "has no data rows"), ("", "has no data rows"),
            ("1\n" + String(repeating: "9", count: 500) + "\n", "'" + String(repeating: "9", count: 40) + "…'"),
        ] {
            XCTAssertThrowsError(try NumericCSV.parse(text), text) { error in
                let said = (error as? SpectralError)?.description ?? "\(error)"
                XCTAssertTrue(said.contains(message), "\(text.debugDescription): \(said)")
            }
        }
    }

    /// Text cells with commas or quotes are quoted; headers too.
    func testTextCellsAreQuoted() {
        var table = CSVTable(header: ["name", "a,b"])
        table.append([.text("say \"hi\""), .empty])
        XCTAssertEqual(String(decoding: table.bytes, as: UTF8.self), "name,\"a,b\"\n\"say \"\"hi\"\"\",\n")
        XCTAssertEqual(table.rowCount, 1)
    }
}
