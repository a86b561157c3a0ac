// swift-tools-version:5.9
// SpectralBias: exact and numeric spectra of ReLU networks, and a fast CPU trainer.
// No package dependencies: the toolchain and the system's C libraries only.
import PackageDescription

// On x86-64 the vector code (SIMD `addingProduct`) only becomes FMA/AVX2 instructions when the C importer is
// told the target has them; without this flag every lane is a library call (~100x slower). The program checks
// at start-up that the CPU really has AVX2 and FMA (see `CPUFeatures`).
#if arch(x86_64)
let vectorFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3", "-enforce-exclusivity=unchecked"])]
#else
let vectorFlags: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
#endif

let package = Package(
    name: "SpectralBias",
    products: [
        .executable(name: "spectral", targets: ["spectral"]),
        .executable(name: "spectral-bench", targets: ["spectral-bench"]),
        .library(name: "SpectralBias", targets: ["SpectralExperiments"]),
    ],
    targets: [
        .target(name: "CSpectralSystem"),
        .target(name: "SpectralCore", dependencies: ["CSpectralSystem"], swiftSettings: vectorFlags),
        .target(name: "SpectralCommandLine", dependencies: ["SpectralCore"], swiftSettings: vectorFlags),
        .target(name: "SpectralPlot", dependencies: ["SpectralCore"], swiftSettings: vectorFlags),
        .target(name: "CSpectralSIMD"),
        .target(name: "SpectralKernels", dependencies: ["SpectralCore", "CSpectralSIMD"], swiftSettings: vectorFlags),
        .target(
            name: "SpectralNetworks", dependencies: ["SpectralCore", "SpectralKernels"], swiftSettings: vectorFlags),
        .target(
            name: "SpectralSpectra", dependencies: ["SpectralCore", "SpectralKernels"], swiftSettings: vectorFlags),
        .target(
            name: "SpectralExact",
            dependencies: ["SpectralCore", "SpectralKernels", "SpectralNetworks", "SpectralSpectra"],
            swiftSettings: vectorFlags),
        .target(
            name: "SpectralExperiments",
            dependencies: [
                "SpectralCore", "SpectralCommandLine", "SpectralKernels", "SpectralNetworks", "SpectralSpectra",
                "SpectralExact", "SpectralPlot",
            ],
            swiftSettings: vectorFlags),
        .executableTarget(name: "spectral", dependencies: ["SpectralExperiments"], swiftSettings: vectorFlags),
        .executableTarget(
            name: "spectral-fuzz",
            dependencies: ["SpectralExperiments", "SpectralCommandLine", "SpectralNetworks", "SpectralExact"],
            path: "Fuzz/spectral-fuzz", swiftSettings: vectorFlags),
        .executableTarget(
            name: "spectral-bench", dependencies: ["SpectralExperiments", "SpectralCommandLine"],
            path: "Benchmarks/spectral-bench",
            swiftSettings: vectorFlags),
        .testTarget(name: "SpectralCoreTests", dependencies: ["SpectralCore"], swiftSettings: vectorFlags),
        .testTarget(name: "SpectralKernelsTests", dependencies: ["SpectralKernels"], swiftSettings: vectorFlags),
        .testTarget(
            name: "SpectralNetworksTests", dependencies: ["SpectralNetworks"],
            swiftSettings: vectorFlags),
        .testTarget(name: "SpectralSpectraTests", dependencies: ["SpectralSpectra"], swiftSettings: vectorFlags),
        .testTarget(name: "SpectralPlotTests", dependencies: ["SpectralPlot"], swiftSettings: vectorFlags),
        .testTarget(
            name: "SpectralExperimentsTests", dependencies: ["SpectralExperiments", "SpectralCommandLine"],
            swiftSettings: vectorFlags),
        .testTarget(
            name: "SpectralCommandLineTests", dependencies: ["SpectralCommandLine", "SpectralCore"],
            swiftSettings: vectorFlags),
        .testTarget(
            name: "SpectralCLITests",
            dependencies: ["spectral", "spectral-fuzz", "SpectralCore", "SpectralExact", "SpectralNetworks"],
            swiftSettings: vectorFlags),
        .testTarget(
            name: "SpectralExactTests",
            dependencies: ["SpectralExact", "SpectralSpectra", "SpectralNetworks", "SpectralKernels", "SpectralCore"],
            swiftSettings: vectorFlags),
    ]
)
