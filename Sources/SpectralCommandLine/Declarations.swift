import Foundation

/// Options are declared once, as properties of a command or option group:
///
///     struct Exp1Options: ParsableArguments {
///         @Option(help: "training iterations", check: .within(1...10_000_000)) var iterations: Int?
///         @Flag(help: "also write every run's rows") var perRun = false
///         @OptionGroup var output: OutputOptions
///     }
///
/// The option's name is the property's in kebab-case (`perRun` → `--per-run`); its type says how a value is read,
/// its default (or `?`) whether it may be left out, `check` what range is allowed. The parser finds the
/// declarations by reflection and fills them; code reads them as typed properties, never by name.

/// A condition on a value, stated in help (`summary`) and tested after the value is read.
public struct Check<Value>: Sendable {
    public let summary: String
    let failure: @Sendable (Value) -> String?

    /// `failure` returns nil for an acceptable value, or a phrase completing "--name …" ("must be at most 64").
    public init(_ summary: String, failure: @escaping @Sendable (Value) -> String?) {
        self.summary = summary
        self.failure = failure
    }
}

extension Check where Value: Comparable & Sendable & ExpressibleByArgument {
    public static func within(_ range: ClosedRange<Value>) -> Check {
        let text = "\(range.lowerBound.argumentDescription)…\(range.upperBound.argumentDescription)"
        return Check(text) { range.contains($0) ? nil : "must be from \(text)" }
    }
    public static func atLeast(_ low: Value) -> Check {
        Check("≥ \(low.argumentDescription)") { $0 >= low ? nil : "must be at least \(low.argumentDescription)" }
    }
}

extension Check where Value == Double {
    public static var positive: Check { Check("> 0") { $0 > 0 ? nil : "must be positive" } }
}

extension Check where Value == NumberList {
    /// At most `limit` values, each in `range` when given.
    public static func count(_ counts: ClosedRange<Int>, each range: ClosedRange<Double>? = nil) -> Check {
        let each = range.map { ", each in \(formattedNumber($0.lowerBound))…\(formattedNumber($0.upperBound))" } ?? ""
        return Check("\(counts.lowerBound)…\(counts.upperBound) values\(each)") { list in
            if !counts.contains(list.values.count) {
                return "must give \(counts.lowerBound)…\(counts.upperBound) values (it gives \(list.values.count))"
            }
            if let range, let bad = list.values.first(where: { !range.contains($0) }) {
                return
                    "must list values in \(formattedNumber(range.lowerBound))…\(formattedNumber(range.upperBound)) (\(formattedNumber(bad)) is not)"
            }
            return nil
        }
    }
}

extension Check where Value == NumberList {
    /// `counts` values, each positive.
    public static func positive(_ counts: ClosedRange<Int>) -> Check {
        Check("\(counts.lowerBound)…\(counts.upperBound) positive values") { list in
            if !counts.contains(list.values.count) {
                return "must give \(counts.lowerBound)…\(counts.upperBound) values (it gives \(list.values.count))"
            }
            if let bad = list.values.first(where: { !($0 > 0) }) {
                return "must list positive values (\(formattedNumber(bad)) is not)"
            }
            return nil
        }
    }
}

extension Check where Value == IntegerList {
    public static func count(_ counts: ClosedRange<Int>, each range: ClosedRange<Int>) -> Check {
        Check("\(counts.lowerBound)…\(counts.upperBound) values, each in \(range.lowerBound)…\(range.upperBound)") {
            list in
            if !counts.contains(list.values.count) {
                return "must give \(counts.lowerBound)…\(counts.upperBound) values (it gives \(list.values.count))"
            }
            if let bad = list.values.first(where: { !range.contains($0) }) {
                return "must list whole numbers in \(range.lowerBound)…\(range.upperBound) (\(bad) is not)"
            }
            return nil
        }
    }
}

/// What the shell may complete for a value.
public enum CompletionKind: Sendable {
    case none
    case choices([String])
    case file, directory
}

/// One declared option, flag or positional argument, as the parser sees it.
public final class ArgumentSlot {
    public enum Kind { case option, flag, positional, positionalList }
    public let kind: Kind
    public internal(set) var name: String
    let explicitName: String?
    public let help: String
    public let valueName: String
    public let defaultDescription: String?
    public let isRequired: Bool
    public let completion: CompletionKind
    public internal(set) var isGiven = false
    let assign: (String) throws -> Void

    init(
        kind: Kind, name: String?, help: String, valueName: String, defaultDescription: String?, isRequired: Bool,
        completion: CompletionKind, assign: @escaping (String) throws -> Void
    ) {
        self.kind = kind
        self.name = name ?? ""
        explicitName = name
        self.help = help
        self.valueName = valueName
        self.defaultDescription = defaultDescription
        self.isRequired = isRequired
        self.completion = completion
        self.assign = assign
    }

