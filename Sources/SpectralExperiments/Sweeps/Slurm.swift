import Foundation
import SpectralCommandLine
import SpectralCore

/// `spectral slurm COMMAND [its options] --tasks N [--partition P --time T --cpus C --mem M] [--submit] --out DIR`:
/// batch scripts that run a sweep as a Slurm job array and merge it. DIR is a work folder:
///
///     DIR/array.sh      sbatch --array=0-(N−1): task K runs `COMMAND … --shard K/N --out DIR/shards/K`
///     DIR/merge.sh      `spectral merge --out DIR/result DIR/shards/0 … DIR/shards/N−1`
///     DIR/submit.sh     submits both, the merge with --dependency=afterok on the array
///     DIR/logs/         one log per task, and the merge's
///     DIR/result/       the merged result: the bytes the unsharded run writes
///
/// Tasks are `--requeue`-safe: a restarted task runs the same command over its folder, which reuses finished
/// points and resumes a stopped training run from its checkpoint (Slurm stops a task with SIGTERM first).
public struct SlurmCommand: WrappingCommand {
    public static let description = CommandDescription(
        name: "slurm",
        abstract: "Write (and with --submit, submit) Slurm batch scripts running a sweep as a job array.",
        discussion: """
            spectral slurm COMMAND [its options] --tasks N --out DIR writes DIR/array.sh (an array of N tasks, task K
            running COMMAND with --shard K/N into DIR/shards/K), DIR/merge.sh (spectral merge into DIR/result) and
            DIR/submit.sh (sbatch of both, the merge after the array succeeds); logs go to DIR/logs. COMMAND's options
            are checked now. The spectral binary and DIR must be reachable at the same paths on the compute nodes.
            """)

    @ArgumentList(valueName: "COMMAND", help: "the sweep and its options, as for a run on this machine")
    var wrapped: [String]
    @Option(help: "array tasks (shards)", check: .within(1...10_000)) var tasks: Int
    @Option(help: "partition (default: the cluster's)") var partition: String?
    @Option(help: "time limit per task, in Slurm's format (e.g. 2:00:00)") var time: String?
    @Option(help: "CPUs per task (also the command's --threads)", check: .within(1...1024)) var cpus = 2
    @Option(help: "memory per task, in Slurm's format (e.g. 4G)") var mem: String?
    @Option(help: "the spectral binary the tasks run (default: this one)") var spectral: String?
    @Flag(help: "submit the scripts with sbatch and print the job ids") var submit = false
    @Option(help: "work folder for the scripts, shards, logs and result") var out: OutputPath
    public init() {}

    public func validate() throws {
        for owned in ["--shard", "--out", "--threads"]
        where wrapped.contains(where: { $0 == owned || $0.hasPrefix(owned + "=") }) {
            throw SpectralError.usage("\(owned) is set by spectral slurm for each task; leave it out of the command")
        }
        for (name, value) in [("--time", time), ("--mem", mem), ("--partition", partition)] {
            if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "'" }) {
                throw SpectralError.usage("\(name) must be one word without quotes")
            }
        }
    }

    public func run(_ invocation: Invocation) throws {
        guard let name = wrapped.first,
            let command = SpectralProgram.experimentCommands.first(where: { $0.description.name == name })
        else {
            let names = SpectralProgram.experimentCommands.map { $0.description.name }.joined(separator: ", ")
            throw SpectralError.usage("spectral slurm needs a sweep command first (\(names))")
        }
        let options = Array(wrapped.dropFirst())
        let points = try command.plannedPoints(options + ["--out", "/nonexistent/spectral-slurm-check"])
        guard points > 1 else {
            throw SpectralError.usage("\(name) runs a single unit of work here; a job array needs a sweep")
        }
        guard tasks <= points else {
            throw SpectralError.usage("--tasks \(tasks) exceeds the \(points) points of this sweep")
        }
        let folder = URL(fileURLWithPath: out.path).standardizedFileURL
        let binary = spectral ?? executablePath()
        let scripts = SlurmScripts(
            binary: binary, folder: folder, command: wrapped, tasks: tasks, cpus: cpus,
            partition: partition, time: time, memory: mem, invocation: invocation.arguments)
        try scripts.write()
        print(
            "wrote \(folder.appendingPathComponent("array.sh").path), merge.sh and submit.sh (\(points) points in \(tasks) tasks)"
        )
        if submit {
            try scripts.submit()
        } else {
            print("submit with: bash \(folder.appendingPathComponent("submit.sh").path)")
        }
    }

    private func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

