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

    /// 200 spans of 50–450 µs, each a `.forward` nested in a `.step`, with the monotonic clock read just outside the
    /// step and just inside the forward span. Whatever the machine's speed or a preemption does, the clock readings
    /// inside lie within the forward span, which lies within the step, which lies within the readings outside: each
    /// converted duration is checked between the two monotonic ones, and over all spans the converted time over the
    /// inner monotonic time is a rate that must be 1 (to 1e-3). Slack of a position: 10 µs plus 1e-3 of the span.
    /// The conversion pairs a tick read with a monotonic read at the start and at the end; the time between the two
    /// reads of a pair (a microsecond under AddressSanitizer) shifts every converted position by up to about twice
    /// that. An unconverted tick count is off by a factor of the counter's frequency in GHz.
    func testTicksBecomeNanosecondsOfTheMonotonicClock() {
        let spans = 200
        let profiler = OperationProfiler(threads: 1, capacity: 2 * spans)
        OperationProfiler.active = profiler
        var inside: [(start: UInt64, end: UInt64)] = []
        var outside: [(start: UInt64, end: UInt64)] = []
        for span in 0..<spans {
            let before = monotonicNanoseconds()
            profiled(.step) {
                profiled(.forward, layer: 3) {
                    let start = monotonicNanoseconds()
                    spin(nanoseconds: 50_000 + UInt64(span % 5) * 100_000)
                    inside.append((start, monotonicNanoseconds()))
                }
            }
            outside.append((before, monotonicNanoseconds()))
        }
        OperationProfiler.active = nil
        let (events, complete) = profiler.events
        XCTAssertTrue(complete)
        XCTAssertEqual(events.map(\.operation), (0..<spans).flatMap { _ in [.forward, .step] }, "stored as they end")
        XCTAssertEqual(Set(events.map(\.layer)), [3, -1])
        guard events.count == 2 * spans else { return XCTFail("\(events.count) events for \(spans) spans") }
        func slack(_ nanoseconds: UInt64) -> UInt64 { 10_000 + nanoseconds / 1_000 }
        var (converted, monotonic) = (0.0, 0.0)
        for span in 0..<spans {
            let (forward, step) = (events[2 * span], events[2 * span + 1])
            let (inner, outer) = (inside[span], outside[span])
            XCTAssertLessThanOrEqual(outer.start, step.start + slack(outer.end - outer.start), "span \(span)")
            XCTAssertLessThanOrEqual(step.start, forward.start, "span \(span): the forward span lies in the step")
            XCTAssertLessThanOrEqual(forward.end, step.end, "span \(span): the forward span lies in the step")
            XCTAssertLessThanOrEqual(forward.start, inner.start + slack(inner.end - inner.start), "span \(span)")
            XCTAssertLessThanOrEqual(inner.end, forward.end + slack(inner.end - inner.start), "span \(span)")
            XCTAssertLessThanOrEqual(step.end, outer.end + slack(outer.end - outer.start), "span \(span)")
            converted += Double(forward.end - forward.start)
            monotonic += Double(inner.end - inner.start)
        }
        let outerTotal = outside.reduce(0.0) { $0 + Double($1.end - $1.start) }
        XCTAssertGreaterThanOrEqual(converted / monotonic, 1 - 1e-3, "the converted clock runs slow")
        XCTAssertLessThanOrEqual(converted / monotonic, outerTotal / monotonic + 1e-3, "the converted clock runs fast")
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
