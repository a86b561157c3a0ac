import Foundation
import SpectralCore
import SpectralExact
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import XCTest

/// Every hidden pre-activation at x, layer by layer (a plain forward pass, the tests' reference).
func preActivations(_ net: ExactNetwork, _ x: [Double]) -> [Double] {
    var (h, all) = (x, [Double]())
    for l in 0..<(net.layerCount - 1) {
        let (din, dout) = (net.sizes[l], net.sizes[l + 1])
        let z = (0..<dout).map { o in (0..<din).reduce(net.biases[l][o]) { $0 + net.weights[l][o * din + $1] * h[$1] } }
        all += z
        h = z.map { max($0, 0) }
    }
    return all
}

extension LinearRegions3D {
    /// Whether p lies in cell c: on the inner side of every face's plane, to `slack`.
    func contains(cell c: Int, _ p: SIMD3<Double>, slack: Double) -> Bool {
        let inside = complex.vertexMean(cell: c)
        for f in complex.faces(cell: c) {
            let a = complex.areaVector(face: Int(f))
            let n = a / (a * a).sum().squareRoot()
            let q = complex.position(complex.corners(face: Int(f)).first!)
            let outward = ((inside - q) * n).sum() > 0 ? -n : n
            if ((p - q) * outward).sum() > slack { return false }
        }
        return true
    }

    var patternsByCell: [[Bool]: Int] {
        Dictionary((0..<cellCount).map { (pattern(cell: $0), $0) }, uniquingKeysWith: { a, _ in a })
    }
}

final class Regions3DTests: XCTestCase {
    let pool = ThreadPool(threadCount: 2)
    let shapes: [[Int]] = [[3, 6, 1], [3, 8, 6, 1], [3, 12, 12, 1], [3, 8, 8, 8, 1]]

    /// The complex is closed and consistent (every cell a closed convex surface with V − E + F = 2, every face
    /// between the cells it names), the whole complex is a ball (V − E + F − C = 1: a vertex, edge or face stored
    /// twice would break it), the cells tile the box (volumes sum to 8 to 1e−12 relative), and no two cells share
    /// an activation pattern.
    func testCellsTileTheBoxAsOneComplex() throws {
        for (i, sizes) in shapes.enumerated() {
            let regions = try enumerateRegions3D(try genericNet(sizes, seed: UInt64(i + 1)), box: .unit, pool: pool)
            let k = regions.complex
            XCTAssertNil(k.validate(domainVolume: 8), "\(sizes)")
            XCTAssertEqual(regions.ambiguousCells, 0, "\(sizes)")
            XCTAssertEqual(k.vertexCount - k.edgeCount + k.faceCount - k.cellCount, 1, "\(sizes)")
            var total = CompensatedSum()
            for c in 0..<k.cellCount { total.add(k.volumeAndCentroid(cell: c).volume) }
            XCTAssertEqual(total.value, 8, accuracy: 8e-12, "\(sizes)")
            XCTAssertEqual(regions.patternsByCell.count, k.cellCount, "\(sizes): two cells share a pattern")
            XCTAssertGreaterThan(k.cellCount, sizes[1], "\(sizes)")
        }
    }

    /// `validate`, which debug builds run after every enumeration, names each kind of broken complex: a stray
    /// vertex (V − E + F − C = 2), a box corner moved (the volumes no longer sum to the domain's), a face dropped
    /// from its cell's list. Each break is made on a correct complex that passes first.
    func testValidateNamesBrokenComplexes() throws {
        let k = try enumerateRegions3D(try genericNet([3, 6, 6, 1], seed: 3), box: .unit, pool: pool).complex
        XCTAssertNil(k.validate(domainVolume: 8))
        var stray = k
        (stray.x, stray.y, stray.z) = (k.x + [0.5], k.y + [0.5], k.z + [0.5])
        XCTAssertEqual(stray.validate(), "V − E + F − C = 2, not 1")
        var moved = k
        let corner = (0..<k.vertexCount).first { k.position(Int32($0)) == SIMD3(repeating: -1) }!
        moved.x[corner] = -1.01
        XCTAssertNil(moved.validate(), "moving a corner keeps the structure")
        XCTAssertEqual(moved.validate(domainVolume: 8)?.hasPrefix("the cells' volumes sum to"), true)
        var dropped = k
        dropped.cellFaces.remove(at: dropped.cellOffsets[1] - 1)
        for c in 1..<dropped.cellOffsets.count { dropped.cellOffsets[c] -= 1 }
        XCTAssertNotNil(dropped.validate())
    }

