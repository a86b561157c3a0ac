import Foundation
import SpectralCore
import SpectralExperiments

let exp7Command = Command(
    name: "exp7",
    summary: "Experiment 7: how much of a delta peak's flat spectrum nets of varying depth, width and clipping learn.",
    discussion: """
    Twelve nets (depth 3-6 at width 16; width 16-128 at depth 3; weight clip 0.1, 0.15, 0.2, 2 at depth 6, width 64),
    Adam at lr 3e-4 on 200 samples of a delta at x = 0.5, parameters clamped to [-c, c] after every step. Presets:
    paper (60,000 steps), quick (3,000). Writes spectra.csv (sweep,depth,width,clip,k,magnitude), summary.csv (final
    loss and the mean learned |F(k)| over N/4 < k <= N/2, where the target's is 1), one picture per sweep, run.json.
    """,
    options: [
        OptionSpec("preset", "NAME", "paper or quick", default: "quick"),
        OptionSpec("steps", "N", "training steps per net (default: the preset's)"),
        .seed, .threads, .out, .quiet,
    ],
    run: { args, commandLine in
        var experiment = Experiment7(preset: try args.choice("preset", as: Experiment7.Preset.self)!)
        experiment.steps = try args.int("steps", range: 1...10_000_000) ?? experiment.steps
        experiment.seed = try args.seed
        experiment.threads = try args.threads
        let out = try args.outputDirectory
        let record = RunRecord(command: commandLine, configuration: [
            "experiment": "exp7", "preset": experiment.preset.rawValue, "steps": experiment.steps,
            "samples": experiment.samples, "lr": experiment.learningRate, "target": "delta at x = 0.5",
            "nets": Experiment7.nets.map { ["sweep": $0.sweep, "depth": $0.depth, "width": $0.width, "clip": $0.clip] },
        ], seed: experiment.seed, threads: experiment.threads)
        let progress = ProgressReporter("exp7", total: Experiment7.nets.count * experiment.steps, quiet: args.flag("quiet"))
        let outcomes = try experiment.run(progress: progress)
        try experiment.write(outcomes, to: out)
        try record.write(to: out, results: ["high_frequency_share": outcomes.map {
            ["sweep": $0.net.sweep, "depth": $0.net.depth, "width": $0.net.width, "clip": $0.net.clip, "share": $0.highFrequencyShare]
        }])
        for o in outcomes {
            say(String(format: "%@ sweep: depth %d width %d clip %g: loss %.3g, high-frequency share %.3f",
                       o.net.sweep, o.net.depth, o.net.width, o.net.clip, o.finalLoss, o.highFrequencyShare))
        }
    })
