import Foundation
import SpectralCore
import SpectralKernels
import SpectralNetworks

/// The repository's Fixtures folder (made by Fixtures/make_training_fixtures.py).
func fixtureURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures").appendingPathComponent(name)
}

func fixtureDataset() throws -> Dataset {
    let tensors = try Safetensors.read(fixtureURL("mlp_data.safetensors"))
    let x = tensors["inputs"]!
    let t = tensors["targets"]!
    return try Dataset(inputs: x.values.map(Float.init), targets: t.values.map(Float.init), rows: x.shape[0])
}

func temporaryDirectory() -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("spectral-tests-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
