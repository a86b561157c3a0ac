import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGINT (Ctrl-C) and SIGTERM (what a cluster scheduler sends at its time limit) for long work.
///
/// The first signal only sets a flag; work polls it between units (`Interrupt.check()` throws
/// `SpectralError.interrupted`), so the command stops at a clean point, exits 130 or 143, and leaves its output
/// folder as it was (results are staged beside it and moved into place only at the end). A second signal exits at
/// once with the same code: whatever was staged stays outside the output folder.
public enum Interrupt {
    private static let received = Atomic<Int32>(0)
    private static let count = Atomic<Int>(0)
    /// Calls of `check()` and `requested` so far (the clock of `StopSchedule`).
    private static let polls = Atomic<Int>(0)
    nonisolated(unsafe) private static var schedule = StopSchedule()

    /// Installs the handlers, and the test-only stop schedule of `SPECTRAL_TEST_SIGNALS` if it is set.
    public static func install(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if let text = environment[StopSchedule.variable] { schedule = try StopSchedule(parsing: text) }
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber) { number in
                Interrupt.received.store(number, ordering: .relaxed)
                if Interrupt.count.add(1, ordering: .relaxed).newValue > 1 { _exit(128 + number) }
            }
        }
    }

    /// The signal received, if any.
    public static var pending: Int32? {
        let number = received.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }

    /// Whether a signal has arrived: for loops on pool threads, which stop early and let the caller `check()`.
    public static var requested: Bool {
        countPoll()
        return pending != nil
    }

    public static func check() throws {
        countPoll()
        if let number = pending { throw SpectralError.interrupted(signal: number) }
    }

    private static func countPoll() {
        if !schedule.isEmpty { schedule.deliver(atPoll: polls.add(1, ordering: .relaxed).newValue) }
    }

    /// Forgets a received signal (tests that interrupt in process).
    public static func reset() {
        received.store(0, ordering: .relaxed)
        count.store(0, ordering: .relaxed)
    }

    /// Acts as if `number` had arrived (tests).
    public static func simulate(_ number: Int32) {
        received.store(number, ordering: .relaxed)
        count.add(1, ordering: .relaxed)
    }
}

/// Signals a process sends itself at chosen polls (`Interrupt.check()` or `requested`): how tests stop a run part-way without
/// timing it. `SPECTRAL_TEST_SIGNALS=INT@40` sends SIGINT at the 40th poll; `TERM@7,TERM@7` sends SIGTERM twice
/// at the 7th (the second exits at once); `KILL@300` kills the process without warning. Polls come between units
/// of work (training steps, points of a sweep, layers of an enumeration), so a poll count names the same place in
/// the run on a fast machine and a slow one.
struct StopSchedule {
    static let variable = "SPECTRAL_TEST_SIGNALS"
    private var signalsAtPoll: [Int: [Int32]] = [:]

    init() {}

    /// Parses `NAME@POLL[,NAME@POLL…]` with NAME one of INT, TERM, KILL and POLL ≥ 1.
    init(parsing text: String) throws {
        let names: [String: Int32] = ["INT": SIGINT, "TERM": SIGTERM, "KILL": SIGKILL]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "@")
            guard parts.count == 2, let number = names[String(parts[0])], let poll = Int(parts[1]), poll >= 1 else {
                throw SpectralError.usage(
                    "\(Self.variable) must be a list of INT@N, TERM@N or KILL@N with N ≥ 1, not '\(text)'")
            }
            signalsAtPoll[poll, default: []].append(number)
        }
    }

    var isEmpty: Bool { signalsAtPoll.isEmpty }

    /// Sends this poll's signals to the calling thread (`raise` delivers before it returns), through the installed
    /// handlers as a user's would come.
    func deliver(atPoll poll: Int) {
        for number in signalsAtPoll[poll] ?? [] { raise(number) }
    }
}
