import Foundation
import SpectralCore
import SpectralNetworks
import SpectralExperiments

let exact1dCommand = Command(
    name: "exact1d",
    summary: "Every kink of a 1-D ReLU net, its exact Fourier transforms and the theorem's bounds (Float64).",
    discussion: """
    Reads safetensors weights (input size 1, output size 1). Writes breakpoints.csv (x,slope_jump,value),
    spectrum.csv (k, kink spectrum, window transform on [a, b], the same with the end line removed; real and
    imaginary parts), summary.json (pieces, lipschitz, total_slope_jump, decay_exponent, bound ratios) and
    spectrum.png (log-log, with the k^-2 bound). Convention: f~(k) = integral of f(x) exp(-2 pi i k x) dx.
    """,
    options: [
        OptionSpec("weights", "FILE", "safetensors file of the network"),
        OptionSpec("interval", "A:B", "the window [a, b] (default: all kinks plus 5% on each side)"),
        OptionSpec("freqs", "LIST", "frequencies k > 0: a list or START:STOP:STEP", default: "0.5:500:0.5"),
        .threads, .out, .quiet,
    ],
    run: { args, commandLine in
        let weights = try args.require("weights")
        let out = try args.outputDirectory
        let interval = try args.string("interval").map { try parseInterval($0, option: "interval") }
        let frequencies = try args.doubles("freqs")!
        try runExact1D(weights: URL(fileURLWithPath: weights), interval: interval, frequencies: frequencies,
                       threads: try args.threads, out: out, commandLine: commandLine)
    })

func runExact1D(weights: URL, interval: (Double, Double)?, frequencies: [Double], threads: Int, out: URL,
                commandLine: [String]) throws {
    let record = RunRecord(command: commandLine, configuration: [
        "weights": weights.path, "interval": interval.map { [$0.0, $0.1] } ?? "auto",
        "frequencies": ["count": frequencies.count, "min": frequencies.min() ?? 0, "max": frequencies.max() ?? 0],
    ], seed: nil, threads: threads)
    let net = try MLP.load(from: weights)
    let report = try Exact1DReport(net: net, interval: interval, frequencies: frequencies, threads: threads)
    try report.write(to: out, title: "Exact spectrum of \(weights.lastPathComponent) (\(report.function.pieces) pieces)")
    try record.write(to: out, results: report.check.summary)
    let c = report.check
    say(String(format: "%d kinks (%d pieces), L_f = %.4g, sum|ds| = %.4g; max |f~|(2 pi k)^2 / sum|ds| = %.4f, sum|ds| / (2 N_f L_f) = %.4f; decay exponent %@",
               report.function.kinks.count, c.pieces, c.lipschitz, c.totalSlopeJump, c.spectrumRatio, c.jumpRatio,
               c.decay.map { String(format: "%.3f ± %.3f", $0.slope, $0.standardError) } ?? "n/a"))
    say("results in \(out.path)")
}

let scaling1dCommand = scalingCommand(dimension: 1)
let scaling2dCommand = scalingCommand(dimension: 2)

