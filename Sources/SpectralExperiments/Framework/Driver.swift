import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels

/// How a command runs an experiment: where the files go, the threads, progress, the command line for run.json.
public struct RunSettings: Sendable {
    public var out: URL
    public var threads: Int
    public var quiet: Bool
    public var commandLine: [String]
    /// Checkpoint long training runs every this many steps (nil: only when a signal stops them).
    public var checkpointEvery: Int?

    public init(out: URL, threads: Int, quiet: Bool, commandLine: [String], checkpointEvery: Int? = nil) {
        self.checkpointEvery = checkpointEvery
        self.out = out
        self.threads = threads
        self.quiet = quiet
        self.commandLine = commandLine
    }
}

/// Runs an experiment from its configuration to a committed result folder:
///  1. validate the configuration and check its memory estimate against the machine;
///  2. digest the input files; stage the output folder beside its destination (a previous result's points are
///     reused);
///  3. run, write the files, `summary.json` (once) and `run.json`;
///  4. move the folder into place. On any failure or interrupt the destination is left as it was; finished points
///     stay in the staging folder for the next run to resume from.
public enum ExperimentDriver {
    @discardableResult
    public static func perform<E: Experiment>(
        _ type: E.Type, _ configuration: E.Configuration, _ settings: RunSettings,
        shard: Shard? = nil, mergedFrom: [URL] = []
    ) throws -> E.Summary? {
        try configuration.validate()
        try configuration.memoryEstimate().check()
        let inputs = try configuration.inputFiles.map { try InputRecord.of($0.path) }
        let staged = try StagedFolder(destination: settings.out)
        let started = ISO8601DateFormatter().string(from: Date())
        let start = monotonicSeconds()
        do {
            let experiment = try E(configuration)
            let folder = try OutputFolder(
                destination: staged.destination, location: staged.staging,
                pool: ThreadPool(threadCount: settings.threads))
            let store = PointStore(directory: folder.url("points"))
            try store.importPoints(from: staged.destination.appendingPathComponent("points"))
            for shardFolder in mergedFrom { try store.importPoints(from: shardFolder.appendingPathComponent("points")) }
            let context = RunContext(
                masterSeed: configuration.masterSeed ?? 0, threads: settings.threads, label: E.name,
                quiet: settings.quiet, store: store, shard: shard, requireStoredPoints: !mergedFrom.isEmpty)
            context.checkpointInterval = settings.checkpointEvery
            var summary: E.Summary?
            if let shard {
                guard let pointwise = experiment as? any PointwiseExperiment else {
                    throw SpectralError.usage("\(E.name) has a single unit of work; --shard applies to sweeps")
                }
                try runShard(pointwise, context: context)
                _ = shard
            } else {
                let result = try experiment.run(context)
                try context.checkInterrupt()
                let written = try context.time("writing") { try experiment.write(result, to: folder) }
                try folder.writeJSON(written, E.summaryFile)
                summary = written
            }
            // Every point is finished: no checkpoint is needed, and an older run's would be stale.
            try? FileManager.default.removeItem(at: folder.url("checkpoint"))
            let shards = try mergedFrom.map { try shardSource($0) }
            let record = RunRecord(
                command: settings.commandLine, experiment: E.name, configuration: configuration,
                seed: configuration.masterSeed, threads: settings.threads, started: started,
                wallSeconds: monotonicSeconds() - start, timings: context.timings, inputs: inputs,
                points: context.pointsRecord, shards: mergedFrom.isEmpty ? nil : shards,
                files: folder.fileRecords())
            try folder.writeJSON(record, "run.json")
            try Interrupt.check()
            try staged.commit()
            if let summary {
                for line in experiment.report(summary, folder: staged.destination) { print(line) }
            } else {
                print(
                    "\(E.name) shard \(shard!.index)/\(shard!.count): \(context.pointsRecord?.inShard ?? 0) points in \(staged.destination.path)"
                )
            }
            return summary
        } catch {
            if staged.abandon() {
                FileHandle.standardError.write(
                    Data(
                        "spectral: finished points and checkpoints kept in \(staged.staging.path); the same command resumes from them\n"
                            .utf8))
            }
            throw error
        }
    }

    private static func runShard<P: PointwiseExperiment>(_ experiment: P, context: RunContext) throws {
        _ = try context.runPoints(of: experiment, shardOnly: true)
    }

    private static func shardSource(_ folder: URL) throws -> ShardSource {
        let data = try Data(
            InputFileReader.read(folder.appendingPathComponent("run.json"), limit: 64 << 20, kind: "run.json"))
        struct Partial: Decodable { let points: PointsRecord? }
        let partial = try JSONFile.decode(
            Partial.self, from: data, name: folder.appendingPathComponent("run.json").path)
        return ShardSource(folder: folder.path, shard: partial.points?.shard, points: partial.points?.inShard ?? 0)
    }

    /// Writes run.json for one part of a composite run (the demo's steps) into its subfolder; the part's input
    /// paths are relative to that subfolder.
    static func writePartRecord<E: Experiment>(
        _ type: E.Type, _ configuration: E.Configuration, folder: OutputFolder,
        timings: [String: Double]
    ) throws {
        let inputs = try configuration.inputFiles.map { file -> InputRecord in
            let (digest, bytes) = try InputFileReader.digest(folder.url(file.path))
            return InputRecord(path: file.path, bytes: bytes, sha256: digest)
        }
        let record = RunRecord(
            command: [], experiment: E.name, configuration: configuration, seed: configuration.masterSeed,
            threads: 0, started: ISO8601DateFormatter().string(from: Date()), wallSeconds: 0,
            timings: timings, inputs: inputs, points: nil, shards: nil, files: folder.fileRecords())
        try folder.writeJSON(record, "run.json")
    }
}
