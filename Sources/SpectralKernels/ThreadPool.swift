import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A persistent pool of worker threads that runs `taskCount` independent tasks and returns when all are done.
///
/// The calling thread works too, so a pool of `threadCount` uses `threadCount - 1` extra threads. Workers spin
/// briefly after a job (kernels are called back to back during training, and waking a sleeping thread costs tens of
/// microseconds) and then sleep on a condition variable. Tasks are taken from a shared counter, so which thread
/// runs which task varies; callers must make each task's result independent of that (the GEMM splits output
/// tiles only, never a reduction), which is what keeps results bitwise identical for any thread count.
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int

    private let generation = Atomic<Int>(0)
    private let nextTask = Atomic<Int>(0)
    private let busyWorkers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var threads: [pthread_t] = []

    // The current job and the profiling session it runs in; written by the caller before `generation` is bumped,
    // read by workers after. Workers never read `OperationProfiler.active` while idle: the caller may be setting it.
    private var job: ((Int, Int) -> Void)?
    private var jobProfiler: OperationProfiler?
    private var taskCount = 0

    private static let spinIterations = 200_000

    private struct WorkerStart {
        let pool: Unmanaged<ThreadPool>
        let id: Int
    }

    public init(threadCount: Int) {
        precondition(threadCount >= 1, "a thread pool needs at least one thread")
        self.threadCount = threadCount
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        for id in 1..<threadCount {
            // The pool is held unretained: it joins its workers in deinit, so it outlives them, and a retained
            // reference would keep it alive forever.
            let start = UnsafeMutablePointer<WorkerStart>.allocate(capacity: 1)
            start.initialize(to: WorkerStart(pool: Unmanaged.passUnretained(self), id: id))
            var thread = pthread_t()
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    let startPointer = raw!.assumingMemoryBound(to: WorkerStart.self)
                    let start = startPointer.move()
                    startPointer.deallocate()
                    start.pool._withUnsafeGuaranteedRef { $0.workerLoop(id: start.id) }
                    return nil
                }, start)
            precondition(rc == 0, "could not start a worker thread (pthread_create returned \(rc))")
            threads.append(thread)
        }
    }

    deinit {
        stopping.store(true, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(&mutex)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_cond_broadcast(&wake)
        pthread_mutex_unlock(&mutex)
        for t in threads { pthread_join(t, nil) }
        pthread_cond_destroy(&wake)
        pthread_mutex_destroy(&mutex)
    }

    /// Runs `body(task, worker)` for every task in 0..<count across the pool and returns when all have finished.
    /// `worker` (0..<threadCount, 0 = the calling thread) identifies the thread, for per-thread scratch memory.
    /// The caller's wait for the last task is profiled as `.spin`, nested in whatever operation called; with
    /// `overhead`, all of the caller's time here outside its tasks (waking the pool, taking tasks, the wait) is
    /// profiled as that operation instead, for a caller that is not itself inside an operation.
    public func run(
        tasks count: Int, overhead: ProfiledOperation? = nil, _ body: (_ task: Int, _ worker: Int) -> Void
    ) {
        if count <= 0 { return }
        if threadCount == 1 || count == 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        let session = OperationProfiler.active
        let profiler = overhead == nil ? nil : session
        var mark = profiler == nil ? 0 : OperationProfiler.now()
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            jobProfiler = session
            taskCount = count
            nextTask.store(0, ordering: .sequentiallyConsistent)
            busyWorkers.store(threadCount - 1, ordering: .sequentiallyConsistent)
            pthread_mutex_lock(&mutex)
            generation.add(1, ordering: .sequentiallyConsistent)
            pthread_cond_broadcast(&wake)
            pthread_mutex_unlock(&mutex)
            drainTasks(escaping, worker: 0, profiler: session) { start, end in
                profiler?.record(overhead!, layer: -1, thread: 0, start: mark, end: start)
                mark = end
            }
            if let profiler {
                waitForWorkers()
                profiler.record(overhead!, layer: -1, thread: 0, start: mark, end: OperationProfiler.now())
            } else {
                profiled(.spin) { waitForWorkers() }
            }
            job = nil
            jobProfiler = nil
        }
    }

    private func waitForWorkers() { while busyWorkers.load(ordering: .acquiring) != 0 {} }

    /// Runs tasks until none is left; `ran(start, end)` after each, with its times when a profiler is active.
    private func drainTasks(
        _ body: (Int, Int) -> Void, worker: Int, profiler: OperationProfiler?,
        ran: (UInt64, UInt64) -> Void = { _, _ in }
    ) {
        while true {
            let i = nextTask.add(1, ordering: .relaxed).oldValue
            if i >= taskCount { return }
            guard let profiler else {
                body(i, worker)
                continue
            }
            let start = OperationProfiler.now()
            body(i, worker)
            let end = OperationProfiler.now()
            profiler.record(.task, layer: -1, thread: worker, start: start, end: end)
            ran(start, end)
        }
    }

    /// A worker's wait is timed always (two counter reads) and recorded only once the job that ends it arrives,
    /// in that job's session: the wait that began before a session is recorded from the session's start.
    private func workerLoop(id: Int) {
        var seen = 0
        while true {
            var spins = 0
            let waitStart = OperationProfiler.now()
            while generation.load(ordering: .acquiring) == seen && spins < Self.spinIterations { spins += 1 }
            let spinEnd = OperationProfiler.now()
            var sleepEnd = spinEnd
            if generation.load(ordering: .acquiring) == seen {
                pthread_mutex_lock(&mutex)
                while generation.load(ordering: .acquiring) == seen { pthread_cond_wait(&wake, &mutex) }
                pthread_mutex_unlock(&mutex)
                sleepEnd = OperationProfiler.now()
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            if let profiler = jobProfiler {
                let start = max(waitStart, profiler.origin.ticks)
                profiler.record(.spin, layer: -1, thread: id, start: start, end: max(start, spinEnd))
                if sleepEnd > spinEnd {
                    let asleep = max(spinEnd, profiler.origin.ticks)
                    profiler.record(.sleep, layer: -1, thread: id, start: asleep, end: max(asleep, sleepEnd))
                }
            }
            if let body = job { drainTasks(body, worker: id, profiler: jobProfiler) }
            busyWorkers.subtract(1, ordering: .releasing)
        }
    }
}
