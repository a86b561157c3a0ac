import Foundation
import SpectralCore
import SpectralNetworks
import XCTest

/// What `regions3d`, `exact3d` and `scaling3d` write, checked against closed forms and a naive evaluation rather than
/// only for existing. The net is made by hand: 3 → 6 → 1, six planes in general position whose 20 triple points all
/// lie inside the box [−1, 1]³ (checked here, by Cramer's rule), so the cells are exactly the arrangement's:
/// 1 + n + C(n, 2) + C(n, 3) = 42 (Zaslavsky's count for planes in general position in ℝ³, every face of the
/// arrangement meeting the box).
final class Outputs3DTests: XCTestCase {
    static let folder = scratchFolder("outputs3d")
    static let planes = 6

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    /// Unit normals, offsets and output weights of the hidden ReLUs; the output bias.
    struct Net {
        var normals: [SIMD3<Double>] = [], offsets: [Double] = [], weights: [Double] = []
        var bias = 0.25

        init(seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * rng.nextUnitDouble() }
            for _ in 0..<Outputs3DTests.planes {
                let v = SIMD3(uniform(-1, 1), uniform(-1, 1), uniform(-1, 1))
                normals.append(v / (v * v).sum().squareRoot())
                offsets.append(uniform(-0.1, 0.1))
                weights.append(uniform(0.5, 1.5) * (weights.count % 2 == 0 ? 1 : -1))
            }
        }

        func pattern(_ x: SIMD3<Double>) -> [Bool] { normals.indices.map { (normals[$0] * x).sum() + offsets[$0] > 0 } }

        func value(_ x: SIMD3<Double>) -> Double {
            normals.indices.reduce(bias) { $0 + weights[$1] * max(0, (normals[$1] * x).sum() + offsets[$1]) }
        }

        func gradient(_ x: SIMD3<Double>) -> SIMD3<Double> {
            let on = pattern(x)
            return normals.indices.reduce(SIMD3<Double>()) { on[$1] ? $0 + weights[$1] * normals[$1] : $0 }
        }

        /// The point where planes i, j, l meet (Cramer's rule), nil when their normals are nearly dependent.
        func meeting(_ i: Int, _ j: Int, _ l: Int) -> SIMD3<Double>? {
            let (a, b, c) = (normals[i], normals[j], normals[l])
            func det(_ u: SIMD3<Double>, _ v: SIMD3<Double>, _ w: SIMD3<Double>) -> Double {
                u.x * (v.y * w.z - v.z * w.y) - u.y * (v.x * w.z - v.z * w.x) + u.z * (v.x * w.y - v.y * w.x)
            }
            let d = det(a, b, c)
            guard abs(d) > 1e-3 else { return nil }
            let r = SIMD3(-offsets[i], -offsets[j], -offsets[l])
            let columns = (SIMD3(a.x, b.x, c.x), SIMD3(a.y, b.y, c.y), SIMD3(a.z, b.z, c.z))
            return SIMD3(
                det(r, columns.1, columns.2), det(columns.0, r, columns.2), det(columns.0, columns.1, r)) / d
        }