    /// `--name` for options and flags, `NAME` for positionals.
    public var displayName: String { kind == .option || kind == .flag ? "--\(name)" : valueName }
}

/// Whether an option was given on the command line (`$option.isGiven`), for validation rules such as "--data
/// conflicts with --freqs".
public struct ArgumentState {
    let slot: ArgumentSlot
    public var isGiven: Bool { slot.isGiven }
    public var displayName: String { slot.displayName }
}

/// The reflection hook: every declaration hands the parser its slots.
protocol ArgumentDeclaration {
    func slots(label: String) -> [ArgumentSlot]
}

/// Storage shared by all copies of a declaration, so the command value the parser reflected on and the one that
/// runs see the same values.
final class ValueBox<Value> {
    var value: Value?
    var slot: ArgumentSlot!
    init(_ value: Value?) { self.value = value }
    func read() -> Value {
        guard let value else { preconditionFailure("\(slot.displayName) was read before the command line was parsed") }
        return value
    }
}

/// `recordEvery` → `record-every`, `biasSD` → `bias-sd` (a run of capitals is one word).
public func kebabCase(_ label: String) -> String {
    let characters = Array(label.drop(while: { $0 == "_" }))
    var out = ""
    for (i, c) in characters.enumerated() {
        if c.isUppercase && i > 0 {
            let previous = characters[i - 1]
            let next = i + 1 < characters.count ? characters[i + 1] : nil
            if !previous.isUppercase || (next.map { $0.isLowercase } ?? false) { out += "-" }
        }
        out += c.lowercased()
    }
    return out
}

func completionKind<Value: ExpressibleByArgument>(_: Value.Type) -> CompletionKind {
    if let special = Value.self as? any CompletingArgument.Type { return special.completionKind }
    return Value.completionValues.isEmpty ? .none : .choices(Value.completionValues)
}

/// Optionals, whose absence is a value (nil).
protocol AbsentValue { static var absent: Any { get } }
extension Optional: AbsentValue { static var absent: Any { Optional<Wrapped>.none as Any } }

/// Values that complete as files or folders.
public protocol CompletingArgument { static var completionKind: CompletionKind { get } }

@propertyWrapper
public struct Option<Value: ExpressibleByArgument>: ArgumentDeclaration {
    private let box: ValueBox<Value>

    public var wrappedValue: Value { box.read() }
    public var projectedValue: ArgumentState { ArgumentState(slot: box.slot) }

    /// An option with a default.
    public init(wrappedValue: Value, name: String? = nil, help: String, check: Check<Value>? = nil) {
        box = ValueBox(wrappedValue)
        box.slot = Option.slot(
            box, name: name, help: help, check: check, required: false,
            defaultDescription: wrappedValue.argumentDescription)
    }

    /// A required option (or, when `Value` is an Optional, one that may be left out).
    public init(name: String? = nil, help: String, check: Check<Value>? = nil) {
        let absent = (Value.self as? any AbsentValue.Type)?.absent as? Value
        box = ValueBox(absent)
        box.slot = Option.slot(
            box, name: name, help: help, check: check, required: absent == nil, defaultDescription: nil)
    }

    /// An option that may be left out (nil), its check applying to the value when given.
    public init<Wrapped>(name: String? = nil, help: String, check: Check<Wrapped>? = nil) where Value == Wrapped? {
        box = ValueBox(.some(nil))
        let optionalCheck = check.map { c in Check<Wrapped?>(c.summary) { $0.flatMap(c.failure) } }
        box.slot = Option.slot(
            box, name: name, help: help, check: optionalCheck, required: false, defaultDescription: nil)
    }

    private static func slot(
        _ box: ValueBox<Value>, name: String?, help: String, check: Check<Value>?, required: Bool,
        defaultDescription: String?
    ) -> ArgumentSlot {
        let detail = [check?.summary, defaultDescription.map { "default: \($0)" }].compactMap { $0 }
        return ArgumentSlot(
            kind: .option, name: name, help: help + (detail.isEmpty ? "" : " (\(detail.joined(separator: "; ")))"),
            valueName: Value.valueName, defaultDescription: defaultDescription, isRequired: required,
            completion: completionKind(Value.self)
        ) { [unowned box] text in
            let value: Value
            do { value = try Value(argument: text) } catch let error as ArgumentValueError {
                // "must be a whole number" says more with the range the option allows.
                throw ArgumentValueError(check.map { "\(error.reason) (\($0.summary))" } ?? error.reason)
            }
            if let reason = check?.failure(value) { throw ArgumentValueError(reason) }
            box.value = value
        }
    }

    func slots(label: String) -> [ArgumentSlot] {
        if box.slot.explicitName == nil { box.slot.name = kebabCase(label) }
        return [box.slot]
    }
}

