import Foundation

/// A CSV table in long format: a header row, then one observation per row, plain numbers (no SI suffixes), so
/// that `pandas.read_csv` and spreadsheets read it as it is. Rows are encoded as they are appended, straight into
/// UTF-8 bytes: a million-row spectrum is written in a fraction of a second.
public struct CSVTable {
    public let header: [String]
    public private(set) var rowCount = 0
    private var body: [UInt8] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ values: [CSVValue]) {
        precondition(values.count == header.count, "CSV row has \(values.count) values for \(header.count) columns")
        for (column, value) in values.enumerated() {
            if column > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: value.text.utf8)
        }
        body.append(UInt8(ascii: "\n"))
        rowCount += 1
    }

    /// Appends rows already encoded by `encodedRows` (in order).
    public mutating func append(encoded chunk: EncodedRows) {
        body.append(contentsOf: chunk.bytes)
        rowCount += chunk.count
    }

    /// Rows `range` encoded as `append` would encode them, for building a table in parallel chunks.
    public func encodedRows(_ range: Range<Int>, _ row: (Int) -> [CSVValue]) -> EncodedRows {
        var table = CSVTable(header: header)
        for i in range { table.append(row(i)) }
        return EncodedRows(bytes: table.body, count: table.rowCount)
    }

    /// The whole file: the header line, then the rows, each ending in a newline.
    public var bytes: [UInt8] {
        Array(header.map { CSVValue.text($0).text }.joined(separator: ",").utf8) + [UInt8(ascii: "\n")] + body
    }

    public func write(to url: URL) throws { try AtomicFile.write(Data(bytes), to: url) }
}

/// Rows of a table encoded apart from it (see `CSVTable.encodedRows`).
public struct EncodedRows: Sendable {
    let bytes: [UInt8]
    let count: Int
}

/// One CSV cell: numbers print with full round-trip precision, an absent value as an empty cell.
public enum CSVValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral {
    case int(Int)
    case double(Double)
    case text(String)
    case empty

    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .text(value) }

    var text: String {
        switch self {
        case .int(let v): return v.description
        case .double(let v): return v.isFinite ? v.description : (v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf"))
        case .text(let s):
            return s.contains(",") || s.contains("\"") ? "\"\(s.replacingOccurrences(of: "\"", with: "\"\""))\"" : s
        case .empty: return ""
        }
    }
}

/// Reads a numeric CSV: an optional header row (detected when its first cell is not a number), then rows of equal
/// length. Blank lines and lines starting with `#` are skipped; lines end in \n, \r\n or \r; spaces and tabs around
/// cells are ignored. Errors name the line and column.
///
/// The file is scanned as UTF-8 bytes and each cell converted by the C library's `strtod` (in the C locale, the
/// conversion Swift's `Double(String)` performs too), with no String per cell.
public struct NumericCSV {
    public var header: [String]?
    public var rows: [[Double]]

    /// A CSV file is read only up to this size (a 1024 × 1024 grid of numbers is about 20 MB).
    public static let fileLimit = 1 << 30

    public static func read(_ url: URL) throws -> NumericCSV {
        var bytes = try InputFileReader.read(url, limit: fileLimit, kind: "CSV")
        // A UTF-8 byte-order mark (spreadsheets write one) is not part of the first cell.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SpectralError.badInput("\(url.path) is not a UTF-8 text (CSV) file")
        }
        return try parse(text, name: url.lastPathComponent)
    }

    public static func parse(_ text: String, name: String = "the CSV") throws -> NumericCSV {
        var text = text
        return try text.withUTF8 { try parse(bytes: $0, name: name) }
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>, name: String) throws -> NumericCSV {
        var header: [String]?
        var rows: [[Double]] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != newline && bytes[end] != carriageReturn { end += 1 }
            lineNumber += 1
            let line = trimmed(bytes, start..<end)
            end += end + 1 < bytes.count && bytes[end] == carriageReturn && bytes[end + 1] == newline ? 2 : 1
            start = end
            if line.isEmpty || bytes[line.lowerBound] == UInt8(ascii: "#") { continue }
            let cells = split(bytes, line)
            if rows.isEmpty && header == nil && number(bytes, cells[0]) == nil {
                header = cells.map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
                continue
            }
            var values: [Double] = []
            values.reserveCapacity(cells.count)
            for (column, cell) in cells.enumerated() {
                guard let v = number(bytes, cell), v.isFinite else {
                    // At most 40 bytes of the cell go into the message, which stays one line.
                    let shown = cell.lowerBound..<min(cell.upperBound, cell.lowerBound + 40)
                    let text =
                        String(decoding: UnsafeBufferPointer(rebasing: bytes[shown]), as: UTF8.self)
                        + (shown.count < cell.count ? "…" : "")
                    throw SpectralError.badInput(
                        "\(name) line \(lineNumber), column \(column + 1): '\(text)' is not a finite number")
                }
                values.append(v)
            }
            if let first = rows.first, first.count != values.count {
                throw SpectralError.badInput(
                    "\(name) line \(lineNumber) has \(values.count) values but earlier rows have \(first.count)")
            }
            rows.append(values)
        }
        guard !rows.isEmpty else { throw SpectralError.badInput("\(name) has no data rows") }
        return NumericCSV(header: header, rows: rows)
    }

    private static let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

    /// The range without its leading and trailing spaces and tabs.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var (lower, upper) = (range.lowerBound, range.upperBound)
        while lower < upper && (bytes[lower] == 32 || bytes[lower] == 9) { lower += 1 }
        while upper > lower && (bytes[upper - 1] == 32 || bytes[upper - 1] == 9) { upper -= 1 }
        return lower..<upper
    }

    /// The trimmed cells of a line, split at commas (an empty line has one empty cell).
    private static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> [Range<Int>] {
        var cells: [Range<Int>] = []
        var cellStart = line.lowerBound
        for i in line where bytes[i] == UInt8(ascii: ",") {
            cells.append(trimmed(bytes, cellStart..<i))
            cellStart = i + 1
        }
        cells.append(trimmed(bytes, cellStart..<line.upperBound))
        return cells
    }

    /// The cell as a Double, or nil unless all of it is one number (as `Double(String)` reads numbers).
    private static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ cell: Range<Int>) -> Double? {
        guard !cell.isEmpty else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: cell.count + 1) { buffer in
            let text = buffer.baseAddress!
            for (offset, i) in cell.enumerated() { text[offset] = CChar(bitPattern: bytes[i]) }
            text[cell.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(text, &end)
            return end == text + cell.count ? value : nil
        }
    }
}
