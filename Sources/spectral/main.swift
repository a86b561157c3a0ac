import Foundation
import SpectralCore
import SpectralExperiments

// Every command, in the order `spectral help` lists them; adding an experiment adds one line here.
let program = SpectralProgram.program([
    DemoCommand.self, TrainCommand.self, Exp1Command.self, Exp2Command.self, Exp7Command.self,
    SpectrumCommand.self, Exact1DCommand.self, ScalingCommand<OneDimensional>.self,
    Regions2DCommand.self, Exact2DCommand.self, ScalingCommand<TwoDimensional>.self,
])

do { try CPUFeatures.check() } catch let error as SpectralError {
    FileHandle.standardError.write(Data("spectral: \(error.description)\n".utf8))
    exit(error.exitCode)
}
Interrupt.install()
exit(program.main(CommandLine.arguments))
