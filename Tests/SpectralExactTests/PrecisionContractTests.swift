import Foundation
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import XCTest

/// F64 weights stay Float64 through the exact analyses: kinks and regions of nets whose weights Float32 cannot
/// represent match a Float64 NumPy reference (Fixtures/make_precision_fixtures.py: masked matrix products per
/// piece or point, a method of its own) to 1e−12. Rounding the weights to Float32 moves the same quantities by
/// 1e−6 (1-D) and 1e−8 (2-D), as the fixture records, so the tolerance tells the two apart.
final class PrecisionContractTests: XCTestCase {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/precision")

    struct Reference1D: Decodable {
        let kinks: [Double]
        let slope_jumps: [Double]
        let float32_rounding_moves_kinks_by: Double
    }
    struct Point: Decodable {
        let x: [Double]
        let gradient: [Double]
        let value: Double
    }
    struct Reference2D: Decodable {
        let points: [Point]
        let float32_rounding_changes_maps_by: Double
    }

    func testKinksOfF64WeightsMatchTheFloat64Reference() throws {
        let reference = try JSONDecoder().decode(
            Reference1D.self, from: Data(contentsOf: folder.appendingPathComponent("reference1d.json")))
        let weights = folder.appendingPathComponent("net1d_f64.safetensors")
        let f = try enumerateKinks(try ExactNetwork.load(weights), pool: ThreadPool(threadCount: 2))
        XCTAssertEqual(f.kinks.count, reference.kinks.count)
        for (x, r) in zip(f.kinks, reference.kinks) { XCTAssertEqual(x, r, accuracy: 1e-12 * max(1, abs(r))) }
        for (s, r) in zip(f.slopeJumps, reference.slope_jumps) {
            XCTAssertEqual(s, r, accuracy: 1e-12 * max(1, abs(r)))
        }
        // The Float32 path (what training reads) lands measurably elsewhere: the test above would see a rounding.
        XCTAssertGreaterThan(reference.float32_rounding_moves_kinks_by, 1e-9)
        let rounded = try enumerateKinks(try ExactNetwork(MLP.load(from: weights)), pool: ThreadPool(threadCount: 1))
        let moved = zip(rounded.kinks, reference.kinks).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertGreaterThan(moved, 1e-9)
    }

    func testRegionsOfF64WeightsMatchTheFloat64Reference() throws {
        let reference = try JSONDecoder().decode(
            Reference2D.self, from: Data(contentsOf: folder.appendingPathComponent("reference2d.json")))
        let network = try ExactNetwork.load(folder.appendingPathComponent("net2d_f64.safetensors"), inputs: 2)
        let regions = try enumerateRegions(
            network, domain: boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1), pool: ThreadPool(threadCount: 2))
        XCTAssertGreaterThan(reference.float32_rounding_changes_maps_by, 1e-9)
        var located = 0
        for p in reference.points {
            guard let face = (0..<regions.regionCount).first(where: { regions.mesh.contains(face: $0, p.x[0], p.x[1]) })
            else {
                XCTFail("no region holds \(p.x)")
                continue
            }
            located += 1
            XCTAssertEqual(regions.gradientX[face], p.gradient[0], accuracy: 1e-12 * max(1, abs(p.gradient[0])))
            XCTAssertEqual(regions.gradientY[face], p.gradient[1], accuracy: 1e-12 * max(1, abs(p.gradient[1])))
            XCTAssertEqual(regions.value(face: face, p.x[0], p.x[1]), p.value, accuracy: 1e-12 * max(1, abs(p.value)))
        }
        XCTAssertEqual(located, reference.points.count)
    }
}
