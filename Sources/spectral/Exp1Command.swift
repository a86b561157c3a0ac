import Foundation
import SpectralCore
import SpectralExact
import SpectralNetworks
import SpectralExperiments

let exp1Command = Command(
    name: "exp1",
    summary: "Experiment 1: lower frequencies are learned first (heat map iteration × frequency, CSVs, run.json).",
    discussion: """
    Presets: paper (80,000 iterations, 10 phase draws), notebook (60,000 iterations, 20 runs), quick (5,000
    iterations, 1 run). Options given explicitly override the preset. Writes dynamics.csv (iteration,k,magnitude:
    2|F(k)|/(N·A) averaged over runs), learned.csv, spectral_norms.csv, loss.csv, function.csv, heatmap.png,
    functions.png, spectral_norms.png, loss.png and run.json.
    """,
    options: [
        OptionSpec("preset", "NAME", "paper, notebook or quick", default: "quick"),
        OptionSpec("amplitudes", "KIND", "equal or increasing", default: "equal"),
        OptionSpec("iterations", "N", "training iterations (default: the preset's)"),
        OptionSpec("runs", "N", "phase draws / runs (default: the preset's)"),
        OptionSpec("record-every", "N", "iterations between spectrum records", default: "100"),
        OptionSpec("per-run", nil, "also write dynamics_runs.csv with every run's rows"),
        .seed, .threads, .out, .quiet,
    ],
    run: runExp1)

enum AmplitudeKind: String, CaseIterable { case equal, increasing }

func runExp1(_ args: Arguments, _ commandLine: [String]) throws {
    let preset = try args.choice("preset", as: Experiment1.Preset.self)!
    var configuration = Experiment1.Configuration(preset: preset)
    configuration.increasingAmplitudes = try args.choice("amplitudes", as: AmplitudeKind.self)! == .increasing
    configuration.iterations = try args.int("iterations", range: 1...10_000_000) ?? configuration.iterations
    configuration.runs = try args.int("runs", range: 1...10_000) ?? configuration.runs
    configuration.recordEvery = try args.int("record-every", range: 1...10_000_000)!
    configuration.perRunRows = args.flag("per-run")
    configuration.seed = try args.seed
    configuration.threads = try args.threads
    let out = try args.outputDirectory
    try runExperiment1(configuration, out: out, commandLine: commandLine, quiet: args.flag("quiet"))
}

func runExperiment1(_ configuration: Experiment1.Configuration, out: URL, commandLine: [String], quiet: Bool) throws {
    let experiment = try Experiment1(configuration)
    let record = RunRecord(command: commandLine, configuration: configuration.record, seed: configuration.seed,
                           threads: configuration.threads)
    let progress = ProgressReporter("exp1 \(configuration.preset.rawValue)", total: configuration.iterations * configuration.runs,
                                    quiet: quiet)
    let result = try experiment.run(progress: progress)
    try experiment.write(result, to: out)
    let learned = zip(configuration.frequencies, result.learnedAt()).map { k, at in
        "k=\(Int(k)): \(at.map(String.init) ?? "not yet")"
    }
    try record.write(to: out, results: ["learned_at_0.9": learned])
    say("exp1 (\(configuration.preset.rawValue) preset): first iteration at 90% of amplitude — \(learned.joined(separator: ", "))")
    say("results and pictures in \(out.path)")
}

let demoCommand = Command(
    name: "demo",
    summary: "The short end-to-end demonstration: experiment 1 (quick preset), the exact spectrum of its net, and a 2-D net's.",
    discussion: """
    Writes into --out (default demo-results): exp1/ (heatmap.png, functions.png, the CSVs, weights.safetensors),
    exact1d/ (every kink of the trained net, its exact spectra on [0, 1] against the k^-2 bound, summary.json) and
    exact2d/ (the linear regions of a random 2 -> 32 -> 32 -> 32 -> 1 net on [-1, 1]^2, its exact spectrum, and the
    k^-2 ridges against the k^-3 generic decay).
    """,
    options: [OptionSpec("out", "DIR", "folder for the results", default: "demo-results"), .seed, .threads, .quiet],
    run: { args, commandLine in
        var configuration = Experiment1.Configuration(preset: .quick)
        configuration.seed = try args.seed
        configuration.threads = try args.threads
        let root = try args.outputDirectory
        let exp1 = root.appendingPathComponent("exp1")
        try runExperiment1(configuration, out: exp1, commandLine: commandLine, quiet: args.flag("quiet"))
        try runExact1D(weights: exp1.appendingPathComponent("weights.safetensors"), interval: (0, 1),
                       frequencies: stride(from: 1.0, through: 2000, by: 1).map { $0 }, threads: configuration.threads,
                       out: root.appendingPathComponent("exact1d"), commandLine: commandLine)
        let net2D = MLP.initialized(sizes: [2, 32, 32, 32, 1], initialization: .pytorch, seed: configuration.seed)
        let exact2d = root.appendingPathComponent("exact2d")
        try FileManager.default.createDirectory(at: exact2d, withIntermediateDirectories: true)
        try net2D.save(to: exact2d.appendingPathComponent("weights.safetensors"))
        try runExact2D(net: net2D, name: "a random 2-D net", domain: boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1), frequencies: .grid(kmax: 16, n: 33),
                       ridges: 3, rays: 0, radii: geometricRadii(20, 2000, count: 40), threads: configuration.threads,
                       out: exact2d, configuration: ["net": "2-32-32-32-1, pytorch init, seed \(configuration.seed)",
                                                     "domain": "box -1:1,-1:1", "frequencies": "grid 16:33"], commandLine: commandLine)
    })
