import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralKernels

// spectral-bench <benchmark> [--option value …]: one JSON object per line, each with the conditions it ran under
// and its speed against a limit measured in the same run.
let program = CommandLineProgram(
    name: "spectral-bench", version: "0.2.0",
    abstract:
        "Benchmarks of SpectralBias: every figure against a limit (FMA peak, memory bandwidth, a peer) measured in the same run.",
    commands: [
        PeakBench.self, BandwidthBench.self, GEMMBench.self, TrainBench.self, FFTBench.self, DFTBench.self,
        BreakpointsBench.self,
        RowProduct64Bench.self, EigenBench.self, Regions2DBench.self, Regions3DBench.self, CommandBench.self,
    ])

do {
    try CPUFeatures.check()
    _ = try GEMMKernel.requested(ProcessInfo.processInfo.environment)
} catch let error as SpectralError {
    FileHandle.standardError.write(Data("spectral-bench: \(error.description)\n".utf8))
    exit(error.exitCode)
}
exit(program.main(CommandLine.arguments))
