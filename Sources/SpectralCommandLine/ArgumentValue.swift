/// A type whose values can be read from one command-line word.
///
/// `init(argument:)` throws `ArgumentValueError` with a phrase that completes "--name …, not 'text'" (for
/// example "must be a whole number"); the parser adds the option's name and the text, so every message is one
/// sentence naming the option.
public protocol ExpressibleByArgument {
    init(argument: String) throws
    /// The placeholder shown in help (`N`, `X`, `LIST`).
    static var valueName: String { get }
    /// The values a shell may complete (the cases of an enumeration), empty when any text goes.
    static var completionValues: [String] { get }
    /// How a default value reads in help.
    var argumentDescription: String { get }
}

extension ExpressibleByArgument {
    public static var completionValues: [String] { [] }
    public var argumentDescription: String { "\(self)" }
}

/// Why a command-line word is not a value of the expected type: a phrase such as "must be a whole number".
public struct ArgumentValueError: Error, Equatable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}

extension Int: ExpressibleByArgument {
    public init(argument: String) throws {
        guard let value = Int(argument) else { throw ArgumentValueError("must be a whole number") }
        self = value
    }
    public static var valueName: String { "N" }
}

extension UInt64: ExpressibleByArgument {
    public init(argument: String) throws {
        guard let value = UInt64(argument) else {
            throw ArgumentValueError("must be a whole number from 0 to 18446744073709551615")
        }
        self = value
    }
    public static var valueName: String { "N" }
}

extension Double: ExpressibleByArgument {
    /// Finite numbers only: `nan` and `inf` are refused here, so no option ever carries them into a run.
    public init(argument: String) throws {
        guard let value = Double(argument.trimmingWhitespace), value.isFinite else {
            throw ArgumentValueError("must be a finite number")
        }
        self = value
    }
    public static var valueName: String { "X" }
    public var argumentDescription: String { formattedNumber(self) }
}

extension String: ExpressibleByArgument {
    public init(argument: String) throws { self = argument }
    public static var valueName: String { "TEXT" }
}

extension Optional: ExpressibleByArgument where Wrapped: ExpressibleByArgument {
    public init(argument: String) throws { self = .some(try Wrapped(argument: argument)) }
    public static var valueName: String { Wrapped.valueName }
    public static var completionValues: [String] { Wrapped.completionValues }
    public var argumentDescription: String { map(\.argumentDescription) ?? "none" }
}

/// Enumerations of named choices read their raw value; the message lists the choices.
extension ExpressibleByArgument where Self: CaseIterable & RawRepresentable, RawValue == String {
    public init(argument: String) throws {
        guard let value = Self(rawValue: argument) else {
            throw ArgumentValueError("must be one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }
    public static var valueName: String { "NAME" }
    public static var completionValues: [String] { allCases.map(\.rawValue) }
    public var argumentDescription: String { rawValue }
}

/// A number as help and messages print it: integers without a fraction, others in their shortest round-trip form.
public func formattedNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}

extension StringProtocol {
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
