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
    /// Cuts 0..<count into chunks of `chunkSize` (the cut depends on neither the thread count nor timing), runs
    /// `body` on each across the pool, and returns the results in chunk order: for work whose outputs are
    /// concatenated, so the result is the same for any thread count.
    public func mapChunks<Result>(count: Int, chunkSize: Int, _ body: (Range<Int>) -> Result) -> [Result] {
        if count <= 0 { return [] }
        let size = max(1, chunkSize)
        let chunks = (count + size - 1) / size
        let results = UnsafeMutablePointer<Result?>.allocate(capacity: chunks)
        results.initialize(repeating: nil, count: chunks)
        defer {
            results.deinitialize(count: chunks)
            results.deallocate()
        }
        run(tasks: chunks) { task, _ in
            results[task] = body(task * size..<min(count, (task + 1) * size))
        }
        return (0..<chunks).map { results[$0]! }
    }
}
