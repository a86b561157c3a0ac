import Foundation
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import XCTest

/// A 2-input net with He weights and PyTorch-default biases U(±1/√fan_in) (He's zero biases would make every
/// zero set a union of rays from the origin: not a generic net).
func generic2DNet(_ sizes: [Int], seed: UInt64) throws -> ExactNetwork { try genericNet(sizes, seed: seed) }

/// The same for any input size (sizes[0]).
func genericNet(_ sizes: [Int], seed: UInt64) throws -> ExactNetwork {
    let net = MLP.initialized(sizes: sizes, initialization: .he, seed: seed)
    var rng = SplitMix64(seed: seed &+ 100)
    for l in 0..<net.layerCount {
        let bound = 1 / Double(net.fanIn(l)).squareRoot()
        for i in 0..<net.fanOut(l) { net.bias(l)[i] = Float(rng.uniform(-bound, bound)) }
    }
    return try ExactNetwork(net, inputs: sizes[0])
}

final class Regions2DTests: XCTestCase {
    let pool = ThreadPool(threadCount: 2)
    let box = boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1)
    let shapes: [[Int]] = [[2, 8, 1], [2, 12, 12, 1], [2, 16, 16, 16, 1], [2, 10, 10, 10, 10, 10, 1]]

    /// The subdivision is closed and consistent, its faces tile the box (areas sum to 4 to 1e−12 relative, none
    /// negative), and every face has its own activation pattern (no face split without a reason).
    func testFacesTileTheBoxWithDistinctPatterns() throws {
        for (i, sizes) in shapes.enumerated() {
            let regions = try enumerateRegions(try generic2DNet(sizes, seed: UInt64(i + 1)), domain: box, pool: pool)
            XCTAssertNil(regions.mesh.validate(domainArea: 4), "\(sizes)")
            XCTAssertEqual(regions.ambiguousCells, 0)
            var total = 0.0
            for f in 0..<regions.regionCount {
                let area = regions.mesh.areaAndCentroid(f).area
                XCTAssertGreaterThanOrEqual(area, 0, "\(sizes) face \(f)")
                total += area
            }
            XCTAssertEqual(total, 4, accuracy: 4e-12, "\(sizes)")
            let patterns = Set(
                (0..<regions.regionCount).map {
                    Array(regions.patterns[($0 * regions.patternWords)..<(($0 + 1) * regions.patternWords)])
                })
            XCTAssertEqual(patterns.count, regions.regionCount, "\(sizes): two faces share an activation pattern")
        }
    }

    /// `validate`, which debug builds run after every enumeration, names each kind of broken subdivision: a stray
    /// vertex (V − E + F = 2), a boundary corner moved (the areas no longer sum to the domain's), an edge whose ends
    /// no longer meet its neighbours. Each break is made on a correct subdivision that passes first.
    func testValidateNamesBrokenSubdivisions() throws {
        let regions = try enumerateRegions(try generic2DNet([2, 8, 8, 1], seed: 3), domain: box, pool: pool)
        let mesh = regions.mesh
        XCTAssertNil(mesh.validate(domainArea: 4))
        var stray = mesh
        stray.x.append(0.5)
        stray.y.append(0.5)
        XCTAssertEqual(
            stray.validate(),
            "V − E + F = 2, not 1 (\(stray.vertexCount) vertices, \(mesh.edgeCount) edges, \(mesh.faceCount) faces)")
        var moved = mesh
        let corner = (0..<mesh.vertexCount).first { mesh.x[$0] == -1 && mesh.y[$0] == -1 }!
        moved.x[corner] = -1.01
        XCTAssertNil(moved.validate(), "moving a corner keeps the structure")
        XCTAssertEqual(moved.validate(domainArea: 4)?.hasPrefix("the faces' areas sum to"), true)
        var rewired = mesh
        rewired.edgeEnd[0] = rewired.edgeStart[1] == rewired.edgeEnd[0] ? rewired.edgeEnd[1] : rewired.edgeStart[1]
        XCTAssertNotNil(rewired.validate())
    }

    /// At random points, f from the forward pass equals the affine map of the face that contains the point, and
    /// (away from edges) the point's activation pattern is the face's.
    func testAffineMapsAndPatternsMatchTheForwardPass() throws {
        var rng = SplitMix64(seed: 7)
        for (i, sizes) in shapes.enumerated() {
            let net = try generic2DNet(sizes, seed: UInt64(i + 1))
            let regions = try enumerateRegions(net, domain: box, pool: pool)
            let scale = max(1, regions.lipschitz)
            for _ in 0..<200 {
                let (x, y) = (rng.uniform(-1, 1), rng.uniform(-1, 1))
                guard
                    let face = (0..<regions.regionCount).first(where: {
                        regions.mesh.contains(face: $0, x, y, slack: 1e-12)
                    })
                else {
                    XCTFail("\(sizes): no face contains (\(x), \(y))")
                    continue
                }
                XCTAssertEqual(regions.value(face: face, x, y), net(x, y), accuracy: 1e-12 * scale, "\(sizes)")
                guard regions.mesh.contains(face: face, x, y, slack: -1e-9) else { continue }
                let pattern = net.pattern([x, y])
                var offset = 0
                for (layer, width) in regions.hiddenSizes.enumerated() {
                    for u in 0..<width {
                        XCTAssertEqual(
                            regions.isActive(face: face, layer: layer, unit: u), pattern[offset + u],
                            "\(sizes): layer \(layer) unit \(u) at (\(x), \(y))")
                    }
                    offset += width
                }
            }
        }
    }

    /// Dense sampling on a 400 × 400 grid sees only enumerated patterns, and sees every region larger than 20
    /// grid cells; the enumeration's count is that count plus regions too small for the grid.
    func testRegionCountsMatchDenseSampling() throws {
        for (i, sizes) in [[2, 6, 6, 1], [2, 10, 8, 1], [2, 8, 8, 8, 1]].enumerated() {
            let net = try generic2DNet(sizes, seed: UInt64(40 + i))
            let regions = try enumerateRegions(net, domain: box, pool: pool)
            let enumerated = Dictionary(
                (0..<regions.regionCount).map { f in
                    (
                        (0..<regions.hiddenSizes.reduce(0, +)).map { u -> Bool in
                            var (layer, unit) = (0, u)
                            while unit >= regions.hiddenSizes[layer] {
                                unit -= regions.hiddenSizes[layer]
                                layer += 1
                            }
                            return regions.isActive(face: f, layer: layer, unit: unit)
                        }, f
                    )
                }, uniquingKeysWith: { first, _ in first })
            let n = 400
            let h = 2.0 / Double(n)
            var sampled = Set<[Bool]>()
            for a in 0..<n {
                for b in 0..<n {
                    sampled.insert(net.pattern([-1 + (Double(a) + 0.5) * h, -1 + (Double(b) + 0.5) * h]))
                }
            }
            XCTAssertTrue(
                sampled.isSubset(of: Set(enumerated.keys)), "\(sizes): sampling found a pattern the enumeration lacks")
            let large = enumerated.filter { regions.mesh.areaAndCentroid($0.value).area > 20 * h * h }
            XCTAssertTrue(Set(large.keys).isSubset(of: sampled), "\(sizes): a large region was not sampled")
            XCTAssertGreaterThan(sampled.count, regions.regionCount * 9 / 10, "\(sizes)")
        }
    }

    /// Degenerate geometry: three first-layer lines through one point (one of them through two box corners), a
    /// duplicated unit (same line twice), a line along the box edge, a line touching a corner only, a dead unit,
    /// and a second-layer unit that is identically zero. Exactly the six sectors, with exact areas; edges whose
    /// unit the output ignores are flagged flat.
    func testDegenerateLinesDoNotCreateOrLoseRegions() throws {
        let mlp = MLP(sizes: [2, 7, 2, 1])
        // Units: x, y, x − y, x (again), x − 1 (box edge), x + y − 2 (touches (1, 1)), dead.
        let w1: [Float] = [1, 0, 0, 1, 1, -1, 1, 0, 1, 0, 1, 1, 0, 0]
        let b1: [Float] = [0, 0, 0, 0, -1, -2, -1]
        for i in 0..<14 { mlp.weights(0)[i] = w1[i] }
        for i in 0..<7 { mlp.bias(0)[i] = b1[i] }
        // Layer 2: unit 0 = h_x − h_x' ≡ 0 (dead everywhere), unit 1 = h_x + 2 h_{x−y} + 3 (always on).
        let w2: [Float] = [1, 0, 0, -1, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0]
        for i in 0..<14 { mlp.weights(1)[i] = w2[i] }
        mlp.bias(1)[0] = 0
        mlp.bias(1)[1] = 3
        mlp.weights(2)[0] = 5
        mlp.weights(2)[1] = 1
        let regions = try enumerateRegions(try ExactNetwork(mlp, inputs: 2), domain: box, pool: pool)
        XCTAssertNil(regions.mesh.validate())
        XCTAssertEqual(regions.regionCount, 6)
        XCTAssertEqual(regions.ambiguousCells, 0)
        let areas = (0..<6).map { regions.mesh.areaAndCentroid($0).area }.sorted()
        XCTAssertEqual(areas, [0.5, 0.5, 0.5, 0.5, 1, 1])
        // Only the line y = 0 (unit 1) is ignored by the output (f = h_x + 2h_{x−y} + 3 on the active side).
        for e in 0..<regions.mesh.edgeCount where regions.mesh.edgeRight[e] >= 0 {
            XCTAssertEqual(
                regions.isFlat(edge: e), regions.edgeUnit[e] == 1, "edge \(e) of unit \(regions.edgeUnit[e])")
        }
    }

    /// Region counts equal those of regioncam, an independent enumerator (Rust, Float32), on the nets of
    /// `Fixtures/make_regioncam_fixtures.py` (same float32 weights, read here from the files it wrote).
    func testCountsMatchRegioncam() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/regions2d")
        let counts =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: folder.appendingPathComponent("regioncam_counts.json")))
            as! [String: [String: Any]]
        XCTAssertEqual(counts.count, 4)
        for (file, entry) in counts.sorted(by: { $0.key < $1.key }) {
            let net = try MLP.load(from: folder.appendingPathComponent(file))
            let regions = try enumerateRegions(try ExactNetwork(net, inputs: 2), domain: box, pool: pool)
            XCTAssertEqual(regions.regionCount, entry["regions"] as? Int, "\(file) \(net.sizes)")
        }
    }

    /// Two lines that meet exactly on the box edge (x = 0.5 and x + y = 1.5 meet at (0.5, 1)): one shared vertex
    /// there, three regions with areas 3, 0.875 and 0.125.
    func testLinesMeetingOnTheBoundary() throws {
        let mlp = MLP(sizes: [2, 2, 1])
        let w: [Float] = [1, 0, 1, 1]
        let b: [Float] = [-0.5, -1.5]
        for i in 0..<4 { mlp.weights(0)[i] = w[i] }
        for i in 0..<2 { mlp.bias(0)[i] = b[i] }
        mlp.weights(1)[0] = 1
        mlp.weights(1)[1] = -2
        let regions = try enumerateRegions(try ExactNetwork(mlp, inputs: 2), domain: box, pool: pool)
        XCTAssertNil(regions.mesh.validate())
        XCTAssertEqual(regions.regionCount, 3)
        XCTAssertEqual((0..<3).map { regions.mesh.areaAndCentroid($0).area }.sorted(), [0.125, 0.875, 3])
        let corner = (0..<regions.mesh.vertexCount).filter { regions.mesh.x[$0] == 0.5 && regions.mesh.y[$0] == 1 }
        XCTAssertEqual(corner.count, 1, "the two lines must share one vertex on the edge")
    }

    func testSameBitsForAnyThreadCount() throws {
        let net = try generic2DNet([2, 24, 24, 24, 1], seed: 3)
        let one = try enumerateRegions(net, domain: box, pool: ThreadPool(threadCount: 1))
        let two = try enumerateRegions(net, domain: box, pool: pool)
        XCTAssertEqual(one.mesh.x, two.mesh.x)
        XCTAssertEqual(one.mesh.halfEdges, two.mesh.halfEdges)
        XCTAssertEqual(one.gradientX, two.gradientX)
        XCTAssertEqual(one.offset, two.offset)
    }

    /// Any convex polygon works as the domain; its area is kept.
    func testConvexPolygonDomain() throws {
        let hexagon = (0..<6).map { i -> (x: Double, y: Double) in
            let a = Double(i) * Double.pi / 3
            return (0.9 * cos(a), 0.9 * sin(a))
        }
        let regions = try enumerateRegions(
            try generic2DNet([2, 16, 16, 1], seed: 5), domain: hexagon.reversed(), pool: pool)
        XCTAssertNil(regions.mesh.validate())
        let total = (0..<regions.regionCount).reduce(0.0) { $0 + regions.mesh.areaAndCentroid($1).area }
        XCTAssertEqual(total, regions.domainArea, accuracy: 1e-12 * regions.domainArea)
        XCTAssertEqual(regions.domainArea, 1.5 * 3.0.squareRoot() * 0.81, accuracy: 1e-12)
    }

    func testBadInputIsRejected() throws {
        XCTAssertThrowsError(try ExactNetwork(MLP(sizes: [1, 4, 1]), inputs: 2))
        let net = try generic2DNet([2, 4, 1], seed: 1)
        XCTAssertThrowsError(try enumerateRegions(net, domain: boxPolygon(x0: 0, x1: 0, y0: -1, y1: 1), pool: pool))
        XCTAssertThrowsError(try enumerateRegions(net, domain: [(0, 0), (1, 0), (0.2, 0.2), (0, 1)], pool: pool))
        XCTAssertThrowsError(try enumerateRegions(net, domain: [(0, 0), (.nan, 0), (0, 1)], pool: pool))
        let nan = MLP(sizes: [2, 4, 1])
        nan.weights(0)[3] = .nan
        XCTAssertThrowsError(try ExactNetwork(nan, inputs: 2)) { error in
            XCTAssertEqual((error as? SpectralError)?.exitCode, 65)
        }
    }
}
