import SpectralCommandLine
import SpectralCore

/// The presets of the training experiments: the paper's settings, the authors' notebook's, and a short run for a
/// first look and the tests. Each experiment lists the ones it has (`presets`) and says in its `init(preset:)` what
/// each sets; options given explicitly override them.
public enum TrainingPreset: String, Codable, CaseIterable, Sendable, ExpressibleByArgument {
    case paper, notebook, quick
}

/// The ranges every command that trains a net accepts, declared once: the options check them when parsed, and the
/// configurations (which also come back from run.json) check them again in `validate`.
public enum TrainingRanges {
    /// Linear layers of the MLP.
    public static let depth = 1...64
    /// Hidden units per layer.
    public static let width = 1...65_536
    /// Optimiser steps of one net.
    public static let iterations = 1...10_000_000
    /// Optimiser steps where a loaded net is not trained at all.
    public static let iterationsOrNone = 0...10_000_000
    /// Steps between two records of what the net has learned.
    public static let recordEvery = 1...10_000_000
    /// Independent runs (fresh random draws and a fresh net each).
    public static let runs = 1...10_000

    /// A setting's name, its value and the values allowed.
    typealias Setting = (name: String, value: Int, allowed: ClosedRange<Int>)

    /// The net's shape as settings to check.
    static func shape(depth: Int, width: Int) -> [Setting] {
        [("depth", depth, Self.depth), ("width", width, Self.width)]
    }

    /// Throws a usage error naming `experiment` and the first setting that is out of its range: the preset, then
    /// `counts` in order, then the learning rate.
    static func check(
        _ experiment: String, preset: TrainingPreset, of presets: [TrainingPreset], learningRate: Double,
        counts: [Setting]
    ) throws {
        guard presets.contains(preset) else {
            let names = presets.map(\.rawValue).joined(separator: ", ")
            throw SpectralError.usage("\(experiment) has no \(preset.rawValue) preset (it has \(names))")
        }
        for (name, value, range) in counts where !range.contains(value) {
            throw SpectralError.usage(
                "\(experiment) needs \(name) in \(range.lowerBound)…\(range.upperBound), not \(value)")
        }
        guard learningRate > 0, learningRate.isFinite else {
            throw SpectralError.usage("\(experiment) needs a positive, finite learning rate, not \(learningRate)")
        }
    }
}

/// `--iterations` and `--runs` of the training experiments, which override their preset's.
public struct TrainingOptions: ParsableArguments {
    @Option(help: "training iterations of each net (default: the preset's)", check: .within(TrainingRanges.iterations))
    public var iterations: Int?
    @Option(
        help: "independent runs, a fresh draw and net each (default: the preset's)", check: .within(TrainingRanges.runs)
    )
    public var runs: Int?
    public init() {}
}
