import CSpectralSIMD
import Foundation
import Synchronization

/// What `spectral profile` times: the operations of a training step, per layer, and what each thread of the pool
/// does meanwhile.
public enum ProfiledOperation: UInt8, CaseIterable, Sendable {
    /// The whole step, and the phases between a step's start and its first operation (gathering a mini-batch).
    case step, batch
    /// Forward: the layer's GEMM with its bias (+ ReLU) epilogue.
    case forward
    case loss
    /// Backward: ∂W = Gᵀ·H, the bias gradient (column sums of G), ∂X = (G·W) ⊙ mask.
    case weightGradient, biasGradient, inputGradient
    case optimizer
    /// The calling thread's share of a fused step's pool jobs outside its own tasks (waking the pool, taking each
    /// task, waiting for the last), where no single operation or layer is running on it.
    case join
    /// Inside the GEMM, per thread: packing a B panel or an A block, and the whole task (packing included).
    case packB, packA, gemmTask
    /// Inside the pool, per worker: a task of another kind than GEMM (the optimiser's chunks), spinning for work,
    /// asleep on the condition variable.
    case task, spin, sleep

    public var name: String {
        switch self {
        case .step: return "step"
        case .batch: return "gather batch"
        case .forward: return "forward GEMM + bias/ReLU"
        case .loss: return "loss and output gradient"
        case .weightGradient: return "backward dW GEMM"
        case .biasGradient: return "backward bias gradient"
        case .inputGradient: return "backward dX GEMM + ReLU mask"
        case .optimizer: return "optimizer update"
        case .join: return "pool dispatch and wait"
        case .packB: return "pack B panel"
        case .packA: return "pack A block"
        case .gemmTask: return "GEMM task"
        case .task: return "pool task"
        case .spin: return "pool spin"
        case .sleep: return "pool sleep"
        }
    }
}

/// Timestamps of operations, per thread, while a session is active; every probe costs a load and a branch when
/// none is. Each thread writes only its own preallocated buffer (worker index), so recording takes no lock.
public final class OperationProfiler: @unchecked Sendable {
    public struct Event: Sendable {
        public var operation: ProfiledOperation
        public var layer: Int16
        public var thread: UInt8
        public var start: UInt64
        public var end: UInt64
    }

    /// The session being recorded (nil: probes do nothing). Set it on the thread that runs the pools, between
    /// their jobs: a job hands it to the workers (they read it after the job's release and never while idle).
    nonisolated(unsafe) public static var active: OperationProfiler?

    public let threads: Int
    public let capacity: Int
    private let buffers: [UnsafeMutablePointer<Event>]
    private let counts: UnsafeMutablePointer<Int>
    private let overflowed = Atomic<Bool>(false)
    /// The clocks at the session's start, to turn ticks into nanoseconds (see `events`).
    let origin: (ticks: UInt64, nanoseconds: UInt64)

    public init(threads: Int, capacity: Int = 1 << 20) {
        self.threads = threads
        self.capacity = capacity
        // Written through once here so that no probe takes a page fault on its first event in a page.
        buffers = (0..<threads).map { _ in
            let buffer = UnsafeMutablePointer<Event>.allocate(capacity: capacity)
            UnsafeMutableRawPointer(buffer).initializeMemory(
                as: UInt8.self, repeating: 0, count: capacity * MemoryLayout<Event>.stride)
            return buffer
        }
        counts = .allocate(capacity: threads)
        counts.initialize(repeating: 0, count: threads)
        origin = (OperationProfiler.now(), OperationProfiler.monotonicNanoseconds())
    }

    deinit {
        for b in buffers { b.deallocate() }
        counts.deallocate()
    }

    /// The probes' clock, in ticks of `spectral_ticks` (the time-stamp counter on x86-64): only differences and
    /// order mean anything until `events` converts them.
    @inline(__always)
    public static func now() -> UInt64 { spectral_ticks() }

    static func monotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    @inline(__always)
    public func record(_ operation: ProfiledOperation, layer: Int, thread: Int, start: UInt64, end: UInt64) {
        guard thread < threads else { return }
        let n = counts[thread]
        guard n < capacity else {
            overflowed.store(true, ordering: .relaxed)
            return
        }
        buffers[thread][n] = Event(
            operation: operation, layer: Int16(clamping: layer), thread: UInt8(thread), start: start, end: end)
        counts[thread] = n + 1
    }

    /// Every event recorded, thread by thread in time order, its times in nanoseconds on the monotonic clock; and
    /// whether a buffer filled (events were dropped). Ticks become nanoseconds at the rate the two clocks kept from
    /// the session's start to this call, which is exact to the rate's error over that span (parts per million
    /// over the fraction of a second or more a profile runs).
    public var events: (events: [Event], complete: Bool) {
        let (ticks, nanoseconds) = (OperationProfiler.now(), OperationProfiler.monotonicNanoseconds())
        let rate = ticks > origin.ticks ? Double(nanoseconds - origin.nanoseconds) / Double(ticks - origin.ticks) : 1
        func converted(_ t: UInt64) -> UInt64 {
            let elapsed = (Double(Int64(bitPattern: t &- origin.ticks)) * rate).rounded()
            return UInt64(max(0, Double(origin.nanoseconds) + elapsed))
        }
        var out: [Event] = []
        for t in 0..<threads {
            for var e in UnsafeBufferPointer(start: buffers[t], count: counts[t]) {
                (e.start, e.end) = (converted(e.start), converted(e.end))
                out.append(e)
            }
        }
        return (out, !overflowed.load(ordering: .relaxed))
    }
}

/// Times `body` as `operation` of `layer` on `thread` when a profiling session is active.
@inline(__always)
public func profiled<T>(
    _ operation: ProfiledOperation, layer: Int = -1, thread: Int = 0, _ body: () throws -> T
) rethrows -> T {
    guard let profiler = OperationProfiler.active else { return try body() }
    let start = OperationProfiler.now()
    defer { profiler.record(operation, layer: layer, thread: thread, start: start, end: OperationProfiler.now()) }
    return try body()
}
