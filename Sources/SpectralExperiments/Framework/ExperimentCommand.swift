import Foundation
import SpectralCommandLine
import SpectralCore

/// `--out`, `--threads` and `--quiet`: the same in every command.
public struct OutputOptions: ParsableArguments {
    @Option(help: "folder for the results (a new or empty folder, or an earlier result to replace)")
    public var out: OutputPath
    @Option(help: "worker threads; results do not depend on it", check: .within(1...256))
    public var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "no progress on stderr")
    public var quiet = false
    @Option(
        help: "save long training runs' state every N steps (always when SIGINT or SIGTERM stops them)",
        check: .within(1...1_000_000_000))
    public var checkpointEvery: Int?
    public init() {}

    /// The same options set in code (commands whose --out has a default, such as the demo).
    public init(out: OutputPath, threads: Int, quiet: Bool) {
        self.init()
        _out = Option(wrappedValue: out, help: "")
        _threads = Option(wrappedValue: threads, help: "")
        _quiet = Flag(wrappedValue: quiet, help: "")
    }
}

/// `--seed`: the master seed of every random draw (`SeedPolicy` derives each unit's from it).
public struct SeedOptions: ParsableArguments {
    @Option(help: "master seed of every random draw in the run")
    public var seed: UInt64 = 0
    public init() {}
}

/// `--shard K/N`: run only shard K of N of a sweep's points (K = 0…N−1, as SLURM_ARRAY_TASK_ID).
public struct ShardOptions: ParsableArguments {
    @Option(
        help: "run only this share of the points, K/N with K = 0…N−1 (merge the shard folders with 'spectral merge')")
    public var shard: ShardSpecification?
    public init() {}
}

public struct ShardSpecification: ExpressibleByArgument, Sendable {
    public let shard: Shard
    public init(argument: String) throws {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw ArgumentValueError("must be K/N")
        }
        guard n >= 1, n <= 100_000, k >= 0, k < n else {
            throw ArgumentValueError("must be K/N with 0 ≤ K < N ≤ 100000")
        }
        shard = Shard(index: k, count: n)
    }
    public static var valueName: String { "K/N" }
}

/// A command that runs an experiment: its options make the configuration; running, `rerun` and `merge` are shared.
public protocol ExperimentCommand: ParsableCommand {
    associatedtype Runner: Experiment
    var output: OutputOptions { get }
    /// The resolved configuration, preset applied (options given explicitly override it).
    func configuration() throws -> Runner.Configuration
    /// The shard to run, for sweeps.
    var shard: Shard? { get }
    /// The experiment's name in run records (`Runner.name`).
    static var experimentName: String { get }
}

extension ExperimentCommand {
    public var shard: Shard? { nil }
    public static var experimentName: String { Runner.name }

    public func run(_ invocation: Invocation) throws {
        try ExperimentDriver.perform(Runner.self, configuration(), settings(invocation.arguments), shard: shard)
    }

    func settings(_ commandLine: [String]) -> RunSettings {
        RunSettings(
            out: URL(fileURLWithPath: output.out.path, isDirectory: true), threads: output.threads,
            quiet: output.quiet, commandLine: commandLine, checkpointEvery: output.checkpointEvery)
    }

    /// Runs the configuration of a run record again (`spectral rerun`), after checking that its inputs are the
    /// bytes the record names.
    static func rerun(record data: Data, name: String, settings: RunSettings) throws {
        let envelope = try JSONFile.decode(RunRecordEnvelope<Runner.Configuration>.self, from: data, name: name)
        do { try envelope.configuration.validate() } catch SpectralError.usage(let message) {
            throw SpectralError.badInput("\(name): \(message)")
        }
        try checkInputs(envelope.inputs)
        try ExperimentDriver.perform(Runner.self, envelope.configuration, settings)
    }

    /// Writes the result of a sharded run from its shard folders (`spectral merge`).
    static func merge(record data: Data, name: String, shards: [URL], settings: RunSettings) throws {
        let envelope = try JSONFile.decode(RunRecordEnvelope<Runner.Configuration>.self, from: data, name: name)
        try ExperimentDriver.perform(Runner.self, envelope.configuration, settings, mergedFrom: shards)
    }

    static func canonicalConfiguration(_ data: Data, name: String) throws -> Data {
        try JSONFile.canonical(
            JSONFile.decode(RunRecordEnvelope<Runner.Configuration>.self, from: data, name: name).configuration)
    }
}

private func checkInputs(_ inputs: [InputRecord]) throws {
    for input in inputs {
        let now = try InputRecord.of(input.path)
        guard now.sha256 == input.sha256 else {
            throw SpectralError.badInput(
                "\(input.path) has changed since the run (its SHA-256 was \(input.sha256.prefix(12))…, now \(now.sha256.prefix(12))…)"
            )
        }
    }
}