/// `scaling1d` and `scaling2d`: one sweep, two input dimensions.
func scalingCommand(dimension: Int) -> Command {
    let oneD = dimension == 1
    return Command(
    name: "scaling\(dimension)d",
    summary: oneD ? "Depth × width × seed sweeps of exact 1-D quantities (pieces, Lipschitz, spectral constants, decay)."
                  : "Depth × width × seed sweeps of exact 2-D quantities on [-1,1]^2 (regions, Lipschitz, ridge constants, decay).",
    discussion: oneD ? """
    For each initialisation, depth (linear layers) and width, draws --seeds random nets f: R -> R and measures the
    number of linear pieces N_f, L_f, the eq. 7 bound (product of spectral norms), sum |ds|, max |f~(k)|(2 pi k)^2 and
    the fitted decay exponent. Writes scaling.csv, growth.csv (slopes of log N_f against log width, and of log N_f
    and log L_f against depth), pictures per initialisation and run.json. Note: He initialisation sets biases to 0,
    so every 1-D He net is positively homogeneous with at most one kink (at x = 0); use --inits pytorch for generic
    nets.
    """ : """
    For each initialisation, depth (linear layers) and width, draws --seeds random nets f: R^2 -> R and measures on
    [-1, 1]^2 the number of linear regions N_f, L_f, the eq. 7 bound, the total edge jump sum |(g_R - g_L).nu|,
    max |S(k)| |2 pi k|^2 along the heaviest k^-2 ridge, and the exponent fitted along the generic direction farthest
    from every ridge (Theorem 1: -3). Writes scaling.csv, growth.csv, pictures per initialisation and run.json.
    He initialisation sets biases to 0: its 2-D nets are positively homogeneous (regions are cones from 0).
    """,
    options: [
        OptionSpec("depths", "LIST", "depths (linear layers)", default: oneD ? "2,3,4,5,6" : "2,3,4"),
        OptionSpec("widths", "LIST", "widths", default: oneD ? "16,32,64,128,256" : "8,16,32,64"),
        OptionSpec("seeds", "N", "random nets per cell", default: oneD ? "3" : "2"),
        OptionSpec("inits", "LIST", "initialisations: pytorch, he, glorot", default: "pytorch,he"),
        OptionSpec("train-steps", "LIST", "measure each net after these numbers of Adam steps on a sum of sines", default: "0"),
        .threads, .out, .quiet,
    ],
    run: { args, commandLine in
        func integers(_ name: String, from low: Double = 1) throws -> [Int] {
            let values = try args.doubles(name)!
            guard values.allSatisfy({ $0 >= low && $0 == $0.rounded() && $0 <= 1_000_000 }) else {
                throw SpectralError.usage("--\(name) must list whole numbers from \(Int(low)) to 1000000")
            }
            return values.map { Int($0) }
        }
        let inits = try args.string("inits")!.split(separator: ",").map { name -> Initialization in
            guard let i = Initialization(rawValue: String(name)) else {
                throw SpectralError.usage("--inits: unknown initialisation '\(name)' (pytorch, he, glorot)")
            }
            return i
        }
        var sweep = ScalingSweep(depths: try integers("depths"), widths: try integers("widths"),
                                 seeds: try args.int("seeds", range: 1...1000)!, initializations: inits)
        guard sweep.depths.allSatisfy({ $0 >= 2 }) else { throw SpectralError.usage("--depths must be at least 2 (one hidden layer)") }
        sweep.dimension = dimension
        sweep.trainingSteps = Array(Set(try integers("train-steps", from: 0))).sorted()
        sweep.threads = try args.threads
        let out = try args.outputDirectory
        let record = RunRecord(command: commandLine, configuration: [
            "depths": sweep.depths, "widths": sweep.widths, "seeds": sweep.seeds, "inits": inits.map(\.rawValue),
            "frequencies": oneD ? "1:1000:1" : "radii 20..2000 (24, log spaced) along the heaviest ridge and the generic direction",
            "domain": oneD ? "the real line" : "[-1, 1]^2", "train_steps": sweep.trainingSteps,
            "training": "full-batch Adam, lr 3e-4, on " + (oneD ? "experiment 1's sum of sines (200 samples)" : "a sum of 5 plane waves on a 24x24 grid"),
        ], seed: nil, threads: sweep.threads)
        let progress = ProgressReporter("scaling\(dimension)d", total: inits.count * sweep.depths.count * sweep.widths.count * sweep.seeds,
                                        unit: "nets", quiet: args.flag("quiet"))
        let rows = try sweep.run(progress: progress)
        let summary = try sweep.write(rows, to: out)
        try record.write(to: out, results: summary)
        say("scaling\(dimension)d: \(rows.count / sweep.trainingSteps.count) nets, \(rows.count) measurements; results in \(out.path)")
    })
}