    /// At random points the forward pass's pattern names a cell that contains the point, and f there equals the
    /// cell's affine map; every face lies in the zero set of the unit it is labelled with.
    func testAffineMapsPatternsAndFacesMatchTheForwardPass() throws {
        var rng = SplitMix64(seed: 11)
        for (i, sizes) in shapes.enumerated() {
            let net = try genericNet(sizes, seed: UInt64(i + 1))
            let regions = try enumerateRegions3D(net, box: .unit, pool: pool)
            let byPattern = regions.patternsByCell
            for _ in 0..<300 {
                let p = SIMD3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1))
                guard let c = byPattern[net.pattern([p.x, p.y, p.z])] else {
                    XCTFail("\(sizes): no cell has the pattern at \(p)")
                    continue
                }
                XCTAssertTrue(regions.contains(cell: c, p, slack: 1e-12), "\(sizes): cell \(c) misses \(p)")
                let f = net.evaluate([p.x, p.y, p.z])
                XCTAssertEqual(regions.value(cell: c, p), f, accuracy: 1e-12 * max(1, abs(f)), "\(sizes)")
            }
            let k = regions.complex
            for f in 0..<k.faceCount where regions.faceUnit[f] >= 0 {
                for v in k.corners(face: f) {
                    let p = k.position(v)
                    let z = preActivations(net, [p.x, p.y, p.z])[Int(regions.faceUnit[f])]
                    XCTAssertEqual(z, 0, accuracy: 1e-12, "\(sizes): face \(f) off its unit's zero set")
                }
            }
        }
    }

    /// The cells' patterns against dense sampling (100³ cell centres of a grid): every sampled pattern is a cell,
    /// every cell larger than 20 grid cells is sampled, sampling finds at least 90% of the cells, and each cell it
    /// misses (all tiny) has its pattern at its centroid: the cells are exactly the distinct patterns.
    func testCellCountsMatchDenseSampling() throws {
        for (i, sizes) in [[3, 6, 6, 1], [3, 10, 1], [3, 5, 5, 5, 1]].enumerated() {
            let net = try genericNet(sizes, seed: UInt64(60 + i))
            let regions = try enumerateRegions3D(net, box: .unit, pool: pool)
            let enumerated = regions.patternsByCell
            let n = 100
            let h = 2.0 / Double(n)
            var sampled = Set<[Bool]>()
            for a in 0..<n {
                for b in 0..<n {
                    for c in 0..<n {
                        let p = [a, b, c].map { -1 + (Double($0) + 0.5) * h }
                        sampled.insert(net.pattern(p))
                    }
                }
            }
            XCTAssertTrue(
                sampled.isSubset(of: Set(enumerated.keys)), "\(sizes): sampling found a pattern not enumerated")
            let large = enumerated.filter { regions.complex.volumeAndCentroid(cell: $0.value).volume > 20 * h * h * h }
            XCTAssertTrue(Set(large.keys).isSubset(of: sampled), "\(sizes): a large cell was not sampled")
            XCTAssertGreaterThan(sampled.count, regions.cellCount * 9 / 10, "\(sizes)")
            // The cells the grid missed are real regions too: the forward pass at their centroid has their pattern.
            for (pattern, c) in enumerated where !sampled.contains(pattern) {
                let m = regions.complex.volumeAndCentroid(cell: c).centroid
                XCTAssertEqual(
                    net.pattern([m.x, m.y, m.z]), pattern, "\(sizes): cell \(c) is not the region it claims")
            }
            print("\(sizes): \(regions.cellCount) cells, \(sampled.count) patterns among 10⁶ grid points")
        }
    }

    /// Degenerate planes: x = 0, y = 0, z = 0 and x + y = 0 all through the centre (x + y = 0 through two box
    /// edges), x = 0 again at twice the scale, x = 1 (a box face), a dead unit, and a second layer whose unit copies
    /// one of them. Exactly the 12 closed-form cells, with their exact volumes.
    func testDegeneratePlanesDoNotCreateOrLoseCells() throws {
        // Units: x, y, z, x + y, 2x, x − 1, dead (0·x + 0 = 0 everywhere).
        let w1: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 2, 0, 0, 1, 0, 0, 0, 0, 0]
        let b1: [Double] = [0, 0, 0, 0, 0, -1, 0]
        // Layer 2: h_x − ½ h_2x ≡ 0 (zero everywhere), and h_z + 1 (always on).
        let w2: [Double] = [1, 0, 0, 0, -0.5, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        let net = try ExactNetwork(
            sizes: [3, 7, 2, 1], weights: [w1, w2, [1, 1]], biases: [b1, [0, 1], [0]], inputs: 3)
        let regions = try enumerateRegions3D(net, box: .unit, pool: pool)
        XCTAssertNil(regions.complex.validate())
        XCTAssertEqual(regions.cellCount, 12)
        XCTAssertEqual(regions.ambiguousCells, 0)
        let volumes = (0..<regions.cellCount).map { regions.complex.volumeAndCentroid(cell: $0).volume }.sorted()
        // The fan of tetrahedra rounds: 1 ulp of the volume per cell.
        for (v, expected) in zip(volumes, [Double](repeating: 0.5, count: 8) + [1, 1, 1, 1]) {
            XCTAssertEqual(v, expected, accuracy: 4e-16)
        }
        let k = regions.complex
        XCTAssertEqual(k.vertexCount - k.edgeCount + k.faceCount - k.cellCount, 1)
    }

    /// A slice of the complex at z = z₀ against the 2-D engine (separate code) on the net restricted to that plane,
    /// f(x, y, z₀): as many polygons as 2-D regions, tiling the square (areas sum to 4 to 1e−12).
    func testSliceEqualsTheTwoDimensionalRegionsOfTheRestrictedNet() throws {
        for (i, sizes) in shapes.enumerated() {
            let net = try genericNet(sizes, seed: UInt64(i + 1))
            let regions = try enumerateRegions3D(net, box: .unit, pool: pool)
            let z0 = 0.3137
            let w0 = net.weights[0]
            let restricted = try ExactNetwork(
                sizes: [2] + Array(net.sizes.dropFirst()),
                weights: [(0..<sizes[1]).flatMap { [w0[$0 * 3], w0[$0 * 3 + 1]] }] + Array(net.weights.dropFirst()),
                biases: [(0..<sizes[1]).map { net.biases[0][$0] + w0[$0 * 3 + 2] * z0 }]
                    + Array(net.biases.dropFirst()),
                inputs: 2)
            let plane = try enumerateRegions(restricted, domain: boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1), pool: pool)
            let polygons = (0..<regions.cellCount).compactMap { regions.complex.slice(cell: $0, axis: 2, at: z0) }
            XCTAssertEqual(polygons.count, plane.regionCount, "\(sizes)")
            let area = polygons.reduce(0.0) { total, q in
                total + q.indices.reduce(0.0) {
                    $0 + q[$1].x * q[($1 + 1) % q.count].y - q[($1 + 1) % q.count].x * q[$1].y
                } / 2
            }
            XCTAssertEqual(area, 4, accuracy: 4e-12, "\(sizes)")
        }
    }

    /// He weights with zero biases: every first-layer plane through the centre, many faces through one line (some of
    /// zero area). The complex stays consistent and tiles the box, and the transforms stay finite, Green's identity
    /// included.
    func testPlanesThroughOnePoint() throws {
        // The first seed whose complex has a face of zero area.
        var found: LinearRegions3D?
        for seed in 1...40 where found == nil {
            let net = try ExactNetwork(
                MLP.initialized(sizes: [3, 8, 1], initialization: .he, seed: UInt64(seed)), inputs: 3)
            let r = try enumerateRegions3D(net, box: .unit, pool: pool)
            if (0..<r.complex.faceCount).contains(where: { r.complex.areaVector(face: $0) == .zero }) { found = r }
        }
        let regions = try XCTUnwrap(found, "no zero-area face among the seeds")
        let k = regions.complex
        XCTAssertNil(k.validate())
        XCTAssertEqual(k.vertexCount - k.edgeCount + k.faceCount - k.cellCount, 1)
        var total = CompensatedSum()
        for c in 0..<k.cellCount { total.add(k.volumeAndCentroid(cell: c).volume) }
        XCTAssertEqual(total.value, 8, accuracy: 8e-12)
        let spectrum = ExactSpectrum3D(regions, pool: pool)
        let ks: [SIMD3<Double>] = [SIMD3(3.3, -1.7, 0.9), SIMD3(0, 0, 7), SIMD3(11, 2, -5)]
        let (w, s, b) = (spectrum.windowByTetrahedra(ks), spectrum.faceSpectrum(ks), spectrum.boundaryTerm(ks))
        for j in ks.indices {
            XCTAssertTrue(w[j].re.isFinite && s[j].re.isFinite && b[j].re.isFinite, "k = \(ks[j])")
            let boundary = (1 / (4 * Double.pi * Double.pi * (ks[j] * ks[j]).sum())) * b[j]
            XCTAssertLessThan((w[j] - (s[j] - boundary)).magnitude, 1e-10 * max(w[j].magnitude, s[j].magnitude))
        }
    }

    /// A convex polytope: the octahedron |x| + |y| + |z| ≤ 1 (the half-spaces ±x ± y ± z ≤ 1; its corners are the
    /// centres of the box's faces, so the planes meet the box exactly there). Volume 4/3; the complex stays one ball;
    /// points inside lie in the cell of their pattern, with f equal to its map; points outside lie in no cell; the
    /// transforms obey Green's identity with the octahedron's faces as the boundary.
    func testConvexPolytopeDomain() throws {
        let octahedron = [-1.0, 1].flatMap { a in
            [-1.0, 1].flatMap { b in [-1.0, 1].map { c in HalfSpace3D(normal: SIMD3(a, b, c), offset: 1) } }
        }
        let net = try genericNet([3, 8, 6, 1], seed: 9)
        let regions = try enumerateRegions3D(net, box: .unit, halfSpaces: octahedron, pool: pool)
        let k = regions.complex
        XCTAssertNil(k.validate())
        XCTAssertEqual(k.vertexCount - k.edgeCount + k.faceCount - k.cellCount, 1)
        var total = CompensatedSum()
        for c in 0..<k.cellCount { total.add(k.volumeAndCentroid(cell: c).volume) }
        XCTAssertEqual(total.value, 4.0 / 3, accuracy: 4e-12)
        let byPattern = regions.patternsByCell
        var rng = SplitMix64(seed: 4)
        for _ in 0..<300 {
            let p = SIMD3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1))
            let norm = abs(p.x) + abs(p.y) + abs(p.z)
            let cell = byPattern[net.pattern([p.x, p.y, p.z])]
            let contained = cell.map { regions.contains(cell: $0, p, slack: 1e-12) } ?? false
            if norm < 1 - 1e-9 {
                XCTAssertTrue(contained, "\(p) is inside but in no cell")
                if let c = cell {
                    XCTAssertEqual(regions.value(cell: c, p), net.evaluate([p.x, p.y, p.z]), accuracy: 1e-12)
                }
            } else if norm > 1 + 1e-9 {
                XCTAssertFalse(contained, "\(p) is outside but in cell \(cell ?? -1)")
            }
        }
        let spectrum = ExactSpectrum3D(regions, pool: pool)
        let ks: [SIMD3<Double>] = [SIMD3(3.3, -1.7, 0.9), SIMD3(1, 1, 1), SIMD3(0, 0, 6), SIMD3(1e-4, 0, 2e-4)]
        let (w, s, b) = (spectrum.windowByTetrahedra(ks), spectrum.faceSpectrum(ks), spectrum.boundaryTerm(ks))
        for j in ks.indices {
            let boundary = (1 / (4 * Double.pi * Double.pi * (ks[j] * ks[j]).sum())) * b[j]
            let scale = max(w[j].magnitude, s[j].magnitude, boundary.magnitude)
            XCTAssertLessThan((w[j] - (s[j] - boundary)).magnitude, 1e-10 * scale, "k = \(ks[j])")
        }
        XCTAssertThrowsError(
            try enumerateRegions3D(
                net, box: .unit, halfSpaces: [HalfSpace3D(normal: SIMD3(1, 0, 0), offset: -2)], pool: pool))
    }

    /// Ids, coordinates and maps do not depend on the thread count.
    func testSameBitsForAnyThreadCount() throws {
        let net = try genericNet([3, 16, 16, 1], seed: 5)
        let one = try enumerateRegions3D(net, box: .unit, pool: ThreadPool(threadCount: 1))
        let two = try enumerateRegions3D(net, box: .unit, pool: ThreadPool(threadCount: 2))
        XCTAssertEqual(one.complex.x, two.complex.x)
        XCTAssertEqual(one.complex.faceVertices, two.complex.faceVertices)
        XCTAssertEqual(one.complex.cellFaces, two.complex.cellFaces)
        XCTAssertEqual(one.gradient, two.gradient)
        XCTAssertEqual(one.offset, two.offset)
        XCTAssertEqual(one.patterns, two.patterns)
    }

    func testBadInputIsRejected() throws {
        let net = try genericNet([3, 4, 1], seed: 1)
        let flat = Box3D(lower: SIMD3(0, 0, 0), upper: SIMD3(1, 0, 1))
        XCTAssertThrowsError(try enumerateRegions3D(net, box: flat, pool: pool))
        let infinite = Box3D(lower: SIMD3(0, 0, 0), upper: SIMD3(1, .infinity, 1))
        XCTAssertThrowsError(try enumerateRegions3D(net, box: infinite, pool: pool))
        XCTAssertThrowsError(try enumerateRegions3D(try genericNet([2, 4, 1], seed: 1), box: .unit, pool: pool))
        var limits = EnumerationLimits.regions
        limits.maximumCount = 5
        XCTAssertThrowsError(
            try enumerateRegions3D(try genericNet([3, 12, 12, 1], seed: 1), box: .unit, pool: pool, limits: limits))
    }
}
