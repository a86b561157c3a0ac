import Foundation
import SpectralCore
import SpectralExperiments

let exp2Command = Command(
    name: "exp2",
    summary: "Experiment 2: how robust each learned frequency is to random parameter perturbations (heat map δ × k).",
    discussion: """
    Trains (or loads with --weights, comma-separated) converged nets on the experiment-1 target, perturbs all
    parameters along unit-norm Gaussian directions θ* + δ·θ̂, and averages |F(k)| over directions, divided by the
    trained |F(k)|. Presets: paper (k = 10…50, 1 model, 80,000 iterations), notebook (k = 5…50, 5 models, 60,000),
    quick (k = 5…25, 1 model, 4,000 at lr 1e-3). Writes robustness.csv (delta,k,relative_magnitude), falloff.csv
    (the δ at which each k falls to half), heatmap.png and run.json.
    """,
    options: [
        OptionSpec("preset", "NAME", "paper, notebook or quick", default: "quick"),
        OptionSpec("weights", "FILES", "converged nets to load instead of training (comma-separated safetensors)"),
        OptionSpec("directions", "N", "random directions per δ (default: the preset's)"),
        .seed, .threads, .out, .quiet,
    ],
    run: { args, commandLine in
        var experiment = Experiment2(preset: try args.choice("preset", as: Experiment2.Preset.self)!)
        if let files = args.string("weights") {
            experiment.weights = files.split(separator: ",").map { URL(fileURLWithPath: String($0)) }
        }
        experiment.directions = try args.int("directions", range: 1...100_000) ?? experiment.directions
        experiment.seed = try args.seed
        experiment.threads = try args.threads
        let out = try args.outputDirectory
        let record = RunRecord(command: commandLine, configuration: experiment.record, seed: experiment.seed,
                               threads: experiment.threads)
        let progress = ProgressReporter("exp2", total: experiment.models * experiment.trainingIterations,
                                        quiet: args.flag("quiet"))
        let ratios = try experiment.run(progress: progress)
        try experiment.write(ratios, to: out)
        let half = zip(experiment.frequencies, experiment.halfDeltas(ratios)).map { k, d in
            "k=\(Int(k)): \(d.map { String(format: "%.3g", $0) } ?? "> max")"
        }
        try record.write(to: out, results: ["delta_at_half": half])
        say("exp2 (\(experiment.preset.rawValue)): δ at which |F(k)| halves — \(half.joined(separator: ", "))")
        say("results in \(out.path)")
    })