        var tensors: [String: Tensor] {
            [
                "0.weight": Tensor(
                    dtype: .f64, shape: [normals.count, 3], values: normals.flatMap { [$0.x, $0.y, $0.z] }),
                "0.bias": Tensor(dtype: .f64, shape: [normals.count], values: offsets),
                "2.weight": Tensor(dtype: .f64, shape: [1, normals.count], values: weights),
                "2.bias": Tensor(dtype: .f64, shape: [1], values: [bias]),
            ]
        }
    }

    /// A seed whose planes are in general position with every triple point inside the box (the closed form's
    /// hypothesis), and the weights file of that net.
    func generalPositionNet() throws -> (Net, String) {
        let net = Net(seed: 5)
        let n = Self.planes
        for i in 0..<n {
            for j in (i + 1)..<n {
                for l in (j + 1)..<n {
                    let p = try XCTUnwrap(net.meeting(i, j, l), "planes \(i), \(j), \(l) are nearly dependent")
                    XCTAssertLessThan(largestMagnitude(p), 0.9, "planes \(i), \(j), \(l) meet outside the box")
                    for m in 0..<n where ![i, j, l].contains(m) {
                        let distance = abs((net.normals[m] * p).sum() + net.offsets[m])
                        XCTAssertGreaterThan(distance, 1e-3, "four planes nearly meet at one point")
                    }
                }
            }
        }
        let url = Self.folder.appendingPathComponent("planes.safetensors")
        try Safetensors.serialize(net.tensors).write(to: url)
        return (net, url.path)
    }

    func largestMagnitude(_ v: SIMD3<Double>) -> Double { max(abs(v.x), abs(v.y), abs(v.z)) }

    func numbers(_ url: URL) throws -> (header: [String], rows: [[Double]]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let header = try XCTUnwrap(lines.first, "\(url.lastPathComponent) is empty").split(separator: ",").map(
            String.init)
        let rows = lines.dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) ?? .nan }
        }
        return (header, rows)
    }

    /// regions3d's cells.csv and summary.json on the arrangement: 42 cells, each with its own activation pattern at
    /// its centroid; each cell's gradient and offset those of the naive net at the centroid (1e-12: a sum of six
    /// Float64 products); volumes summing to the box's 8 (1e-12, compensated sums); Euler characteristic 1 (a ball).
    func testRegions3DCellsAreTheArrangementOfThePlanes() throws {
        let (net, weights) = try generalPositionNet()
        let out = Self.folder.appendingPathComponent("regions3d")
        try succeed(["regions3d", "--weights", weights, "--box", "-1:1,-1:1,-1:1", "--out", out.path, "--quiet"])
        let (header, rows) = try numbers(out.appendingPathComponent("cells.csv"))
        let column = { (name: String) in header.firstIndex(of: name)! }
        let n = Self.planes
        XCTAssertEqual(rows.count, 1 + n + n * (n - 1) / 2 + n * (n - 1) * (n - 2) / 6)
        var patterns = Set<[Bool]>()
        var volume = 0.0
        for row in rows {
            let centroid = SIMD3(row[column("centroid_x")], row[column("centroid_y")], row[column("centroid_z")])
            let gradient = SIMD3(row[column("gradient_x")], row[column("gradient_y")], row[column("gradient_z")])
            XCTAssertLessThanOrEqual(largestMagnitude(centroid), 1, "centroid outside the box")
            patterns.insert(net.pattern(centroid))
            XCTAssertLessThan(largestMagnitude(gradient - net.gradient(centroid)), 1e-12, "cell \(row[0])")
            XCTAssertEqual((gradient * centroid).sum() + row[column("offset")], net.value(centroid), accuracy: 1e-12)
            XCTAssertGreaterThan(row[column("volume")], 0)
            volume += row[column("volume")]
        }
        XCTAssertEqual(patterns.count, rows.count, "two cells share an activation pattern")
        XCTAssertEqual(volume, 8, accuracy: 1e-12)
        let summary = try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("summary.json")))
        let fields = try XCTUnwrap(summary as? [String: Any])
        XCTAssertEqual(fields["cells"] as? Int, rows.count)
        XCTAssertEqual(fields["euler_characteristic"] as? Int, 1)
    }

    /// exact3d's spectrum.csv on the same net: at k = 0 the window transform is ∫f, which is Σ volume × f(centroid)
    /// over cells.csv (exact for an affine function on a polytope); W(−k) is the conjugate of W(k) (f is real); and
    /// at every k of the grid W agrees with a midpoint rule of 400³ points. The midpoint rule's error is bounded
    /// from the net itself, not from any run's output: h²/24 · volume · max Σ_i |∂²_i (f e^{−2πik·x})| on the smooth
    /// part (≤ ω²|f| + 2√3 ω|∇f|), plus, for the planes, 3h² · the slope jumps · the largest section of the cube
    /// (the cells a plane cuts lie in a slab √3h thick, where f is within the jump times √3h/2 of an affine map).
    func testExact3DWindowTransformIsTheIntegral() throws {
        let (net, weights) = try generalPositionNet()
        let out = Self.folder.appendingPathComponent("exact3d")
        try succeed([
            "exact3d", "--weights", weights, "--box", "-1:1,-1:1,-1:1", "--grid", "1:3", "--radii", "10:100:4",
            "--normals", "1", "--edges", "1", "--out", out.path, "--quiet",
        ])
        let (header, rows) = try numbers(out.appendingPathComponent("spectrum.csv"))
        XCTAssertEqual(header.prefix(5), ["kx", "ky", "kz", "window_re", "window_im"])
        XCTAssertEqual(rows.count, 27)
        let cells = try numbers(out.appendingPathComponent("cells.csv"))
        let c = { (name: String) in cells.header.firstIndex(of: name)! }
        let integral = cells.rows.reduce(0.0) {
            $0 + $1[c("volume")] * net.value(SIMD3($1[c("centroid_x")], $1[c("centroid_y")], $1[c("centroid_z")]))
        }
        var byFrequency: [SIMD3<Double>: (Double, Double)] = [:]
        for row in rows { byFrequency[SIMD3(row[0], row[1], row[2])] = (row[3], row[4]) }
        let zero = try XCTUnwrap(byFrequency[.zero], "no k = 0 in a grid of odd size")
        XCTAssertEqual(zero.0, integral, accuracy: 1e-12 * max(1, abs(integral)))
        XCTAssertEqual(zero.1, 0, accuracy: 1e-12 * max(1, abs(integral)))
        for (k, w) in byFrequency {
            let mirrored = try XCTUnwrap(byFrequency[-k], "the grid is symmetric")
            XCTAssertEqual(mirrored.0, w.0, accuracy: 1e-12, "Re W(−k) = Re W(k) at \(k)")
            XCTAssertEqual(mirrored.1, -w.1, accuracy: 1e-12, "Im W(−k) = −Im W(k) at \(k)")
        }
        let points = 400
        let h = 2 / Double(points)
        let halfSpace = byFrequency.keys.filter { k in k.x > 0 || k.x == 0 && (k.y > 0 || k.y == 0 && k.z > 0) }
        let (references, gridMaximum) = midpointWindows(net, halfSpace, points: points)
        let slope = net.weights.reduce(0) { $0 + abs($1) }  // |∇f| ≤ Σ|a_j| (unit normals)
        let largest = gridMaximum + slope * h * 3.0.squareRoot() / 2  // |f| on the box, from the grid's maximum
        let largestSection = 4 * 2.0.squareRoot()  // the largest plane section of the cube [−1, 1]³
        var teeth = 0
        for (k, reference) in zip(halfSpace, references) {
            let omega = 2 * Double.pi * (k * k).sum().squareRoot()
            let smooth = h * h / 24 * 8 * (omega * omega * largest + 2 * 3.0.squareRoot() * omega * slope)
            let kinks = 3 * h * h * slope * largestSection
            let w = byFrequency[k]!
            XCTAssertEqual(w.0, reference.0, accuracy: smooth + kinks, "Re W at \(k)")
            XCTAssertEqual(w.1, reference.1, accuracy: smooth + kinks, "Im W at \(k)")
            if (w.0 * w.0 + w.1 * w.1).squareRoot() > 10 * (smooth + kinks) { teeth += 1 }
        }
        XCTAssertGreaterThan(teeth, 3, "most |W| are far above the tolerance, so the comparison means something")
    }

    /// ∫_{[−1,1]³} f(x) e^{−2πik·x} dx at each k by the midpoint rule on points³ cells (one pass over the grid;
    /// the exponential separates by axis), and the largest |f| at the midpoints.
    func midpointWindows(
        _ net: Net, _ frequencies: [SIMD3<Double>], points: Int
    ) -> (windows: [(Double, Double)], largest: Double) {
        let h = 2 / Double(points)
        let axis = (0..<points).map { -1 + h * (Double($0) + 0.5) }
        func phases(_ kAxis: Double) -> [(re: Double, im: Double)] {
            axis.map { (cos(2 * Double.pi * kAxis * $0), -sin(2 * Double.pi * kAxis * $0)) }
        }
        let perAxis = frequencies.map { (phases($0.x), phases($0.y), phases($0.z)) }
        var sums = [(re: Double, im: Double)](repeating: (0, 0), count: frequencies.count)
        var largest = 0.0
        var line = [Double](repeating: 0, count: points)
        for (i, x) in axis.enumerated() {
            for (j, y) in axis.enumerated() {
                for (l, z) in axis.enumerated() { line[l] = net.value(SIMD3(x, y, z)) }
                largest = max(largest, line.map(abs).max()!)
                for (f, (ex, ey, ez)) in perAxis.enumerated() {
                    let pr = ex[i].re * ey[j].re - ex[i].im * ey[j].im
                    let pi = ex[i].re * ey[j].im + ex[i].im * ey[j].re
                    var (re, im) = (0.0, 0.0)
                    for l in 0..<points {
                        re += line[l] * ez[l].re
                        im += line[l] * ez[l].im
                    }
                    sums[f].re += pr * re - pi * im
                    sums[f].im += pr * im + pi * re
                }
            }
        }
        return (sums.map { ($0.re * h * h * h, $0.im * h * h * h) }, largest)
    }

    /// scaling3d's scaling.csv: every net's cell count within the bound on the cells of a ReLU net of hidden widths
    /// n₁ … n_L on ℝ³, Π_l Σ_{j ≤ 3} C(n_l, j) (Serra, Tjandraatmadja and Ramalingam 2018; for one layer it is
    /// Zaslavsky's count), at least 1, and its Lipschitz constant at most the product bound (Eq. 7).
    func testScaling3DCountsStayWithinTheBounds() throws {
        let out = Self.folder.appendingPathComponent("scaling3d")
        try succeed([
            "scaling3d", "--depths", "2,3", "--widths", "4,6", "--seeds", "2", "--inits", "pytorch", "--out", out.path,
            "--quiet",
        ])
        let (header, rows) = try numbers(out.appendingPathComponent("scaling.csv"))
        let column = { (name: String) in header.firstIndex(of: name)! }
        XCTAssertEqual(rows.count, 2 * 2 * 2)
        func binomial(_ n: Int, _ k: Int) -> Int { k > n ? 0 : (0..<k).reduce(1) { $0 * (n - $1) / ($1 + 1) } }
        for row in rows {
            let (depth, width, cells) = (Int(row[column("depth")]), Int(row[column("width")]), row[column("cells")])
            let perLayer = (0...3).reduce(0) { $0 + binomial(width, $1) }
            let bound = (0..<(depth - 1)).reduce(1) { product, _ in product * perLayer }
            XCTAssertGreaterThanOrEqual(cells, 1)
            XCTAssertLessThanOrEqual(Int(cells), bound, "depth \(depth), width \(width)")
            XCTAssertLessThanOrEqual(row[column("lipschitz")], row[column("lipschitz_bound_eq7")] * (1 + 1e-12))
        }
    }
}
