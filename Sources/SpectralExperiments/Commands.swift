import SpectralCommandLine

extension SpectralProgram {
    /// Every command of `spectral`, in the order `spectral help` lists them. Adding an experiment adds one line here.
    public static let commands: [any ParsableCommand.Type] = [
        DemoCommand.self,
        TrainCommand.self,
        Exp1Command.self,
        Exp2Command.self,
        Exp3Command.self,
        Exp4Command.self,
        Exp5Command.self,
        Exp6Command.self,
        Exp7Command.self,
        SpectrumCommand.self,
        Exact1DCommand.self,
        ScalingCommand<OneDimensional>.self,
        Regions2DCommand.self,
        Decision2DCommand.self,
        Classes2DCommand.self,
        Exact2DCommand.self,
        ScalingCommand<TwoDimensional>.self,
        Regions3DCommand.self,
        Exact3DCommand.self,
        ScalingCommand<ThreeDimensional>.self,
        ProfileCommand.self,
        PathsCommand.self,
    ]

    public static var standard: CommandLineProgram { program(commands) }
}
