import Foundation

/// Runs a program and reports how it ended, its wall time and its peak resident memory (from wait4's rusage):
/// what end-to-end benchmarks and tests of the command line measure. Standard output and error go to files, so a
/// chatty child can never fill a pipe and stall.
public enum Subprocess {
    public struct Outcome: Sendable {
        /// The exit status, or nil when a signal ended the process.
        public let exitCode: Int32?
        /// The signal that ended the process (a crash, or the timeout's SIGKILL).
        public let signal: Int32?
        public let timedOut: Bool
        public let seconds: Double
        public let maxResidentBytes: Int
        public let stdout: String
        public let stderr: String

        /// The exit code as a shell reports it: 128 + signal for a signal.
        public var shellStatus: Int32 { exitCode ?? (128 + (signal ?? 0)) }
    }

    /// Runs `executable` with `arguments`; after `timeout` seconds the process group gets SIGKILL. `signals` are sent
    /// to the process once their number of seconds has passed (tests of interrupts).
    public static func run(
        _ executable: String, _ arguments: [String], timeout: Double = 600, input: String? = nil,
        signals: [(signal: Int32, seconds: Double)] = [], environment: [String: String]? = nil
    ) throws -> Outcome {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "spectral-subprocess-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (outPath, errPath, inPath) = (
            folder.appendingPathComponent("out").path, folder.appendingPathComponent("err").path,
            folder.appendingPathComponent("in").path
        )
        _ = FileManager.default.createFile(atPath: inPath, contents: Data((input ?? "").utf8))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let words = [executable] + arguments
        var argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let env =
            (environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } }
            ?? ProcessInfo.processInfo.environment)
            .map { "\($0.key)=\($0.value)" }
        var envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup($0) } + [nil]
        defer { for p in envp { free(p) } }
        var pid: pid_t = 0
        let start = monotonicClock()
        let rc = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        guard rc == 0 else { throw SpectralError.io("cannot start \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        var pending = signals.sorted { $0.seconds < $1.seconds }[...]
        while true {
            let done = wait4(pid, &status, WNOHANG, &usage)
            if done == pid { break }
            if done < 0 && errno != EINTR { throw SpectralError.io("waiting for \(executable) failed") }
            let elapsed = monotonicClock() - start
            while let next = pending.first, elapsed >= next.seconds {
                kill(pid, next.signal)
                pending.removeFirst()
            }
            if elapsed > timeout && !timedOut {
                kill(-pid, SIGKILL)
                timedOut = true
            }
            usleep(2_000)
        }
        let seconds = monotonicClock() - start
        let exited = status & 0x7f == 0
        return Outcome(
            exitCode: exited ? (status >> 8) & 0xff : nil, signal: exited ? nil : status & 0x7f, timedOut: timedOut,
            seconds: seconds, maxResidentBytes: Int(usage.ru_maxrss) * 1024,
            stdout: text(outPath), stderr: text(errPath))
    }

    /// At most 64 MiB of what the child wrote, as text.
    private static func text(_ path: String) -> String {
        let bytes = (try? InputFileReader.read(URL(fileURLWithPath: path), limit: 64 << 20, kind: "output")) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether this process runs under AddressSanitizer or ThreadSanitizer (whose shadow memory inflates every
    /// resident size, and whose checks slow everything down).
    public static var underSanitizer: Bool {
        let process = UnsafeMutableRawPointer(bitPattern: 0)
        return dlsym(process, "__asan_init") != nil || dlsym(process, "__tsan_init") != nil
    }

    private static func monotonicClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
