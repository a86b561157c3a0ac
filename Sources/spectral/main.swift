import Foundation
import SpectralCore

/// Every subcommand, in the order `spectral help` lists them.
let commands: [Command] = [demoCommand, trainCommand, exp1Command, spectrumCommand, exact1dCommand, scaling1dCommand, regions2dCommand, exact2dCommand, scaling2dCommand, exp2Command, exp7Command]

func usage() -> String {
    var lines = ["usage: spectral <command> [options]   (spectral <command> --help for its options)", "", "commands:"]
    for c in commands { lines.append("  " + c.name.padding(toLength: 12, withPad: " ", startingAt: 0) + c.summary) }
    lines.append("  help        this text")
    return lines.joined(separator: "\n")
}

func main() -> Int32 {
    let argv = CommandLine.arguments
    guard argv.count >= 2 else { note(usage()); return 64 }
    let name = argv[1]
    if name == "help" || name == "--help" || name == "-h" {
        if argv.count >= 3, let c = commands.first(where: { $0.name == argv[2] }) { say(c.help) } else { say(usage()) }
        return 0
    }
    if name == "--version" { say("spectral \(SpectralVersion.string)"); return 0 }
    guard let command = commands.first(where: { $0.name == name }) else {
        note("spectral: unknown command '\(name)'\n\n" + usage())
        return 64
    }
    let rest = Array(argv.dropFirst(2))
    if rest.contains("--help") || rest.contains("-h") { say(command.help); return 0 }
    do {
        try CPUFeatures.check()
        let args = try Arguments(rest, specs: command.options)
        Interrupt.install()
        try command.run(args, argv)
        return 0
    } catch let error as SpectralError {
        note("spectral \(name): \(error.description)")
        return error.exitCode
    } catch {
        note("spectral \(name): \(error)")
        return 1
    }
}

exit(main())
