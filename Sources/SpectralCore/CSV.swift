import Foundation

/// A CSV table in long format: a header row, then one observation per row, plain numbers (no SI suffixes), so
/// that `pandas.read_csv` and spreadsheets read it as it is.
public struct CSVTable {
    public var header: [String]
    public var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ values: [CSVValue]) {
        precondition(values.count == header.count, "CSV row has \(values.count) values for \(header.count) columns")
        rows.append(values.map(\.text))
    }

    public var text: String {
        ([header.joined(separator: ",")] + rows.map { $0.joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    public func write(to url: URL) throws { try AtomicFile.write(text, to: url) }
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
        case .int(let v): return String(v)
        case .double(let v): return v.isFinite ? "\(v)" : (v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf"))
        case .text(let s): return s.contains(",") || s.contains("\"") ? "\"\(s.replacingOccurrences(of: "\"", with: "\"\""))\"" : s
        case .empty: return ""
        }
    }
}

/// Reads a numeric CSV: an optional header row (detected when its first cell is not a number), then rows of equal
/// length. Errors name the line and column.
public struct NumericCSV {
    public var header: [String]?
    public var rows: [[Double]]

    public static func read(_ url: URL) throws -> NumericCSV {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpectralError.io("cannot read \(url.path): \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpectralError.badInput("\(url.lastPathComponent) is not a UTF-8 text (CSV) file")
        }
        return try parse(text, name: url.lastPathComponent)
    }

    public static func parse(_ text: String, name: String = "the CSV") throws -> NumericCSV {
        var header: [String]?
        var rows: [[Double]] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if rows.isEmpty && header == nil && Double(cells[0]) == nil {
                header = cells
                continue
            }
            var values: [Double] = []
            for (column, cell) in cells.enumerated() {
                guard let v = Double(cell), v.isFinite else {
                    throw SpectralError.badInput("\(name) line \(index + 1), column \(column + 1): '\(cell)' is not a finite number")
                }
                values.append(v)
            }
            if let first = rows.first, first.count != values.count {
                throw SpectralError.badInput("\(name) line \(index + 1) has \(values.count) values but earlier rows have \(first.count)")
            }
            rows.append(values)
        }
        guard !rows.isEmpty else { throw SpectralError.badInput("\(name) has no data rows") }
        return NumericCSV(header: header, rows: rows)
    }
}
