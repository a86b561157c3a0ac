import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import XCTest

/// The trainer's input gradient ∂f/∂x on a 2-input net against the exact gradient of the linear region holding
/// each point (the regions are enumerated in Float64 from the same weights). Tolerance 1e-5 of the net's
/// Lipschitz constant: the Float32 chain through three layers of 24 carries a relative error of about 1e-6.
final class InputGradientRegionTests: XCTestCase {
    func testInputGradientIsTheRegionsGradient() throws {
        let net = MLP.initialized(sizes: [2, 24, 24, 24, 1], initialization: .he, seed: 21)
        var rng = SplitMix64(seed: 22)
        for i in 0..<net.parameterCount { net.parameters[i] += Float(rng.uniform(-0.1, 0.1)) }
        let regions = try enumerateRegions(
            try ExactNetwork(net, inputs: 2), domain: boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1),
            pool: ThreadPool(threadCount: 2))
        let rows = 200
        let points = (0..<(2 * rows)).map { _ in Float(rng.uniform(-0.99, 0.99)) }
        let pass = MLPPass(net: net, capacity: rows, gemm: GEMM(threads: 2))
        var gradient = [Float](repeating: .nan, count: 2 * rows)
        points.withUnsafeBufferPointer { x in
            pass.forward(x.baseAddress!, rows: rows)
            pass.outputGradient.update(repeating: 1, count: rows)
            pass.backward(x.baseAddress!, rows: rows, parameters: false, inputGradient: &gradient)
        }
        var located = 0
        for r in 0..<rows {
            let (px, py) = (Double(points[2 * r]), Double(points[2 * r + 1]))
            guard let face = (0..<regions.regionCount).first(where: { regions.mesh.contains(face: $0, px, py) }) else {
                continue
            }
            located += 1
            XCTAssertEqual(
                Double(gradient[2 * r]), regions.gradientX[face], accuracy: 1e-5 * regions.lipschitz, "point \(r)")
            XCTAssertEqual(
                Double(gradient[2 * r + 1]), regions.gradientY[face], accuracy: 1e-5 * regions.lipschitz, "point \(r)")
        }
        XCTAssertEqual(located, rows, "every point lies in one region")
        XCTAssertGreaterThan(regions.regionCount, 50, "a net with many regions, so the test can tell them apart")
    }
}
