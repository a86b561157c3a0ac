import Foundation
import SpectralCommandLine
import SpectralCore

/// `command [--repeats N] -- ARGS…`: the user's command itself, `spectral ARGS…`, timed end to end (start-up,
/// reading, the engine, every file written), best and median of the repeats, with its peak resident memory.
struct CommandBench: ParsableCommand {
    static let description = CommandDescription(
        name: "command", abstract: "Time a spectral command end to end: spectral-bench command -- regions2d --weights …"
    )
    @Option(help: "timed runs", check: .within(1...100)) var repeats = 3
    @ArgumentList(valueName: "ARGS", help: "the spectral command and its options, after --") var arguments: [String]

    func run(_ invocation: Invocation) throws {
        let executable = try spectralExecutable()
        var seconds: [Double] = []
        var peak = 0
        var status: Int32 = 0
        for _ in 0..<repeats {
            let outcome = try Subprocess.run(executable, arguments, timeout: 24 * 3600)
            seconds.append(outcome.seconds)
            peak = max(peak, outcome.maxResidentBytes)
            status = outcome.shellStatus
            if status != 0 {
                FileHandle.standardError.write(Data(outcome.stderr.utf8))
                break
            }
        }
        let sorted = seconds.sorted()
        emit([
            "benchmark": "command", "arguments": arguments, "runs": seconds.count, "exit_code": Int(status),
            "seconds": sorted[0], "median_seconds": sorted[sorted.count / 2], "peak_mib": Double(peak) / 1_048_576,
        ])
    }
}

/// The `spectral` executable beside this one.
func spectralExecutable() throws -> String {
    let me = URL(
        fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
    let sibling = me.deletingLastPathComponent().appendingPathComponent("spectral").path
    guard FileManager.default.isExecutableFile(atPath: sibling) else {
        throw SpectralError.usage("no spectral executable beside \(me.path); build it first (swift build -c release)")
    }
    return sibling
}

/// Best wall time and peak memory of `repeats` runs of a command that must succeed.
func bestOfRuns(
    _ executable: String, _ arguments: [String], repeats: Int = 2
) throws -> (seconds: Double, peakMiB: Double) {
    var best = Double.infinity
    var peak = 0
    for _ in 0..<repeats {
        let outcome = try Subprocess.run(executable, arguments, timeout: 24 * 3600)
        guard outcome.exitCode == 0 else {
            throw SpectralError.runtime(
                "\(arguments.first ?? "the command") failed (exit \(outcome.shellStatus)): \(outcome.stderr.prefix(300))"
            )
        }
        best = min(best, outcome.seconds)
        peak = max(peak, outcome.maxResidentBytes)
    }
    return (best, Double(peak) / 1_048_576)
}
