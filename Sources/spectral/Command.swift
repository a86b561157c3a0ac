import Foundation
import SpectralCore

/// A subcommand: its name, one line of summary, its options, and what it does with them.
struct Command {
    let name: String
    let summary: String
    let discussion: String
    let options: [OptionSpec]
    let run: (Arguments, [String]) throws -> Void

    var help: String {
        var lines = ["usage: spectral \(name) [options]", "", summary]
        if !discussion.isEmpty { lines += ["", discussion] }
        lines += ["", "options:"]
        for o in options {
            let left = "  --\(o.name)" + (o.valueName.map { " \($0)" } ?? "")
            let pad = String(repeating: " ", count: max(2, 28 - left.count))
            lines.append(left + pad + o.help + (o.defaultValue.map { " (default: \($0))" } ?? ""))
        }
        lines.append("  --help                    this text")
        return lines.joined(separator: "\n")
    }
}

/// Prints to stdout.
func say(_ text: String) { print(text) }

/// Prints to stderr.
func note(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
