import Foundation
import SpectralCore

/// A program made of subcommands (`spectral exp1 …`), with `help`, `help COMMAND`, `--help` anywhere,
/// `--version` and `completion bash|zsh`.
public struct CommandLineProgram {
    public let name: String
    public let version: String
    public let abstract: String
    public let commands: [any ParsableCommand.Type]

    public init(name: String, version: String, abstract: String, commands: [any ParsableCommand.Type]) {
        self.name = name
        self.version = version
        self.abstract = abstract
        self.commands = commands
    }

    /// What a command line asks for, before anything runs.
    public enum Request {
        case run(any ParsableCommand, name: String)
        case text(String)
    }

    /// Parses the words after the program name. Usage errors throw `SpectralError.usage`.
    public func request(_ words: [String]) throws -> Request {
        guard let first = words.first else {
            throw SpectralError.usage("no command given; '\(name) help' lists the commands")
        }
        switch first {
        case "help", "--help", "-h":
            guard words.count > 1 else { return .text(usage) }
            guard let command = command(named: words[1]) else { throw unknownCommand(words[1]) }
            return .text(help(for: command))
        case "--version":
            return .text("\(name) \(version)")
        case "completion":
            guard words.count == 2, let shell = Shell(rawValue: words[1]) else {
                throw SpectralError.usage("completion needs one shell: bash or zsh")
            }
            return .text(completionScript(shell))
        default:
            guard let command = command(named: first) else { throw unknownCommand(first) }
            let rest = Array(words.dropFirst())
            if rest.contains("--help") || rest.contains("-h") { return .text(help(for: command)) }
            let words = (command as? any WrappingCommand.Type).map { $0.separate(rest) } ?? rest
            return .run(try parseCommand(command, words), name: first)
        }
    }

    /// Runs the command line and returns the exit code; errors become one sentence on stderr.
    public func main(_ arguments: [String]) -> Int32 {
        let words = Array(arguments.dropFirst())
        let commandName = words.first.map { command(named: $0) != nil ? " \($0)" : "" } ?? ""
        do {
            switch try request(words) {
            case .text(let text):
                print(text)
            case .run(let command, _):
                try command.run(Invocation(arguments: arguments))
            }
            return 0
        } catch let error as SpectralError {
            FileHandle.standardError.write(Data("\(name)\(commandName): \(error.description)\n".utf8))
            return error.exitCode
        } catch {
            FileHandle.standardError.write(Data("\(name)\(commandName): \(error)\n".utf8))
            return 1
        }
    }

    func command(named name: String) -> (any ParsableCommand.Type)? {
        commands.first { $0.description.name == name }
    }

    private func unknownCommand(_ word: String) -> SpectralError {
        let closest = commands.map { $0.description.name }.min { editDistance($0, word) < editDistance($1, word) }
        let hint = closest.flatMap { editDistance($0, word) <= 2 ? " (did you mean '\($0)'?)" : nil } ?? ""
        return SpectralError.usage("unknown command '\(shown(word))'\(hint); '\(name) help' lists the commands")
    }

    public var usage: String {
        var lines = [
            "usage: \(name) <command> [options]   (\(name) <command> --help for its options)", "", abstract, "",
            "commands:",
        ]
        let width = (commands.map { $0.description.name.count }.max() ?? 8) + 2
        for c in commands {
            lines.append(
                "  " + c.description.name.padding(toLength: width, withPad: " ", startingAt: 0) + c.description.abstract
            )
        }
        lines.append(
            "  " + "help".padding(toLength: width, withPad: " ", startingAt: 0) + "this text, or a command's help")
        lines.append(
            "  " + "completion".padding(toLength: width, withPad: " ", startingAt: 0)
                + "a bash or zsh completion script")
        return lines.joined(separator: "\n")
    }

    public func help(for command: any ParsableCommand.Type) -> String {
        let slots = argumentSlots(of: command.init())
        let positionals = slots.filter { $0.kind == .positional || $0.kind == .positionalList }
            .map { $0.kind == .positionalList ? "\($0.valueName)…" : $0.valueName }
        var lines = [
            "usage: \(name) \(command.description.name) [options]\(positionals.map { " " + $0 }.joined())", "",
            command.description.abstract,
        ]
        if !command.description.discussion.isEmpty { lines += ["", command.description.discussion] }
        let rows =
            slots.map { slot -> (String, String) in
                switch slot.kind {
                case .option:
                    return ("--\(slot.name) \(slot.valueName)", slot.help + (slot.isRequired ? " (required)" : ""))
                case .flag: return ("--\(slot.name)", slot.help)
                case .positional, .positionalList: return (slot.valueName, slot.help)
                }
            } + [("-h, --help", "this text")]
        let width = min(30, rows.map(\.0.count).max() ?? 0) + 2
        lines += ["", "options:"]
        for (left, right) in rows {
            let pad =
                left.count < width
                ? String(repeating: " ", count: width - left.count) : "\n" + String(repeating: " ", count: width + 2)
            lines.append("  " + left + pad + right)
        }
        return lines.joined(separator: "\n")
    }
}

