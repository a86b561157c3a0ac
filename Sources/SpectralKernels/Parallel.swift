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
