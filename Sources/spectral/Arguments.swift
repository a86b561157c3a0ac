import Foundation
import SpectralCore

/// One option a command accepts: `--name VALUE`, or a flag when `valueName` is nil.
struct OptionSpec {
    let name: String
    let valueName: String?
    let help: String
    let defaultValue: String?

    init(_ name: String, _ valueName: String?, _ help: String, default defaultValue: String? = nil) {
        self.name = name
        self.valueName = valueName
        self.help = help
        self.defaultValue = defaultValue
    }

    static let out = OptionSpec("out", "DIR", "folder for the results (created if needed)")
    static let seed = OptionSpec("seed", "N", "seed of every random draw in the run", default: "0")
    static let threads = OptionSpec("threads", "N", "worker threads (default: all cores)")
    static let quiet = OptionSpec("quiet", nil, "no progress on stderr")
}

/// Parsed command-line options, validated against the command's specs before anything runs: an unknown option, a
/// missing value or a malformed number is a usage error (exit 64) naming the option.
struct Arguments {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    let specs: [OptionSpec]

    init(_ tokens: [String], specs: [OptionSpec]) throws {
        self.specs = specs
        var i = 0
        while i < tokens.count {
            let token = tokens[i]
            guard token.hasPrefix("--"), token.count > 2 else {
                throw SpectralError.usage("unexpected argument '\(token)'; options start with --")
            }
            var name = String(token.dropFirst(2))
            var inlineValue: String?
            if let eq = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw SpectralError.usage("unknown option --\(name)")
            }
            if spec.valueName == nil {
                guard inlineValue == nil else { throw SpectralError.usage("--\(name) takes no value") }
                flags.insert(name)
            } else if let inlineValue {
                values[name] = inlineValue
            } else {
                guard i + 1 < tokens.count else { throw SpectralError.usage("--\(name) needs a value (\(spec.valueName!))") }
                i += 1
                values[name] = tokens[i]
            }
            i += 1
        }
    }

    func has(_ name: String) -> Bool { values[name] != nil || flags.contains(name) }
    func flag(_ name: String) -> Bool { flags.contains(name) }

    func string(_ name: String) -> String? {
        values[name] ?? specs.first { $0.name == name }?.defaultValue
    }

    func require(_ name: String) throws -> String {
        guard let v = string(name) else { throw SpectralError.usage("--\(name) is required") }
        return v
    }

    func int(_ name: String, range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw SpectralError.usage("--\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return v
    }

    func double(_ name: String, positive: Bool = false) throws -> Double? {
        guard let text = string(name) else { return nil }
        guard let v = Double(text), v.isFinite, !positive || v > 0 else {
            throw SpectralError.usage("--\(name) must be a \(positive ? "positive " : "")finite number, not '\(text)'")
        }
        return v
    }

    /// A comma-separated list, or START:STOP:STEP (inclusive of STOP when it lands on the grid).
    func doubles(_ name: String) throws -> [Double]? {
        guard let text = string(name) else { return nil }
        return try parseNumberList(text, option: name)
    }

    func choice<T: RawRepresentable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String, T: CaseIterable {
        guard let text = string(name) else { return nil }
        guard let v = T(rawValue: text) else {
            throw SpectralError.usage("--\(name) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return v
    }

    var seed: UInt64 {
        get throws {
            let text = string("seed") ?? "0"
            guard let v = UInt64(text) else { throw SpectralError.usage("--seed must be a non-negative whole number, not '\(text)'") }
            return v
        }
    }

    var threads: Int {
        get throws { try int("threads", range: 1...256) ?? max(1, ProcessInfo.processInfo.activeProcessorCount) }
    }

    var outputDirectory: URL {
        get throws { URL(fileURLWithPath: try require("out"), isDirectory: true) }
    }
}

/// Parses "1,2,3" or "START:STOP:STEP".
func parseNumberList(_ text: String, option: String) throws -> [Double] {
    let bad = SpectralError.usage("--\(option) must be a comma-separated list of numbers or START:STOP:STEP, not '\(text)'")
    if text.contains(":") {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard parts.count == 3, let start = parts[0], let stop = parts[1], let step = parts[2],
              start.isFinite, stop.isFinite, step.isFinite, step > 0, stop >= start else { throw bad }
        let count = Int(((stop - start) / step + 1e-9).rounded(.down)) + 1
        guard count <= 10_000_000 else { throw SpectralError.usage("--\(option) asks for \(count) values; at most 10,000,000") }
        return (0..<count).map { start + Double($0) * step }
    }
    let values = text.split(separator: ",", omittingEmptySubsequences: false).map {
        Double($0.trimmingCharacters(in: .whitespaces))
    }
    guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite }) else { throw bad }
    return values.map { $0! }
}