public enum Shell: String, CaseIterable, Sendable { case bash, zsh }

extension CommandLineProgram {
    /// A completion script: commands, each command's options, and the values of options with named choices, files
    /// or folders.
    public func completionScript(_ shell: Shell) -> String {
        let described = commands.map { ($0.description.name, argumentSlots(of: $0.init())) }
        switch shell {
        case .bash: return bashScript(described)
        case .zsh: return zshScript(described)
        }
    }

    private func bashScript(_ described: [(String, [ArgumentSlot])]) -> String {
        let function = "_\(name.replacingOccurrences(of: "-", with: "_"))"
        var cases: [String] = []
        for (command, slots) in described {
            let words = slots.filter { $0.kind == .option || $0.kind == .flag }.map { "--\($0.name)" } + ["--help"]
            var values: [String] = []
            for slot in slots where slot.kind == .option {
                switch slot.completion {
                case .choices(let choices):
                    values.append(
                        "--\(slot.name)) COMPREPLY=($(compgen -W \"\(choices.joined(separator: " "))\" -- \"$cur\")); return;;"
                    )
                case .file: values.append("--\(slot.name)) COMPREPLY=($(compgen -f -- \"$cur\")); return;;")
                case .directory: values.append("--\(slot.name)) COMPREPLY=($(compgen -d -- \"$cur\")); return;;")
                case .none: values.append("--\(slot.name)) return;;")
                }
            }
            cases.append(
                """
                    \(command))
                      case "$prev" in
                        \(values.joined(separator: "\n        "))
                      esac
                      COMPREPLY=($(compgen -W "\(words.joined(separator: " "))" -- "$cur"));;
                """)
        }
        let names = described.map(\.0) + ["help", "completion"]
        return """
            # bash completion for \(name); load with: source <(\(name) completion bash)
            \(function)() {
              local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
              if [ "$COMP_CWORD" -eq 1 ]; then
                COMPREPLY=($(compgen -W "\(names.joined(separator: " "))" -- "$cur")); return
              fi
              case "${COMP_WORDS[1]}" in
                help) COMPREPLY=($(compgen -W "\(described.map(\.0).joined(separator: " "))" -- "$cur"));;
                completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur"));;
            \(cases.joined(separator: "\n"))
              esac
            }
            complete -F \(function) \(name)
            """
    }

    private func zshScript(_ described: [(String, [ArgumentSlot])]) -> String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "'", with: "'\\''").replacingOccurrences(of: "[", with: "(")
                .replacingOccurrences(of: "]", with: ")").replacingOccurrences(of: ":", with: "\\:")
        }
        var functions: [String] = []
        for (command, slots) in described {
            let specs = slots.filter { $0.kind == .option || $0.kind == .flag }.map { slot -> String in
                let help = escaped(String(slot.help.prefix(70)))
                if slot.kind == .flag { return "'--\(slot.name)[\(help)]'" }
                let action: String
                switch slot.completion {
                case .choices(let choices): action = "(\(choices.joined(separator: " ")))"
                case .file: action = "_files"
                case .directory: action = "_files -/"
                case .none: action = " "
                }
                return "'--\(slot.name)[\(help)]:\(slot.valueName):\(action)'"
            }
            functions.append("  \(command)) _arguments \\\n      \(specs.joined(separator: " \\\n      "));;")
        }
        let list = commands.map { "'\($0.description.name):\(escaped($0.description.abstract))'" }
        return """
            #compdef \(name)
            # zsh completion for \(name); load with: source <(\(name) completion zsh)
            _\(name.replacingOccurrences(of: "-", with: "_"))() {
              if (( CURRENT == 2 )); then
                local -a commands; commands=(\(list.joined(separator: " ")) 'help:help' 'completion:completion')
                _describe 'command' commands; return
              fi
              shift words; (( CURRENT-- ))
              case "${words[1]}" in
            \(functions.joined(separator: "\n"))
              esac
            }
            compdef _\(name.replacingOccurrences(of: "-", with: "_")) \(name)
            """
    }
}

/// A command that runs another command line (`spectral slurm scaling1d --depths 2,3 --tasks 4 --out DIR`): its own
/// options are taken wherever they appear; every other word is handed on, in order, to its positional list.
public protocol WrappingCommand: ParsableCommand {}

extension WrappingCommand {
    /// The words rearranged as `own options -- the wrapped command line`.
    static func separate(_ words: [String]) -> [String] {
        let slots = argumentSlots(of: Self())
        let options = Set(slots.filter { $0.kind == .option }.map(\.displayName))
        let flags = Set(slots.filter { $0.kind == .flag }.map(\.displayName))
        var own: [String] = []
        var wrapped: [String] = []
        var i = 0
        while i < words.count {
            let word = words[i]
            let name = String(word.split(separator: "=", maxSplits: 1).first ?? "")
            if options.contains(word) {
                own.append(word)
                if i + 1 < words.count { own.append(words[i + 1]) }
                i += 2
                continue
            }
            if options.contains(name) || flags.contains(word) { own.append(word) } else { wrapped.append(word) }
            i += 1
        }
        return own + ["--"] + wrapped
    }
}
