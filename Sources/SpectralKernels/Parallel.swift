extension ThreadPool {
    /// Splits 0..<count into contiguous chunks of at least `minimumChunk` elements (at most four per thread) and runs
    /// `body(range)` on each across the pool. For element-wise work, whose result cannot depend on the split.
    public func forEachChunk(count: Int, minimumChunk: Int = 4096, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let chunks = max(1, min(4 * threadCount, count / max(1, minimumChunk)))
        let size = (count + chunks - 1) / chunks
        run(tasks: (count + size - 1) / size) { task, _ in
            body(task * size..<min(count, (task + 1) * size))
        }
    }
}

extension ThreadPool {
    /// Runs `body(task, worker)` for every task in 0..<count across the pool and returns the results in task order.
    /// Each task writes only its own slot, so no lock is taken; the results do not depend on the thread count.
    public func map<Result>(tasks count: Int, _ body: (_ task: Int, _ worker: Int) -> Result) -> [Result] {
        if count <= 0 { return [] }
        let slots = _TaskSlots<Result>(count: count)
        defer { slots.release() }
        run(tasks: count) { task, worker in slots.store(body(task, worker), at: task) }
        return slots.results()
    }

    /// Cuts 0..<count into chunks of `chunkSize` (the cut depends on neither the thread count nor timing), runs
    /// `body` on each across the pool, and returns the results in chunk order: for work whose outputs are
    /// concatenated, so the result is the same for any thread count.
    public func mapChunks<Result>(count: Int, chunkSize: Int, _ body: (Range<Int>) -> Result) -> [Result] {
        if count <= 0 { return [] }
        let size = max(1, chunkSize)
        return map(tasks: (count + size - 1) / size) { task, _ in body(task * size..<min(count, (task + 1) * size)) }
    }
}

/// One slot per task of a parallel map: written once each, by the task that owns it, and read after the pool has
/// joined. Debug builds check that every index is in range, no slot is written twice and every slot is written.
struct _TaskSlots<Element>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Element?>
    let count: Int

    init(count: Int) {
        self.count = count
        base = .allocate(capacity: count)
        base.initialize(repeating: nil, count: count)
    }

    func store(_ value: Element, at index: Int) {
        assert(index >= 0 && index < count, "task slot \(index) outside 0..<\(count)")
        assert(base[index] == nil, "task slot \(index) written twice")
        base[index] = value
    }

    /// The values in slot order; every slot must have been written.
    func results() -> [Element] {
        (0..<count).map { index in
            guard let value = base[index] else { preconditionFailure("task slot \(index) was never written") }
            return value
        }
    }

    func release() {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
