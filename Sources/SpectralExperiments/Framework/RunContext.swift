import Foundation
import SpectralCore
import SpectralKernels
import Synchronization

/// What an experiment's `run` is given: the master seed, the thread pool, progress, interrupt checks, and (for
/// pointwise experiments) the store of finished points and the shard to run.
public final class RunContext: @unchecked Sendable {
    public let masterSeed: UInt64
    public let threads: Int
    public let pool: ThreadPool
    let label: String
    let quiet: Bool
    let store: PointStore?
    let shard: Shard?
    let requireStoredPoints: Bool
    /// `--checkpoint-every`: handed to every point (`PointContext.checkpointInterval`).
    var checkpointInterval: Int?
    private let lock = NSLock()
    private var timingsStore: [String: Double] = [:]
    private(set) var pointsRecord: PointsRecord?

    init(
        masterSeed: UInt64, threads: Int, label: String, quiet: Bool, store: PointStore?, shard: Shard? = nil,
        requireStoredPoints: Bool = false
    ) {
        self.masterSeed = masterSeed
        self.threads = threads
        pool = ThreadPool(threadCount: threads)
        self.label = label
        self.quiet = quiet
        self.store = store
        self.shard = shard
        self.requireStoredPoints = requireStoredPoints
    }

    /// A context for running an experiment from code (tests, notebooks): no output folder, no point store.
    public static func standalone(seed: UInt64 = 0, threads: Int = 2, quiet: Bool = true) -> RunContext {
        RunContext(masterSeed: seed, threads: threads, label: "run", quiet: quiet, store: nil)
    }

    /// A context for one part of a composite run (the demo's steps): same seed, pool and interrupts.
    public func part(_ label: String, store: PointStore? = nil) -> RunContext {
        RunContext(masterSeed: masterSeed, threads: threads, label: label, quiet: quiet, store: store)
    }

    /// A progress reporter on stderr for `total` units of work (silent with --quiet).
    public func progress(total: Int, unit: String = "steps") -> ProgressReporter {
        ProgressReporter(label, total: total, unit: unit, quiet: quiet)
    }

    public func checkInterrupt() throws { try Interrupt.check() }

    /// The generator of the unit of work at `coordinates` (`SeedPolicy`).
    public func generator(_ coordinates: [UInt64]) -> SplitMix64 {
        SeedPolicy.generator(master: masterSeed, coordinates: coordinates)
    }

