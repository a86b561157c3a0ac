import SpectralCore

/// A set of options: a command's own, or a group shared by several (`@OptionGroup`).
public protocol ParsableArguments {
    init()
    /// Runs after every value was read and before any work: rules between options (conflicts, options the chosen
    /// mode ignores). Throw `SpectralError.usage` with one sentence naming the options.
    func validate() throws
}

extension ParsableArguments {
    public func validate() throws {}

    /// Throws a usage error when more than one of `options` was given.
    public func exclusive(_ options: ArgumentState...) throws {
        let given = options.filter(\.isGiven)
        if given.count > 1 {
            throw SpectralError.usage("\(given[0].displayName) and \(given[1].displayName) cannot be given together")
        }
    }

    /// Throws a usage error when `option` was given although `reason` makes the command ignore it.
    public func ignored(_ option: ArgumentState, when condition: Bool, _ reason: String) throws {
        if condition && option.isGiven { throw SpectralError.usage("\(option.displayName) has no effect \(reason)") }
    }
}

/// What a command is called and how `help` describes it.
public struct CommandDescription: Sendable {
    public let name: String
    public let abstract: String
    public let discussion: String

    public init(name: String, abstract: String, discussion: String = "") {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
    }
}

/// How the program was called, for run records.
public struct Invocation: Sendable {
    /// The whole command line, program name first.
    public let arguments: [String]
    public init(arguments: [String]) { self.arguments = arguments }
}

public protocol ParsableCommand: ParsableArguments {
    static var description: CommandDescription { get }
    func run(_ invocation: Invocation) throws
}

/// Reads `tokens` (the words after the command's name) into a fresh `Command`, then validates it: every usage error
/// (unknown, repeated or conflicting option, a missing or empty value, a flag where a value belongs, a value of the
/// wrong type or range) is a `SpectralError.usage` naming the option.
public func parseCommand<Command: ParsableArguments>(_ type: Command.Type, _ tokens: [String]) throws -> Command {
    let command = Command()
    let slots = argumentSlots(of: command)
    try assign(tokens, to: slots)
    if let missing = slots.first(where: { $0.isRequired && !$0.isGiven }) {
        throw SpectralError.usage(
            missing.kind == .option
                ? "\(missing.displayName) is required"
                : "the \(missing.valueName) argument is missing")
    }
    try validateAll(command)
    return command
}

private func validateAll(_ arguments: ParsableArguments) throws {
    for group in optionGroups(of: arguments) { try validateAll(group) }
    try arguments.validate()
}

private func assign(_ tokens: [String], to slots: [ArgumentSlot]) throws {
    let named = Dictionary(
        slots.filter { $0.kind == .option || $0.kind == .flag }.map { ($0.name, $0) },
        uniquingKeysWith: { first, _ in first })
    var positionals = slots.filter { $0.kind == .positional || $0.kind == .positionalList }[...]
    var index = 0
    var onlyPositionals = false
    while index < tokens.count {
        let token = tokens[index]
        index += 1
        if !onlyPositionals && token == "--" {
            onlyPositionals = true
            continue
        }
        if !onlyPositionals && token.hasPrefix("--") {
            var name = String(token.dropFirst(2))
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let slot = named[name] else { throw unknownOption(name, among: Array(named.keys)) }
            guard !slot.isGiven else { throw SpectralError.usage("--\(name) is given twice") }
            slot.isGiven = true
            if slot.kind == .flag {
                guard inline == nil else { throw SpectralError.usage("--\(name) is a flag and takes no value") }
                try slot.assign("")
                continue
            }
            let value: String
            if let inline {
                value = inline
            } else {
                guard index < tokens.count else {
                    throw SpectralError.usage("--\(name) needs a value (\(slot.valueName))")
                }
                value = tokens[index]
                index += 1
                if value.hasPrefix("--") {
                    throw SpectralError.usage(
                        "--\(name) needs a value (\(slot.valueName)), but '\(shown(value))' is an option")
                }
            }
            guard !value.isEmpty else {
                throw SpectralError.usage("--\(name) needs a non-empty value (\(slot.valueName))")
            }
            try assignValue(value, to: slot)
            continue
        }
        if !onlyPositionals && token.hasPrefix("-") && token.count > 1 && Double(token) == nil {
            throw SpectralError.usage("unknown option '\(shown(token))' (options are spelled --name)")
        }
        guard let slot = positionals.first else { throw SpectralError.usage("unexpected argument '\(shown(token))'") }
        slot.isGiven = true
        try assignValue(token, to: slot)
        if slot.kind == .positional { positionals.removeFirst() }
    }
}

private func assignValue(_ value: String, to slot: ArgumentSlot) throws {
    do { try slot.assign(value) } catch let error as ArgumentValueError {
        throw SpectralError.usage("\(slot.displayName) \(error.reason), not '\(shown(value))'")
    }
}

/// At most 40 characters of a word in a message, so that a hostile value keeps the message one short line.
func shown(_ text: String) -> String {
    let printable = String(text.unicodeScalars.map { $0.value < 32 || $0.value == 127 ? "?" : Character($0) })
    return printable.count > 40 ? String(printable.prefix(40)) + "…" : printable
}

private func unknownOption(_ name: String, among names: [String]) -> SpectralError {
    let closest = names.map { ($0, editDistance($0, name)) }.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
    if let (suggestion, distance) = closest, distance <= max(2, name.count / 3) {
        return SpectralError.usage("unknown option --\(shown(name)) (did you mean --\(suggestion)?)")
    }
    return SpectralError.usage("unknown option --\(shown(name))")
}

/// Levenshtein distance, for "did you mean".
func editDistance(_ a: String, _ b: String) -> Int {
    let (x, y) = (Array(a), Array(b))
    guard x.count < 200, y.count < 200 else { return Int.max }
    var row = Array(0...y.count)
    for i in 1...max(1, x.count) where !x.isEmpty {
        var previous = row[0]
        row[0] = i
        for j in stride(from: 1, through: y.count, by: 1) {
            let substitution = previous + (x[i - 1] == y[j - 1] ? 0 : 1)
            previous = row[j]
            row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
        }
    }
    return row[y.count]
}
