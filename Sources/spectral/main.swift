import Foundation
import SpectralCore
import SpectralExperiments
import SpectralKernels

do {
    try CPUFeatures.check()
    _ = try GEMMKernel.requested(ProcessInfo.processInfo.environment)
    try Interrupt.install()
} catch let error as SpectralError {
    FileHandle.standardError.write(Data("spectral: \(error.description)\n".utf8))
    exit(error.exitCode)
}
exit(SpectralProgram.standard.main(CommandLine.arguments))