    /// Runs `body` and adds its wall time to the timing `name` (reported in run.json, never in results).
    public func time<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = monotonicSeconds()
        defer {
            let seconds = monotonicSeconds() - start
            lock.lock()
            timingsStore[name, default: 0] += seconds
            lock.unlock()
        }
        return try body()
    }

    public var timings: [String: Double] {
        lock.lock()
        defer { lock.unlock() }
        return timingsStore
    }

    func absorbTimings(_ other: [String: Double], prefix: String) {
        lock.lock()
        for (k, v) in other { timingsStore[prefix + k, default: 0] += v }
        lock.unlock()
    }

    /// Every point's result, computed or found in the store; with a shard, only that shard's points (the rest nil).
    func runPoints<E: PointwiseExperiment>(of experiment: E, shardOnly: Bool = false) throws -> [E.PointResult] {
        let points = experiment.points()
        let identities = try points.map { try PointStore.identity(experiment: E.name, seed: masterSeed, point: $0) }
        let mine = shard.map { $0.assign(costs: points.map(experiment.cost)) } ?? Array(points.indices)
        var results = [E.PointResult?](repeating: nil, count: points.count)
        for i in mine { results[i] = store?.load(E.PointResult.self, identity: identities[i]) }
        let todo = mine.filter { results[$0] == nil }
        if requireStoredPoints && !todo.isEmpty {
            throw SpectralError.badInput(
                "\(todo.count) of \(points.count) points are missing from the shards (the first is point \(todo[0]), \(identities[todo[0]])); run the missing shards, then merge again"
            )
        }
        pointsRecord = PointsRecord(
            total: points.count, inShard: mine.count, computed: todo.count,
            reused: mine.count - todo.count, shard: shard)
        let progress = self.progress(total: max(1, todo.reduce(0) { $0 + experiment.progressUnits(of: points[$1]) }))
        let computed = try computePoints(experiment, points, todo, identities, progress)
        for (i, result) in zip(todo, computed) { results[i] = result }
        if shard != nil && shardOnly { return mine.map { results[$0]! } }
        return try results.enumerated().map { i, r in
            guard let r else { throw SpectralError.runtime("point \(i) has no result") }
            return r
        }
    }

    private func computePoints<E: PointwiseExperiment>(
        _ experiment: E, _ points: [E.Point], _ todo: [Int],
        _ identities: [String], _ progress: ProgressReporter
    ) throws
        -> [E.PointResult]
    {
        let done = ProgressCounter()
        func runOne(_ index: Int, pool: ThreadPool) throws -> E.PointResult {
            let context = PointContext(
                pool: pool, generator: generator(experiment.coordinates(of: points[index])),
                masterSeed: masterSeed, progress: progress, done: done,
                checkpoint: store?.checkpointDirectory(identity: identities[index]),
                checkpointInterval: checkpointInterval)
            let result = try experiment.run(points[index], context: context)
            try store?.save(result, point: points[index], experiment: E.name, identity: identities[index])
            store?.removeCheckpoint(identity: identities[index])
            return result
        }
        guard experiment.runsPointsConcurrently && threads > 1 && todo.count > 1 else {
            return try todo.map { i in
                try checkInterrupt()
                return try runOne(i, pool: pool)
            }
        }
        let failure = Mutex<Error?>(nil)
        let single = (0..<threads).map { _ in ThreadPool(threadCount: 1) }
        let results = pool.map(tasks: todo.count) { task, worker -> E.PointResult? in
            if failure.withLock({ $0 != nil }) { return nil }
            do {
                try checkInterrupt()
                return try runOne(todo[task], pool: single[worker])
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
                return nil
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.map { $0! }
    }
}

/// What one point's computation is given.
public final class PointContext: @unchecked Sendable {
    public let pool: ThreadPool
    /// The point's own generator (`SeedPolicy`); draw from a copy or consume it, as the experiment documents.
    public let generator: SplitMix64
    public let masterSeed: UInt64
    /// A folder for the point's checkpoints (long single runs), kept across an interrupted run.
    public let checkpoint: URL?
    /// Save a long training run's checkpoint every this many steps (nil: only when a signal stops the run).
    public let checkpointInterval: Int?
    private let progress: ProgressReporter
    private let done: ProgressCounter

    init(
        pool: ThreadPool, generator: SplitMix64, masterSeed: UInt64, progress: ProgressReporter, done: ProgressCounter,
        checkpoint: URL?, checkpointInterval: Int?
    ) {
        self.checkpointInterval = checkpointInterval
        self.pool = pool
        self.generator = generator
        self.masterSeed = masterSeed
        self.progress = progress
        self.done = done
        self.checkpoint = checkpoint
    }

    /// Counts `units` of progress (the point's share of the run's total) and polls for SIGINT and SIGTERM.
    public func advance(_ units: Int = 1, note: String = "") throws {
        let total = done.add(units)
        progress.update(total, note: note)
        try Interrupt.check()
    }

    public func checkInterrupt() throws { try Interrupt.check() }
}

/// Shard K of N (`--shard K/N`, K = 0…N−1 as `SLURM_ARRAY_TASK_ID` numbers array tasks).
public struct Shard: Codable, Sendable, Equatable {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// This shard's points: longest first, each to the shard with the least cost so far (ties: the lower shard),
    /// a deterministic rule that depends on the costs alone.
    func assign(costs: [Double]) -> [Int] {
        let order = costs.indices.sorted { costs[$0] > costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }
        var load = [Double](repeating: 0, count: count)
        var mine: [Int] = []
        for point in order {
            let target = load.indices.min { load[$0] < load[$1] || (load[$0] == load[$1] && $0 < $1) }!
            load[target] += costs[point]
            if target == index { mine.append(point) }
        }
        return mine.sorted()
    }
}

struct PointsRecord: Codable, Sendable {
    let total: Int
    let inShard: Int
    let computed: Int
    let reused: Int
    let shard: Shard?
}

/// Finished points, one JSON file each (`points/<identity>.json`), written atomically as each point finishes.
public struct PointStore: Sendable {
    let directory: URL

    /// The hash of what a point depends on: the experiment, the master seed and the point's value.
    static func identity<P: Encodable>(experiment: String, seed: UInt64, point: P) throws -> String {
        String(
            SHA256.hex(try JSONFile.canonical(PointKey(experiment: experiment, seed: seed, point: point))).prefix(32))
    }

    private struct Entry<P: Codable, R: Codable>: Codable {
        let experiment: String
        let point: P
        let result: R
    }
    private struct ResultOnly<R: Decodable>: Decodable { let result: R }

    func load<R: Decodable>(_ type: R.Type, identity: String) -> R? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(identity + ".json").path)
        else { return nil }
        // A file that does not decode (an older format, a damaged disk) is recomputed, not trusted.
        return try? JSONDecoder().decode(ResultOnly<R>.self, from: data).result
    }

    func save<P: Codable, R: Codable>(_ result: R, point: P, experiment: String, identity: String) throws {
        let data = try JSONFile.canonical(Entry(experiment: experiment, point: point, result: result))
        try AtomicFile.write(data, to: directory.appendingPathComponent(identity + ".json"))
    }

    func checkpointDirectory(identity: String) -> URL {
        directory.deletingLastPathComponent().appendingPathComponent("checkpoint").appendingPathComponent(identity)
    }

    func removeCheckpoint(identity: String) {
        try? FileManager.default.removeItem(at: checkpointDirectory(identity: identity))
    }

    /// Copies every point file of `other` that this store lacks (hard links where possible).
    func importPoints(from other: URL) throws {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: other.path) else { return }
        try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in names where name.hasSuffix(".json") {
            let target = directory.appendingPathComponent(name)
            if manager.fileExists(atPath: target.path) { continue }
            let source = other.appendingPathComponent(name)
            if link(source.path, target.path) != 0 { try? manager.copyItem(at: source, to: target) }
        }
    }
}

/// What a point's identity is the hash of (`format` changes when a point file's layout does).
private struct PointKey<P: Encodable>: Encodable {
    let experiment: String
    let seed: UInt64
    let point: P
    var format = 1
}

/// Units of progress done so far, shared by points that run side by side.
final class ProgressCounter: @unchecked Sendable {
    private let count = Atomic<Int>(0)
    func add(_ units: Int) -> Int { count.add(units, ordering: .relaxed).newValue }
}
