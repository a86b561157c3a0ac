import SpectralKernels
import XCTest

/// The pool's maps against the serial map they replace: results in task (chunk) order whatever the thread count and
/// whichever thread ran a task; every chunk covers its range exactly once.
final class ParallelMapTests: XCTestCase {
    func testMapReturnsEveryTaskInOrderOnAnyThreadCount() {
        func value(_ task: Int) -> [Int] { Array(repeating: task, count: task % 5) + [task * task] }
        let serial = (0..<1000).map(value)
        for threads in [1, 2, 3, 7] {
            let pool = ThreadPool(threadCount: threads)
            let workers = pool.map(tasks: 1000) { _, worker in worker }
            XCTAssertEqual(pool.map(tasks: 1000) { task, _ in value(task) }, serial, "\(threads) threads")
            XCTAssertTrue(workers.allSatisfy { (0..<threads).contains($0) }, "\(threads) threads: worker ids")
            XCTAssertEqual(pool.map(tasks: 0) { task, _ in task }, [])
            XCTAssertEqual(pool.map(tasks: 1) { task, _ in task + 42 }, [42])
        }
    }

    func testMapChunksCoversTheRangeOnceInOrder() {
        let pool = ThreadPool(threadCount: 3)
        for (count, size) in [(0, 4), (1, 4), (10, 3), (12, 3), (1000, 64), (5, 0)] {
            let chunks = pool.mapChunks(count: count, chunkSize: size) { $0 }
            XCTAssertEqual(chunks.flatMap { Array($0) }, Array(0..<count), "\(count) in chunks of \(size)")
            XCTAssertTrue(chunks.dropLast().allSatisfy { $0.count == max(1, size) }, "\(count) in chunks of \(size)")
        }
    }
}
