/// A value that encodes as the text it was given and decodes by parsing that text again (with the same checks), so
/// a run record holds "0.5:500:0.5" rather than a thousand numbers.
public protocol TextCodedArgument: ExpressibleByArgument, Codable {
    var text: String { get }
}

extension TextCodedArgument {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(argument: text) } catch let error as ArgumentValueError {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' \(error.reason)"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// Numbers given as a comma-separated list ("1,2,5") or a grid START:STOP:STEP (inclusive of STOP when it lands on
/// the grid, to within 1e−9 of a step). The text is kept: configurations encode it as given, and decoding parses it
/// again, so a run's record stays small and reproduces the same values.
public struct NumberList: TextCodedArgument, Sendable, Equatable, CustomStringConvertible {
    /// No list holds more values than this, whatever its option allows: ten million Doubles are 80 MB.
    public static let absoluteLimit = 10_000_000

    public let text: String
    public let values: [Double]

    public init(argument: String) throws {
        text = argument
        values = try NumberList.parse(argument)
    }

    public init(_ values: [Double]) {
        self.values = values
        text = values.map(formattedNumber).joined(separator: ",")
    }

    /// START:STOP:STEP from constants (defaults of options), with the values the parser gives that text.
    public init(start: Double, stop: Double, step: Double) {
        precondition(step > 0 && stop >= start, "a grid needs a positive step and stop ≥ start")
        text = "\(formattedNumber(start)):\(formattedNumber(stop)):\(formattedNumber(step))"
        let count = Int(((stop - start) / step + 1e-9).rounded(.down)) + 1
        values = (0..<count).map { start + Double($0) * step }
    }

    public static var valueName: String { "LIST" }
    public var description: String { text }
    public var argumentDescription: String { text }

    private static func parse(_ text: String) throws -> [Double] {
        guard !text.isEmpty else { throw ArgumentValueError("must not be empty") }
        if text.contains(":") { return try grid(text) }
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        guard items.count <= absoluteLimit else {
            throw ArgumentValueError("lists \(items.count) values; at most \(absoluteLimit) are allowed")
        }
        return try items.map { item in
            guard let value = Double(item.trimmingWhitespace), value.isFinite else {
                throw ArgumentValueError(
                    item.isEmpty ? "has an empty item" : "must list finite numbers ('\(item)' is not one)")
            }
            return value
        }
    }

    private static func grid(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingWhitespace) }
        guard parts.count == 3, let start = parts[0], let stop = parts[1], let step = parts[2],
            start.isFinite, stop.isFinite, step.isFinite
        else {
            throw ArgumentValueError("must be a comma-separated list of numbers or START:STOP:STEP")
        }
        guard step > 0 else { throw ArgumentValueError("must have a positive STEP") }
        guard stop >= start else { throw ArgumentValueError("must have STOP ≥ START") }
        // The count in floating point first: (stop − start)/step may be 1e300 or infinite, which no Int holds.
        let count = ((stop - start) / step + 1e-9).rounded(.down) + 1
        guard count <= Double(absoluteLimit) else {
            let shown = count.isFinite ? formattedNumber(count) : "infinitely many"
            throw ArgumentValueError("asks for \(shown) values; at most \(absoluteLimit) are allowed")
        }
        // A step below the resolution of the numbers would repeat values instead of advancing.
        let scale = max(abs(start), abs(stop))
        guard count < 2 || step > 4 * scale.ulp else {
            throw ArgumentValueError("has a STEP below the resolution of numbers near \(formattedNumber(scale))")
        }
        return (0..<Int(count)).map { start + Double($0) * step }
    }
}

/// Whole numbers, as a list or a grid ("2,3,4" or "2:6:1"), each within ±2⁵³ (so that it is exact as a Double).
public struct IntegerList: TextCodedArgument, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public let values: [Int]

    public init(argument: String) throws {
        let numbers = try NumberList(argument: argument)
        guard numbers.values.allSatisfy({ $0 == $0.rounded() && abs($0) <= 9_007_199_254_740_992 }) else {
            throw ArgumentValueError("must list whole numbers")
        }
        text = argument
        values = numbers.values.map { Int($0) }
    }

    public init(_ values: [Int]) {
        self.values = values
        text = values.map(String.init).joined(separator: ",")
    }

    public static var valueName: String { "LIST" }
    public var description: String { text }
    public var argumentDescription: String { text }
}

/// Two finite numbers A:B (an interval or a point, in any order; checks give them meaning).
public struct NumberPair: ExpressibleByArgument, Codable, Sendable, Equatable {
    public var first: Double
    public var second: Double

    public init(_ first: Double, _ second: Double) { (self.first, self.second) = (first, second) }