private func experimentCommand(named name: String, in file: String) throws -> any ExperimentCommand.Type {
    guard let command = SpectralProgram.experimentCommands.first(where: { $0.experimentName == name }) else {
        throw SpectralError.badInput(
            "\(file) records experiment '\(name)', which this version of spectral does not have")
    }
    return command
}

private func readRecord(_ path: String) throws -> (Data, String) {
    let url = URL(fileURLWithPath: path)
    let data = Data(try InputFileReader.read(url, limit: 64 << 20, kind: "run.json"))
    let header = try JSONFile.decode(RunRecordHeader.self, from: data, name: path)
    return (data, header.experiment)
}

/// `spectral rerun DIR/run.json --out NEW`.
public struct RerunCommand: ParsableCommand {
    public static let description = CommandDescription(
        name: "rerun", abstract: "Run a result's configuration again from its run.json (the same bits).",
        discussion:
            "Reads the experiment and its resolved configuration from RUN_JSON, checks that every input file is the one it recorded (SHA-256), and writes the result into --out."
    )
    @Argument(valueName: "RUN_JSON", help: "the run.json of a result")
    var record: InputFile
    @OptionGroup var output: OutputOptions
    public init() {}

    /// Relative input paths in a record (the demo's parts) are relative to the record's folder: the run works from
    /// there, with --out made absolute first.
    public func run(_ invocation: Invocation) throws {
        let (data, name) = try readRecord(record.path)
        let command = try experimentCommand(named: name, in: record.path)
        let settings = RunSettings(
            out: URL(fileURLWithPath: output.out.path).standardizedFileURL, threads: output.threads,
            quiet: output.quiet, commandLine: invocation.arguments)
        let folder = URL(fileURLWithPath: record.path).deletingLastPathComponent().path
        guard FileManager.default.changeCurrentDirectoryPath(folder) else {
            throw SpectralError.io("cannot enter \(folder)")
        }
        try command.rerun(record: data, name: record.path, settings: settings)
    }
}

/// `spectral merge --out DIR SHARD_DIR…`.
public struct MergeCommand: ParsableCommand {
    public static let description = CommandDescription(
        name: "merge", abstract: "Merge the shard folders of a sharded sweep into the result the unsharded run writes.",
        discussion:
            "Every SHARD_DIR must come from the same command and configuration (run with --shard K/N). The merged folder has exactly the files of the unsharded run, with the same bytes; its run.json lists the shards."
    )
    @ArgumentList(valueName: "SHARD_DIR", help: "the folders the shards wrote")
    var shards: [OutputPath]
    @OptionGroup var output: OutputOptions
    public init() {}

    public func run(_ invocation: Invocation) throws {
        let folders = shards.map { URL(fileURLWithPath: $0.path, isDirectory: true) }
        let records = try folders.map { try readRecord($0.appendingPathComponent("run.json").path) }
        let name = records[0].1
        guard records.allSatisfy({ $0.1 == name }) else {
            throw SpectralError.usage(
                "the shard folders come from different experiments (\(Set(records.map(\.1)).sorted().joined(separator: ", ")))"
            )
        }
        let command = try experimentCommand(named: name, in: folders[0].path)
        let reference = try command.canonicalConfiguration(records[0].0, name: folders[0].path)
        for (folder, record) in zip(folders, records)
        where try command.canonicalConfiguration(record.0, name: folder.path) != reference {
            throw SpectralError.usage("\(folder.path) was run with a different configuration than \(folders[0].path)")
        }
        let settings = RunSettings(
            out: URL(fileURLWithPath: output.out.path), threads: output.threads, quiet: output.quiet,
            commandLine: invocation.arguments)
        try command.merge(record: records[0].0, name: folders[0].path, shards: folders, settings: settings)
    }
}

/// A run.json read back without running it (the fuzzer's reader, and `rerun`'s first step): the header, the named
/// experiment's configuration decoded and validated.
public enum RunRecordReader {
    public static func check(_ data: Data, name: String) throws {
        let header = try JSONFile.decode(RunRecordHeader.self, from: data, name: name)
        let command = try experimentCommand(named: header.experiment, in: name)
        try command.checkRecord(data, name: name)
    }
}

extension ExperimentCommand {
    static func checkRecord(_ data: Data, name: String) throws {
        let envelope = try JSONFile.decode(RunRecordEnvelope<Runner.Configuration>.self, from: data, name: name)
        try envelope.configuration.validate()
    }
}

/// The program: every command, registered once (`SpectralProgram.commands`).
public enum SpectralProgram {
    /// The commands that run an experiment, which `rerun`, `merge` and `slurm` look up by name.
    static let experimentCommands = commands.compactMap { $0 as? any ExperimentCommand.Type }

    public static func program(_ commands: [any ParsableCommand.Type]) -> CommandLineProgram {
        CommandLineProgram(
            name: "spectral", version: SpectralVersion.string,
            abstract:
                "Exact and numeric spectra of ReLU networks, and the experiments of 'On the Spectral Bias of Neural Networks'.",
            commands: commands + [RerunCommand.self, MergeCommand.self, SlurmCommand.self])
    }
}
