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

    public static func install() {
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

    public static var requested: Bool { pending != nil }

    public static func check() throws {
        if let number = pending { throw SpectralError.interrupted(signal: number) }
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
