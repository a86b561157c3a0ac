import Foundation
import SpectralCommandLine
import SpectralCore

/// Everything that decides an experiment's results, and nothing else (not the thread count, not where the files
/// go): encoded into `run.json`, decoded again by `spectral rerun`, hashed into the identity of each point.
public protocol ExperimentConfiguration: Codable, Sendable {
    /// Ranges and combinations, checked both for options and for a configuration read back from `run.json`.
    func validate() throws
    /// The memory the run will need at most (checked against the machine before any work).
    func memoryEstimate() -> MemoryEstimate
    /// The files the run reads; `run.json` records their size and SHA-256, `rerun` checks them.
    var inputFiles: [InputFile] { get }
    /// The master seed, for runs that draw random numbers.
    var masterSeed: UInt64? { get }
}

extension ExperimentConfiguration {
    public func validate() throws {}
    public func memoryEstimate() -> MemoryEstimate { MemoryEstimate() }
    public var inputFiles: [InputFile] { [] }
    public var masterSeed: UInt64? { nil }
}

/// The one shape of every experiment and analysis:
///
///     configuration ──init──▶ experiment ──run(context)──▶ result ──write(result, folder)──▶ summary
///
/// The configuration is validated once, by whoever starts the run (`ExperimentDriver.perform`, `rerun`'s record
/// check, `slurm`'s point count); `init` may assume a valid one.
/// `run` does the work and writes nothing; `write` turns the result into files (CSV, JSON, pictures, weights) and
/// returns the summary, which the driver writes once as `summary.json` (numbers as numbers). Every output is a
/// function of the configuration alone; timings go to `run.json`.
public protocol Experiment {
    associatedtype Configuration: ExperimentConfiguration
    associatedtype Result
    associatedtype Summary: Encodable

    /// The command's name (`exp1`), also the experiment's name in `run.json`.
    static var name: String { get }
    var configuration: Configuration { get }
    init(_ configuration: Configuration) throws
    func run(_ context: RunContext) throws -> Result
    func write(_ result: Result, to folder: OutputFolder) throws -> Summary
    /// Lines for stdout once the files are written.
    func report(_ summary: Summary, folder: URL) -> [String]
    /// The name under which the summary is written (`summary.json`).
    static var summaryFile: String { get }
}

extension Experiment {
    public func report(_ summary: Summary, folder: URL) -> [String] { ["results in \(folder.path)"] }
    public static var summaryFile: String { "summary.json" }
}

/// An experiment made of independent points (runs over seeds, grid cells, the nets of a sweep). Each point is a
/// value that holds everything it depends on; its identity is the hash of that value, its seed comes from the
/// master seed and its coordinates (`SeedPolicy`), so a point gives the same bits alone, in the whole sweep or in
/// any shard of it. Finished points are kept in the output folder (`points/`) and skipped when a run is resumed.
public protocol PointwiseExperiment: Experiment {
    associatedtype Point: Codable & Sendable
    associatedtype PointResult: Codable & Sendable

    func points() -> [Point]
    /// The point's coordinates for the seed policy (run index, grid indices, stable codes of named choices).
    func coordinates(of point: Point) -> [UInt64]
    /// Relative cost (any unit, e.g. flops), for balancing shards.
    func cost(of point: Point) -> Double
    /// Progress units (training steps, nets) the point advances by.
    func progressUnits(of point: Point) -> Int
    /// Whether points are small enough to run one per thread, side by side, instead of one at a time on all threads.
    var runsPointsConcurrently: Bool { get }
    func run(_ point: Point, context: PointContext) throws -> PointResult
    /// The experiment's result from every point's, in `points()` order.
    func result(from results: [PointResult]) throws -> Result
}

extension PointwiseExperiment {
    public func cost(of point: Point) -> Double { 1 }
    public func progressUnits(of point: Point) -> Int { 1 }
    public var runsPointsConcurrently: Bool { false }
    public func run(_ context: RunContext) throws -> Result { try result(from: context.runPoints(of: self)) }
}
