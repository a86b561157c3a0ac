import Foundation
import SpectralCore
import SpectralExperiments

do { try CPUFeatures.check() } catch let error as SpectralError {
    FileHandle.standardError.write(Data("spectral: \(error.description)\n".utf8))
    exit(error.exitCode)
}
Interrupt.install()
exit(SpectralProgram.standard.main(CommandLine.arguments))
