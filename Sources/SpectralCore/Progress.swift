import Foundation
import Synchronization

/// Progress of long work on stderr: a bar with rate and time left on a terminal, a plain line every few seconds
/// otherwise (logs, CI). Silent when `quiet`.
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let total: Int
    private let unit: String
    private let quiet: Bool
    private let isTerminal = isatty(2) != 0
    private let start = ProcessInfo.processInfo.systemUptime
    /// The first line comes one interval after the start: work that ends sooner prints nothing.
    private lazy var lastPrint = start
    private let lock = NSLock()

    public init(_ label: String, total: Int, unit: String = "steps", quiet: Bool = false) {
        self.label = label
        self.total = max(1, total)
        self.unit = unit
        self.quiet = quiet
    }

    public func update(_ done: Int, note: String = "") {
        if quiet { return }
        lock.lock()
        defer { lock.unlock() }
        let now = ProcessInfo.processInfo.systemUptime
        let interval = isTerminal ? 0.1 : 5.0
        guard now - lastPrint >= interval || done >= total else { return }
        lastPrint = now
        let elapsed = now - start
        let rate = Double(done) / max(elapsed, 1e-9)
        let left = rate > 0 ? Double(total - done) / rate : .infinity
        let fraction = Double(done) / Double(total)
        let timing = String(format: "%.1f %@/s, %@ left", rate, unit, formatDuration(left))
        if isTerminal {
            let width = 28
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total) \(timing) \(note)\u{1B}[K".utf8))
            if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
        } else {
            FileHandle.standardError.write(
                Data("\(label): \(done)/\(total) (\(Int(fraction * 100))%), \(timing) \(note)\n".utf8))
        }
    }
}

public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    if seconds < 60 { return String(format: "%.0fs", seconds) }
    if seconds < 3600 { return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60) }
    return String(format: "%dh%02dm", Int(seconds) / 3600, (Int(seconds) % 3600) / 60)
}
