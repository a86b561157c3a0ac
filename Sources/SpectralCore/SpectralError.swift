#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The error every layer of the package throws for a condition the user can act on.
///
/// Each case maps to the exit code of docs/conventions.md, and `description` is one plain sentence naming the thing
/// that is wrong (the command line prints it to stderr as it is).
public enum SpectralError: Error, CustomStringConvertible, Equatable {
    /// A wrong option, value or combination on the command line (exit 64).
    case usage(String)
    /// A file or value the program cannot use: malformed, wrong shape, NaN where numbers are needed (exit 65).
    case badInput(String)
    /// A failure while running: a divergent training run, a numerical breakdown (exit 1).
    case runtime(String)
    /// Reading or writing a file failed (exit 74).
    case io(String)
    /// SIGINT (exit 130) or SIGTERM (exit 143) stopped the run between two units of work.
    case interrupted(signal: Int32)

    public var exitCode: Int32 {
        switch self {
        case .usage: return 64
        case .badInput: return 65
        case .runtime: return 1
        case .io: return 74
        case .interrupted(let signal): return 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .usage(let m), .badInput(let m), .runtime(let m), .io(let m): return m
        case .interrupted(let signal):
            return "stopped by \(signal == SIGTERM ? "SIGTERM" : "SIGINT"); the output folder was left as it was"
        }
    }
}