extension ExperimentCommand {
    /// The points the command line `words` would run (1 for a single unit of work); usage errors as for a run.
    static func plannedPoints(_ words: [String]) throws -> Int {
        let command = try parseCommand(Self.self, words)
        let configuration = try command.configuration()
        try configuration.validate()
        let experiment = try Runner(configuration)
        if let sweep = experiment as? any PointwiseExperiment { return sweep.pointCount }
        return 1
    }
}

extension PointwiseExperiment {
    var pointCount: Int { points().count }
}

/// The three scripts of `spectral slurm`, their text and their submission.
struct SlurmScripts {
    let binary: String, folder: URL, command: [String], tasks: Int, cpus: Int
    let partition: String?, time: String?, memory: String?, invocation: [String]

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func header(job: String, log: String, array: Bool) -> [String] {
        var lines = [
            "#!/bin/bash", "# Written by: \(invocation.map(shellQuoted).joined(separator: " "))",
            "#SBATCH --job-name=\(job)", "#SBATCH --cpus-per-task=\(cpus)", "#SBATCH --output=\(path("logs"))/\(log)",
            "#SBATCH --open-mode=append", "#SBATCH --requeue",
        ]
        if array { lines.append("#SBATCH --array=0-\(tasks - 1)") }
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        if let memory { lines.append("#SBATCH --mem=\(memory)") }
        return lines + ["set -euo pipefail"]
    }

    var arrayScript: String {
        let job = "spectral-\(command[0])"
        return
            (header(job: job, log: "shard-%a.log", array: true) + [
                "# A requeued or restarted task runs the same command over its folder: finished points are reused and a",
                "# stopped training run resumes from its checkpoint.",
                "exec \(shellQuoted(binary)) \(command.map(shellQuoted).joined(separator: " ")) \\",
                "    --shard \"$SLURM_ARRAY_TASK_ID/\(tasks)\" --threads \"${SLURM_CPUS_PER_TASK:-\(cpus)}\" \\",
                "    --out \(shellQuoted(path("shards")))/\"$SLURM_ARRAY_TASK_ID\" --quiet",
            ]).joined(separator: "\n") + "\n"
    }

    var mergeScript: String {
        let shards = (0..<tasks).map { shellQuoted(path("shards/\($0)")) }
        return
            (header(job: "spectral-\(command[0])-merge", log: "merge.log", array: false) + [
                "exec \(shellQuoted(binary)) merge --out \(shellQuoted(path("result"))) --threads \"${SLURM_CPUS_PER_TASK:-\(cpus)}\" \\",
                "    --quiet \(shards.joined(separator: " "))",
            ]).joined(separator: "\n") + "\n"
    }

    var submitScript: String {
        [
            "#!/bin/bash", "# Submits the array, then the merge once every task has succeeded; prints both job ids.",
            "set -euo pipefail",
            "array=$(sbatch --parsable \(shellQuoted(path("array.sh"))))",
            "merge=$(sbatch --parsable --dependency=afterok:\"${array%%;*}\" \(shellQuoted(path("merge.sh"))))",
            "echo \"array job ${array%%;*}, merge job ${merge%%;*}\"",
        ].joined(separator: "\n") + "\n"
    }

    func write() throws {
        try makeDirectories(folder.appendingPathComponent("logs"))
        try makeDirectories(folder.appendingPathComponent("shards"))
        for (name, text) in [("array.sh", arrayScript), ("merge.sh", mergeScript), ("submit.sh", submitScript)] {
            try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent(name))
            chmod(path(name), 0o755)
        }
    }

    /// sbatch of the array, then of the merge after it; prints the job ids.
    func submit() throws {
        guard let sbatch = findInPath("sbatch") else {
            throw SpectralError.runtime("sbatch is not on PATH; run bash \(path("submit.sh")) where Slurm is installed")
        }
        let array = try sbatchJob(sbatch, [path("array.sh")])
        let merge = try sbatchJob(sbatch, ["--dependency=afterok:\(array)", path("merge.sh")])
        print("array job \(array), merge job \(merge)")
    }

    private func sbatchJob(_ sbatch: String, _ arguments: [String]) throws -> String {
        let outcome = try Subprocess.run(sbatch, ["--parsable"] + arguments, timeout: 120)
        let id =
            outcome.stdout.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard outcome.exitCode == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            let reason = outcome.stderr.split(separator: "\n").first.map(String.init) ?? "exit \(outcome.shellStatus)"
            throw SpectralError.runtime("sbatch \(arguments.last ?? "") failed: \(reason)")
        }
        return id
    }
}

/// 'text' for a POSIX shell (single quotes, each ' as '\'').
func shellQuoted(_ text: String) -> String {
    if !text.isEmpty && text.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:,+%@".contains($0) }) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

func findInPath(_ name: String) -> String? {
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    return folders.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}
