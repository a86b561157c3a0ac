import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralExperiments

let trainCommand = Command(
    name: "train",
    summary: "Train a ReLU MLP on a sum of sines or on a CSV of samples; write weights.safetensors, loss.csv, run.json.",
    discussion: """
    Target: --data FILE.csv (input columns, then one target column; a header row is optional), or a sum of sines
    λ(z) = Σ A_i sin(2π k_i z + φ_i) on z_j = j/N (--freqs, --amplitudes, --phases or --phase-seed, --samples).
    Without either, the paper's experiment-1 target (k = 5…50, A = 1, phases from --seed).
    """,
    options: [
        OptionSpec("data", "FILE", "CSV of samples: input columns, then the target"),
        OptionSpec("freqs", "LIST", "sum-of-sines frequencies k_i (list or START:STOP:STEP)", default: "5:50:5"),
        OptionSpec("amplitudes", "LIST", "amplitudes A_i (one per frequency; default all 1)"),
        OptionSpec("phases", "LIST", "phases φ_i in radians (default: drawn from --phase-seed)"),
        OptionSpec("phase-seed", "N", "seed of the phase draw (default: --seed)"),
        OptionSpec("samples", "N", "number of samples z_j = j/N", default: "200"),
        OptionSpec("depth", "N", "linear layers (paper: 6)", default: "6"),
        OptionSpec("width", "N", "hidden units per layer", default: "256"),
        OptionSpec("lr", "X", "learning rate", default: "0.0003"),
        OptionSpec("steps", "N", "optimiser steps", default: "1000"),
        OptionSpec("optimizer", "NAME", "adam or sgd", default: "adam"),
        OptionSpec("momentum", "X", "SGD momentum", default: "0"),
        OptionSpec("init", "NAME", "pytorch, he or glorot", default: "pytorch"),
        OptionSpec("loss", "NAME", "mse or bce (with logits)", default: "mse"),
        OptionSpec("batch-size", "N", "rows per step (default: full batch)"),
        OptionSpec("weight-decay", "X", "L2 weight decay", default: "0"),
        OptionSpec("clip", "C", "clamp parameters to [-C, C] after each step"),
        .seed, .threads, .out, .quiet,
    ],
    run: runTrain)

enum OptimizerName: String, CaseIterable { case adam, sgd }

func runTrain(_ args: Arguments, _ commandLine: [String]) throws {
    let seed = try args.seed
    let threads = try args.threads
    let out = try args.outputDirectory
    let depth = try args.int("depth", range: 1...64)!
    let width = try args.int("width", range: 1...65536)!
    let steps = try args.int("steps", range: 0...100_000_000)!
    let initialization = try args.choice("init", as: Initialization.self)!
    var configuration = TrainingConfiguration(steps: steps, learningRate: try args.double("lr", positive: true)!)
    configuration.loss = try args.choice("loss", as: Loss.self)!
    configuration.weightDecay = try args.double("weight-decay")!
    configuration.clip = try args.double("clip", positive: true)
    configuration.batchSize = try args.int("batch-size", range: 1...Int.max)
    configuration.shuffleSeed = seed &+ 1
    switch try args.choice("optimizer", as: OptimizerName.self)! {
    case .adam: configuration.optimizer = .adam()
    case .sgd: configuration.optimizer = .sgd(momentum: try args.double("momentum")!)
    }

    var record: [String: Any] = [
        "depth": depth, "width": width, "steps": steps, "lr": configuration.learningRate,
        "optimizer": configuration.optimizer.description, "init": initialization.rawValue,
        "loss": configuration.loss.rawValue, "weight_decay": configuration.weightDecay,
        "batch_size": configuration.batchSize ?? "full", "clip": configuration.clip ?? "none",
    ]
    let data: Dataset
    if let path = args.string("data") {
        for conflicting in ["phases", "amplitudes", "phase-seed"] where args.has(conflicting) {
            throw SpectralError.usage("--\(conflicting) describes a sum of sines and cannot be used with --data")
        }
        let csv = try NumericCSV.read(URL(fileURLWithPath: path))
        guard csv.rows[0].count >= 2 else {
            throw SpectralError.badInput("\(path) needs at least two columns: inputs, then the target")
        }
        let inputSize = csv.rows[0].count - 1
        data = try Dataset(inputs: csv.rows.flatMap { $0.prefix(inputSize).map(Float.init) },
                           targets: csv.rows.map { Float($0[inputSize]) }, rows: csv.rows.count)
        record["target"] = ["kind": "csv", "path": path, "rows": csv.rows.count, "inputs": inputSize]
    } else {
        let target = try sumOfSinesTarget(args, seed: seed)
        let samples = try args.int("samples", range: 1...10_000_000)!
        let (z, values) = target.samples(samples)
        data = try Dataset(inputs: z.map(Float.init), targets: values.map(Float.init), rows: samples)
        record["target"] = ["kind": "sum_of_sines", "frequencies": target.frequencies, "amplitudes": target.amplitudes,
                            "phases": target.phases, "samples": samples]
    }
    let run = RunRecord(command: commandLine, configuration: record, seed: seed, threads: threads)
    let net = MLP.initialized(sizes: [data.inputSize] + Array(repeating: width, count: depth - 1) + [1],
                              initialization: initialization, seed: seed)
    let trainer = try Trainer(net: net, data: data, configuration: configuration, gemm: GEMM(threads: threads))
    let progress = ProgressReporter("train", total: steps, quiet: args.flag("quiet"))
    var losses = CSVTable(header: ["step", "loss"])
    var finalLoss: Double?
    try trainer.train { step, loss in
        losses.append([.int(step), .double(loss)])
        finalLoss = loss
        progress.update(step, note: String(format: "loss %.3g", loss))
        try Interrupt.check()
    }
    try net.save(to: out.appendingPathComponent("weights.safetensors"))
    try losses.write(to: out.appendingPathComponent("loss.csv"))
    try run.write(to: out, results: ["final_loss": finalLoss ?? .nan, "parameters": net.parameterCount])
    say("trained \(net.sizes.map(String.init).joined(separator: "→")) for \(steps) steps; final loss \(finalLoss.map { String(format: "%.4g", $0) } ?? "n/a"); results in \(out.path)")
}

/// The sum of sines described by --freqs, --amplitudes and --phases or --phase-seed.
func sumOfSinesTarget(_ args: Arguments, seed: UInt64) throws -> SumOfSines {
    let frequencies = try args.doubles("freqs")!
    let amplitudes = try args.doubles("amplitudes") ?? Array(repeating: 1, count: frequencies.count)
    if let phases = try args.doubles("phases") {
        if args.has("phase-seed") { throw SpectralError.usage("give --phases or --phase-seed, not both") }
        return try SumOfSines(frequencies: frequencies, amplitudes: amplitudes, phases: phases)
    }
    let phaseSeed = try args.int("phase-seed", range: 0...Int.max).map(UInt64.init) ?? seed
    var rng = SplitMix64(seed: phaseSeed)
    return try SumOfSines(frequencies: frequencies, amplitudes: amplitudes, rng: &rng)
}
