import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralNetworks

/// The README's main job: experiment 1 (quick preset), the exact 1-D analysis of its trained net on [0, 1], and the
/// exact 2-D analysis of a random 2 → 32 → 32 → 32 → 1 net. Each part writes its own subfolder with its own
/// run.json (so `spectral rerun` runs any part again); the whole folder is moved into place at the end.
public struct Demo: Experiment {
    public static let name = "demo"

    public struct Configuration: ExperimentConfiguration, Equatable {
        public var seed: UInt64 = 0
        public init() {}
        public var masterSeed: UInt64? { seed }

        var exp1: FrequencyLearningOrder.Configuration {
            var c = FrequencyLearningOrder.Configuration(preset: .quick)
            c.seed = seed
            return c
        }

        public func memoryEstimate() -> MemoryEstimate { exp1.memoryEstimate() }
    }

    public struct Result {
        let exp1: (FrequencyLearningOrder, FrequencyLearningOrder.Result, [String: Double])
        let exact1d: (Exact1D, Exact1D.Result, [String: Double])
        let net2D: MLP
        let exact2d: (Exact2D, Exact2D.Result, [String: Double])
    }

    public struct Summary: Codable, Sendable {
        public let exp1: FrequencyLearningOrder.Summary
        public let exact1d: Exact1D.Summary
        public let exact2d: Exact2D.Summary
    }

    public let configuration: Configuration
    public init(_ configuration: Configuration) throws { self.configuration = configuration }

    /// Folder names inside the demo's output folder.
    static let exp1Folder = "exp1", exact1dFolder = "exact1d", exact2dFolder = "exact2d"

    public func run(_ context: RunContext) throws -> Result {
        let exp1 = try FrequencyLearningOrder(configuration.exp1)
        let exp1Context = context.part("demo: exp1")
        let trained = try exp1.run(exp1Context)
        guard let net = trained.finalNetwork else { throw SpectralError.runtime("experiment 1 produced no network") }
        let exact1d = try Exact1D(
            Exact1D.Configuration(
                weights: InputFile(path: "../\(Demo.exp1Folder)/weights.safetensors"),
                interval: NumberPair(0, 1), frequencies: NumberList(start: 1, stop: 2000, step: 1)),
            network: try ExactNetwork(net))
        let exact1dContext = context.part("demo: exact1d")
        let kinks = try exact1d.run(exact1dContext)
        let net2D = MLP.initialized(sizes: [2, 32, 32, 32, 1], initialization: .pytorch, seed: configuration.seed)
        let exact2d = try Exact2D(
            Exact2D.Configuration(weights: InputFile(path: "weights.safetensors")),
            network: try ExactNetwork(net2D, inputs: 2))
        let exact2dContext = context.part("demo: exact2d")
        let regions = try exact2d.run(exact2dContext)
        return Result(
            exp1: (exp1, trained, exp1Context.timings), exact1d: (exact1d, kinks, exact1dContext.timings), net2D: net2D,
            exact2d: (exact2d, regions, exact2dContext.timings))
    }

    public func write(_ r: Result, to folder: OutputFolder) throws -> Summary {
        let exp1 = try part(r.exp1.0, r.exp1.1, timings: r.exp1.2, in: folder, Demo.exp1Folder)
        let exact1d = try part(r.exact1d.0, r.exact1d.1, timings: r.exact1d.2, in: folder, Demo.exact1dFolder)
        let exact2dFolder = try folder.subfolder(Demo.exact2dFolder)
        try exact2dFolder.write(r.net2D, "weights.safetensors")
        let exact2d = try part(
            r.exact2d.0, r.exact2d.1, timings: r.exact2d.2, in: folder, Demo.exact2dFolder, reuse: exact2dFolder)
        return Summary(exp1: exp1, exact1d: exact1d, exact2d: exact2d)
    }

    /// One part's files, summary.json and run.json in its subfolder. Input paths in the part's record are relative
    /// to the part's folder, so they hold wherever the demo's folder is moved (`rerun` resolves them from there).
    private func part<E: Experiment>(
        _ experiment: E, _ result: E.Result, timings: [String: Double], in folder: OutputFolder,
        _ name: String, reuse: OutputFolder? = nil
    ) throws -> E.Summary {
        let sub = try reuse ?? folder.subfolder(name)
        let summary = try experiment.write(result, to: sub)
        try sub.writeJSON(summary, E.summaryFile)
        try ExperimentDriver.writePartRecord(E.self, experiment.configuration, folder: sub, timings: timings)
        return summary
    }

    public func report(_ s: Summary, folder: URL) -> [String] {
        [
            "demo: exp1 (quick), exact1d of its net (\(s.exact1d.theorem.pieces) pieces, bounds hold: \(s.exact1d.theorem.boundsHold)), exact2d of a random net (\(s.exact2d.regions.regions) regions)",
            "results and pictures in \(folder.path)",
        ]
    }
}

public struct DemoCommand: ExperimentCommand {
    public typealias Runner = Demo
    public static let description = CommandDescription(
        name: "demo",
        abstract:
            "The short end-to-end demonstration: experiment 1 (quick), the exact spectrum of its net, and a 2-D net's.",
        discussion: """
            Writes into --out (default demo-results): exp1/ (heat map, functions, the CSVs, weights.safetensors),
            exact1d/ (every kink of the trained net, its exact spectra on [0, 1] against the k^-2 bound, summary.json) and
            exact2d/ (the linear regions of a random 2 -> 32 -> 32 -> 32 -> 1 net on [-1, 1]^2, its exact spectrum, and the
            k^-2 ridges against the k^-3 generic decay). Each subfolder has its own run.json.
            """)

    @Option(help: "folder for the results") var out = OutputPath(path: "demo-results")
    @Option(help: "worker threads; results do not depend on it", check: .within(1...256))
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "no progress on stderr") var quiet = false
    @OptionGroup var seeding: SeedOptions
    public init() {}

    public var output: OutputOptions { OutputOptions(out: out, threads: threads, quiet: quiet) }

    public func configuration() throws -> Demo.Configuration {
        var c = Demo.Configuration()
        c.seed = seeding.seed
        return c
    }
}
