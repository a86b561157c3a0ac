import Foundation
import SpectralCore

// spectral-bench <benchmark> [--option value …]: one JSON object per line, each with the conditions it ran under
// and its speed against a limit measured in the same run.
let benchmarks: [String: (BenchOptions) throws -> Void] = [
    "peak": benchPeak,
    "gemm": benchGEMM,
    "train": benchTrain,
    "fft": benchFFT,
    "dft": benchDFT,
    "breakpoints": benchBreakpoints,
    "rowproduct64": benchRowProduct64,
    "regions2d": benchRegions2D,
]

let arguments = CommandLine.arguments
guard arguments.count >= 2, let bench = benchmarks[arguments[1]] else {
    FileHandle.standardError.write(Data("usage: spectral-bench <\(benchmarks.keys.sorted().joined(separator: "|"))> [--option value ...]\n".utf8))
    exit(64)
}
do {
    try CPUFeatures.check()
    try bench(BenchOptions(Array(arguments.dropFirst(2))))
} catch let error as SpectralError {
    FileHandle.standardError.write(Data("spectral-bench: \(error.description)\n".utf8))
    exit(error.exitCode)
}