@propertyWrapper
public struct Flag: ArgumentDeclaration {
    private let box: ValueBox<Bool>

    public var wrappedValue: Bool { box.read() }
    public var projectedValue: ArgumentState { ArgumentState(slot: box.slot) }

    public init(wrappedValue: Bool = false, name: String? = nil, help: String) {
        let box = ValueBox(wrappedValue)
        box.slot = ArgumentSlot(
            kind: .flag, name: name, help: help, valueName: "", defaultDescription: nil,
            isRequired: false, completion: .none
        ) { [unowned box] _ in box.value = true }
        self.box = box
    }

    func slots(label: String) -> [ArgumentSlot] {
        if box.slot.explicitName == nil { box.slot.name = kebabCase(label) }
        return [box.slot]
    }
}

/// A positional argument (`spectral rerun RUN_JSON`).
@propertyWrapper
public struct Argument<Value: ExpressibleByArgument>: ArgumentDeclaration {
    private let box: ValueBox<Value>

    public var wrappedValue: Value { box.read() }

    public init(valueName: String, help: String) {
        let box = ValueBox<Value>(nil)
        box.slot = ArgumentSlot(
            kind: .positional, name: nil, help: help, valueName: valueName, defaultDescription: nil,
            isRequired: true, completion: completionKind(Value.self)
        ) { [unowned box] text in
            box.value = try Value(argument: text)
        }
        self.box = box
    }

    func slots(label: String) -> [ArgumentSlot] {
        if box.slot.name.isEmpty { box.slot.name = kebabCase(label) }
        return [box.slot]
    }
}

/// Positional arguments taking every remaining word (`spectral merge --out DIR SHARD_DIR…`), at least one.
@propertyWrapper
public struct ArgumentList<Value: ExpressibleByArgument>: ArgumentDeclaration {
    private let box: ValueBox<[Value]>

    public var wrappedValue: [Value] { box.read() }

    public init(valueName: String, help: String) {
        let box = ValueBox<[Value]>([])
        box.slot = ArgumentSlot(
            kind: .positionalList, name: nil, help: help, valueName: valueName, defaultDescription: nil,
            isRequired: true, completion: completionKind(Value.self)
        ) { [unowned box] text in
            box.value = (box.value ?? []) + [try Value(argument: text)]
        }
        self.box = box
    }

    func slots(label: String) -> [ArgumentSlot] {
        if box.slot.name.isEmpty { box.slot.name = kebabCase(label) }
        return [box.slot]
    }
}

/// The options of another declaration, included as they are (`@OptionGroup var output: OutputOptions`).
@propertyWrapper
public struct OptionGroup<Group: ParsableArguments>: ArgumentDeclaration {
    public var wrappedValue: Group

    public init() { wrappedValue = Group() }

    func slots(label: String) -> [ArgumentSlot] { argumentSlots(of: wrappedValue) }
}

/// Every slot declared by `value`, in declaration order (groups expanded in place).
func argumentSlots(of value: Any) -> [ArgumentSlot] {
    Mirror(reflecting: value).children.flatMap { child -> [ArgumentSlot] in
        guard let declaration = child.value as? ArgumentDeclaration else { return [] }
        return declaration.slots(label: String((child.label ?? "").dropFirst()))
    }
}

/// The groups declared by `value`, for their validation.
func optionGroups(of value: Any) -> [ParsableArguments] {
    Mirror(reflecting: value).children.compactMap { child in
        (child.value as? any OptionGroupValue)?.group
    }
}

protocol OptionGroupValue { var group: ParsableArguments { get } }
extension OptionGroup: OptionGroupValue { var group: ParsableArguments { wrappedValue } }

/// A path to a file the command reads.
public struct InputFile: ExpressibleByArgument, CompletingArgument, Codable, Sendable, Equatable {
    public let path: String
    public init(path: String) { self.path = path }
    /// The path made absolute (against the current folder), so a run record names the file wherever it is read.
    public init(argument: String) throws {
        guard !argument.isEmpty else { throw ArgumentValueError("needs a file name") }
        path = URL(fileURLWithPath: argument).standardizedFileURL.path
    }
    public static var valueName: String { "FILE" }
    public static var completionKind: CompletionKind { .file }
    public var argumentDescription: String { path }
    public init(from decoder: Decoder) throws { path = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(path)
    }
}

/// A folder the command writes into.
public struct OutputPath: ExpressibleByArgument, CompletingArgument, Sendable, Equatable {
    public let path: String
    public init(path: String) { self.path = path }
    public init(argument: String) throws {
        guard !argument.isEmpty else { throw ArgumentValueError("needs a folder name") }
        path = argument
    }
    public static var valueName: String { "DIR" }
    public static var completionKind: CompletionKind { .directory }
    public var argumentDescription: String { path }
}
