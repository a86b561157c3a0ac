import Foundation
import SpectralKernels
import XCTest

/// The profiler's clock (time-stamp counter ticks, converted at the end) against CLOCK_MONOTONIC read around the
/// same spans, and its bookkeeping (per-thread buffers, nesting, overflow).
final class OperationProfilerTests: XCTestCase {
    private func monotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    private func spin(nanoseconds: UInt64) {
        let until = monotonicNanoseconds() + nanoseconds
        while monotonicNanoseconds() < until {}
    }

    /// A 30 ms span and a 5 ms span nested in it, timed by the probes, must sit inside the monotonic readings taken
    /// just outside them and last as long. The slack is 50 µs: the conversion rate comes from two pairs of clock
    /// reads tens of milliseconds apart, good to parts per million; what is left is the few reads between the
    /// outer and inner clocks and a possible preemption. Unconverted ticks (a rate of 1) are off by the counter's
    /// frequency in GHz, a factor far outside it.
    func testTicksBecomeNanosecondsOfTheMonotonicClock() {
        let profiler = OperationProfiler(threads: 1, capacity: 16)
        OperationProfiler.active = profiler
        let before = monotonicNanoseconds()
        profiled(.step) {
            spin(nanoseconds: 10_000_000)
            profiled(.forward, layer: 3) { spin(nanoseconds: 5_000_000) }
            spin(nanoseconds: 15_000_000)
        }
        let after = monotonicNanoseconds()
        OperationProfiler.active = nil
        spin(nanoseconds: 10_000_000)
        let (events, complete) = profiler.events
        XCTAssertTrue(complete)
        XCTAssertEqual(events.map(\.operation), [.forward, .step], "events are stored as they end")
        XCTAssertEqual(events.map(\.layer), [3, -1])
        let slack: UInt64 = 50_000
        let (inner, outer) = (events[0], events[1])
        XCTAssertGreaterThanOrEqual(outer.start + slack, before)
        XCTAssertLessThanOrEqual(outer.end, after + slack)
        XCTAssertGreaterThanOrEqual(outer.end - outer.start + slack, 30_000_000)
        XCTAssertLessThanOrEqual(outer.end - outer.start, after - before + slack)
        XCTAssertTrue(outer.start <= inner.start && inner.end <= outer.end, "the inner span lies in the outer")
        XCTAssertEqual(Double(inner.end - inner.start), 5e6, accuracy: Double(slack))
    }

    /// Each pool thread writes its own buffer; tasks recorded by a worker carry its index, and a full buffer drops
    /// events and says so instead of writing past its end.
    func testThreadsKeepTheirOwnEventsAndOverflowIsReported() {
        let pool = ThreadPool(threadCount: 2)
        let profiler = OperationProfiler(threads: 2, capacity: 3)
        OperationProfiler.active = profiler
        defer { OperationProfiler.active = nil }
        for _ in 0..<5 { profiled(.loss, thread: 1) {} }
        var (events, complete) = profiler.events
        XCTAssertFalse(complete)
        XCTAssertEqual(events.count, 3)
        XCTAssertTrue(events.allSatisfy { $0.thread == 1 && $0.operation == .loss })

        let fresh = OperationProfiler(threads: 2)
        OperationProfiler.active = fresh
        pool.run(tasks: 64) { task, worker in
            profiled(.packA, layer: task, thread: worker) { spin(nanoseconds: 20_000) }
        }
        (events, complete) = fresh.events
        XCTAssertTrue(complete)
        let packs = events.filter { $0.operation == .packA }
        XCTAssertEqual(Set(packs.map(\.layer)), Set((0..<64).map(Int16.init)), "every task recorded once")
        XCTAssertEqual(packs.count, 64)
        for thread in 0..<2 {
            let own = events.filter { Int($0.thread) == thread }
            XCTAssertTrue(zip(own, own.dropFirst()).allSatisfy { $0.end <= $1.end }, "thread \(thread) in time order")
        }
    }
}