    public init(argument: String) throws {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map {
            Double($0.trimmingWhitespace)
        }
        guard parts.count == 2, let a = parts[0], let b = parts[1], a.isFinite, b.isFinite else {
            throw ArgumentValueError("must be A:B with two finite numbers")
        }
        (first, second) = (a, b)
    }

    public static var valueName: String { "A:B" }
    public var argumentDescription: String { "\(formattedNumber(first)):\(formattedNumber(second))" }
}

/// Pairs X:Y separated by commas ("0:-1,1:0,0:1"): polygon corners or 2-D frequencies.
public struct PairList: ExpressibleByArgument, Codable, Sendable, Equatable {
    public static let absoluteLimit = 1_000_000
    public let pairs: [NumberPair]

    public init(_ pairs: [NumberPair]) { self.pairs = pairs }

    public init(argument: String) throws {
        guard !argument.isEmpty else { throw ArgumentValueError("must not be empty") }
        let items = argument.split(separator: ",", omittingEmptySubsequences: false)
        guard items.count <= PairList.absoluteLimit else {
            throw ArgumentValueError("lists \(items.count) pairs; at most \(PairList.absoluteLimit) are allowed")
        }
        pairs = try items.map { item in
            do { return try NumberPair(argument: String(item)) } catch {
                throw ArgumentValueError(
                    "must be X:Y pairs of finite numbers separated by commas ('\(item)' is not one)")
            }
        }
    }

    public static var valueName: String { "X:Y,..." }
    public var argumentDescription: String { pairs.map(\.argumentDescription).joined(separator: ",") }
}

/// A box X0:X1,Y0:Y1 with X0 < X1 and Y0 < Y1.
public struct Box2D: ExpressibleByArgument, Codable, Sendable, Equatable {
    public var x: NumberPair
    public var y: NumberPair

    public init(x: NumberPair, y: NumberPair) { (self.x, self.y) = (x, y) }

    public init(argument: String) throws {
        let r = try boxRanges(argument, axes: ["X", "Y"])
        (x, y) = (r[0], r[1])
    }

    public static var valueName: String { "X0:X1,Y0:Y1" }
    public var argumentDescription: String { "\(x.argumentDescription),\(y.argumentDescription)" }
}

/// A box in ℝ³: "X0:X1,Y0:Y1,Z0:Z1".
public struct Box3DRanges: ExpressibleByArgument, Codable, Sendable, Equatable {
    public var x: NumberPair, y: NumberPair, z: NumberPair

    public init(x: NumberPair, y: NumberPair, z: NumberPair) { (self.x, self.y, self.z) = (x, y, z) }

    public init(argument: String) throws {
        let r = try boxRanges(argument, axes: ["X", "Y", "Z"])
        (x, y, z) = (r[0], r[1], r[2])
    }

    public static var valueName: String { "X0:X1,Y0:Y1,Z0:Z1" }
    public var argumentDescription: String { [x, y, z].map(\.argumentDescription).joined(separator: ",") }
}

/// One finite, non-empty A:B range per axis, separated by commas.
private func boxRanges(_ argument: String, axes: [String]) throws -> [NumberPair] {
    let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
    let ranges = parts.map { try? NumberPair(argument: String($0)) }
    guard parts.count == axes.count, ranges.allSatisfy({ $0 != nil }) else {
        throw ArgumentValueError(
            "must be " + axes.map { "\($0)0:\($0)1" }.joined(separator: ",") + " with finite numbers")
    }
    guard ranges.allSatisfy({ $0!.second > $0!.first }) else {
        throw ArgumentValueError("is empty: it needs " + axes.map { "\($0)0 < \($0)1" }.joined(separator: " and "))
    }
    return ranges.map { $0! }
}

/// A comma-separated list of an enumeration's names, each at most once ("pytorch,he").
public struct EnumList<Element>: ExpressibleByArgument, Sendable, Equatable
where Element: RawRepresentable & CaseIterable & Hashable & Sendable, Element.RawValue == String {
    public let values: [Element]
    public init(_ values: [Element]) { self.values = values }

    public init(argument: String) throws {
        let names = Element.allCases.map(\.rawValue)
        let choices = names.count < 2 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
        values = try argument.split(separator: ",", omittingEmptySubsequences: false).map {
            guard let value = Element(rawValue: String($0)) else { throw ArgumentValueError("must list \(choices)") }
            return value
        }
        if let twice = values.first(where: { v in values.filter { $0 == v }.count > 1 }) {
            throw ArgumentValueError("lists \(twice.rawValue) twice")
        }
    }

    public static var valueName: String { "LIST" }
    public static var completionValues: [String] { Element.allCases.map(\.rawValue) }
    public var argumentDescription: String { values.map(\.rawValue).joined(separator: ",") }
}
