import Foundation
import SpectralCore
import SpectralNetworks
import XCTest

/// Experiments 5 and 6 checked against references written here: the curve γ_L in closed form, a naive Float64
/// forward pass, a direct DFT, and label rules whose every answer is known.
final class ManifoldTests: XCTestCase {
    static var folder = scratchFolder("manifolds")

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    /// γ_L(z) = (1 + ½ sin 2πLz)(cos 2πz, sin 2πz), written out.
    func curve(_ L: Int, _ z: Double) -> (Double, Double) {
        let r = 1 + 0.5 * sin(2 * Double.pi * Double(L) * z)
        return (r * cos(2 * Double.pi * z), r * sin(2 * Double.pi * z))
    }

    /// x ↦ net(x) layer by layer in Float64 from the Float32 parameters.
    func naiveForward(_ net: MLP, _ x: [Double]) -> Double {
        var h = x
        for l in 0..<net.layerCount {
            let (fanIn, fanOut) = (net.fanIn(l), net.fanOut(l))
            h = (0..<fanOut).map { o in
                let z = (0..<fanIn).reduce(Double(net.bias(l)[o])) {
                    $0 + Double(net.weights(l)[o * fanIn + $1]) * h[$1]
                }
                return l + 1 < net.layerCount ? max(0, z) : z
            }
        }
        return h[0]
    }

    /// dynamics.csv's last record is 2|F(k)|/N of the saved net's outputs on γ_L(z_j), z_j = j/1000, by a direct
    /// DFT. Tolerance 1e-6: the command's outputs are Float32 forward passes (error ~1e-7 per output of size ~1),
    /// whose independent roundings average down in 2|F(k)|/N; a wrong curve, grid, scaling or record is off by
    /// the magnitudes themselves (~1e-3 after 40 iterations).
    func testExp5RecordsTheSpectrumOfItsNetAlongTheCurve() throws {
        let out = Self.folder.appendingPathComponent("exp5")
        try succeed([
            "exp5", "--curves", "3", "--iterations", "40", "--record-every", "20", "--out", out.path, "--quiet",
        ])
        let net = try MLP.load(from: out.appendingPathComponent("weights_L3.safetensors"))
        let n = 1000
        let outputs = (0..<n).map { j -> Double in
            let p = curve(3, Double(j) / Double(n))
            return naiveForward(net, [p.0, p.1])
        }
        let rows = try String(contentsOf: out.appendingPathComponent("dynamics.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        let last = rows.filter { $0[1] == 40 }
        XCTAssertEqual(last.map { $0[2] }, (1...10).map { Double(20 * $0) }, "k = 20, 40, …, 200 at iteration 40")
        for row in last {
            var (re, im) = (0.0, 0.0)
            for j in 0..<n {
                let angle = -2 * Double.pi * row[2] * Double(j) / Double(n)
                re += outputs[j] * cos(angle)
                im += outputs[j] * sin(angle)
            }
            XCTAssertEqual(row[3], 2 * (re * re + im * im).squareRoot() / Double(n), accuracy: 1e-6, "k = \(row[2])")
        }
    }

    /// Thresholds outside sin's range make every label one class: [sin > 1] is never true, [sin > −1] always but
    /// at sin = −1 exactly (no z_j = j/1000 hits it for k = 7 and this phase, checked by the accuracy itself).
    /// A net that learns a constant then classifies every training and held-out sample right.
    func testExp6OneClassLabelsAreLearnedExactly() throws {
        for threshold in ["1", "-1"] {
            let out = Self.folder.appendingPathComponent("exp6-\(threshold)")
            try succeed([
                "exp6", "--frequencies", "7", "--curves", "0,5", "--iterations", "300", "--threshold", threshold,
                "--out", out.path, "--quiet",
            ])
            let rows = try String(contentsOf: out.appendingPathComponent("grid.csv"), encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
            XCTAssertEqual(rows.map { "\($0[0]),\($0[1])" }, ["7,0", "7,5"])
            for row in rows {
                XCTAssertEqual(Double(row[3]), 1, "threshold \(threshold), L = \(row[1]): train accuracy")
                XCTAssertEqual(Double(row[4]), 1, "threshold \(threshold), L = \(row[1]): validation accuracy")
            }
        }
    }

    /// The held-out share is what --validation-fraction says and the two splits never share a sample: the
    /// training accuracy counts 800 samples, so it is a multiple of 1/800 (and 1/1000 without a split).
    func testExp6SplitsTheSamples() throws {
        for (fraction, count) in [("0.2", 800.0), ("0", 1000.0)] {
            let out = Self.folder.appendingPathComponent("exp6-split-\(fraction)")
            try succeed([
                "exp6", "--frequencies", "50", "--curves", "2", "--iterations", "30", "--validation-fraction", fraction,
                "--out", out.path, "--quiet",
            ])
            let row = try String(contentsOf: out.appendingPathComponent("grid.csv"), encoding: .utf8)
                .split(separator: "\n")[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let accuracy = try XCTUnwrap(Double(row[3]))
            XCTAssertEqual(accuracy * count, (accuracy * count).rounded(), accuracy: 1e-9, "fraction \(fraction)")
            XCTAssertEqual(row[4].isEmpty, fraction == "0", "a validation accuracy exactly when samples are held out")
        }
    }

    func decision(_ weights: URL, _ name: String, _ extra: [String] = []) throws -> [String: Any] {
        let out = Self.folder.appendingPathComponent(name)
        try succeed(["decision2d", "--weights", weights.path, "--out", out.path, "--quiet"] + extra)
        let data = try Data(contentsOf: out.appendingPathComponent("summary.json"))
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// f(x, y) = 1.25·relu(x) + 0.75·relu(−x) − ½ on [−1, 1]²: the boundary is the lines x = 0.4 and x = −2/3
    /// (length 4); class 1 the strips x > 0.4 (area 1.2) and x < −2/3 (area 2/3), class 0 the band between (32/15).
    /// Unequal slopes on the two sides, so an error in where a clip crosses an edge cannot cancel between pieces.
    func testDecisionBoundaryOfAHandMadeNetIsTheClosedForm() throws {
        let tensors: [String: Tensor] = [
            "0.weight": Tensor(dtype: .f64, shape: [2, 2], values: [1, 0, -1, 0]),
            "0.bias": Tensor(dtype: .f64, shape: [2], values: [0, 0]),
            "2.weight": Tensor(dtype: .f64, shape: [1, 2], values: [1.25, 0.75]),
            "2.bias": Tensor(dtype: .f64, shape: [1], values: [-0.5]),
        ]
        let file = Self.folder.appendingPathComponent("abs.safetensors")
        try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
        try Safetensors.serialize(tensors).write(to: file)
        let s = try decision(file, "decision-abs", ["--grid", "101"])
        XCTAssertEqual(s["boundary_length"] as? Double ?? 0, 4, accuracy: 1e-14)
        XCTAssertEqual(s["positive_area"] as? Double ?? 0, 1.2 + 2.0 / 3, accuracy: 1e-14)
        XCTAssertEqual(s["negative_area"] as? Double ?? 0, 32.0 / 15, accuracy: 1e-14)
        XCTAssertEqual(s["positive_components"] as? Int, 2)
        XCTAssertEqual(s["negative_components"] as? Int, 1)
        let components = try String(
            contentsOf: Self.folder.appendingPathComponent("decision-abs/components.csv"), encoding: .utf8
        ).split(separator: "\n").dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        for c in components {
            let expected = c[1] == 0 ? 32.0 / 15 : c[4] > 0 ? 1.2 : 2.0 / 3
            XCTAssertEqual(c[2], expected, accuracy: 1e-14, "component \(c[0])'s area")
            XCTAssertEqual(c[4] > 0.4 || c[4] < -2.0 / 3, c[1] == 1, "component \(c[0])'s inside point is in its class")
        }
        let grid = try XCTUnwrap(s["grid"] as? [String: Any])
        XCTAssertEqual(grid["points"] as? Int, 101 * 101)
        XCTAssertEqual(grid["disagreements"] as? Int, 0)
    }

    /// A trained exp6 classifier: the class areas sum to the box's to 1e-12 and every grid point off the boundary
    /// gets the net's own sign from the region that holds it.
    func testDecisionRegionsOfATrainedClassifierAgreeWithItsGrid() throws {
        let out = Self.folder.appendingPathComponent("exp6-for-decision")
        try succeed([
            "exp6", "--frequencies", "60", "--curves", "6", "--iterations", "200", "--out", out.path, "--quiet",
        ])
        let s = try decision(
            out.appendingPathComponent("weights_k60_L6.safetensors"), "decision-exp6", ["--box", "-1.6:1.6,-1.6:1.6"])
        XCTAssertLessThan(s["area_error"] as? Double ?? 1, 1e-12)
        XCTAssertEqual(s["domain_area"] as? Double ?? 0, 3.2 * 3.2, accuracy: 1e-12)
        let grid = try XCTUnwrap(s["grid"] as? [String: Any])
        XCTAssertEqual(grid["points"] as? Int, 200 * 200)
        XCTAssertEqual(grid["disagreements"] as? Int, 0)
        XCTAssertGreaterThan(s["boundary_segments"] as? Int ?? 0, 0)
    }
}

/// `spectral paths` on a net whose class regions are known: f = 100·(u − 2·relu(u − 0.525) − 0.4), u = ½‖x‖₁,
/// is positive on the diamond ring 0.8 < ‖x‖₁ < 1.3 (one component) and negative inside (‖x‖₁ < 0.8) and
/// outside (‖x‖₁ > 1.3): two components of class 0. Samples on the unit circle (L = 0) fall in the ring near the
/// axes and outside it near the diagonals; attacks toward class 0 leave the ring inward or outward.
final class PathsCommandTests: XCTestCase {
    static let folder = scratchFolder("paths")

    func ringWeights() throws -> URL {
        let tensors: [String: Tensor] = [
            "0.weight": Tensor(dtype: .f64, shape: [4, 2], values: [0.5, 0, -0.5, 0, 0, 0.5, 0, -0.5]),
            "0.bias": Tensor(dtype: .f64, shape: [4], values: [0, 0, 0, 0]),
            "2.weight": Tensor(dtype: .f64, shape: [2, 4], values: [1, 1, 1, 1, 1, 1, 1, 1]),
            "2.bias": Tensor(dtype: .f64, shape: [2], values: [0, -0.525]),
            "4.weight": Tensor(dtype: .f64, shape: [1, 2], values: [100, -200]),
            "4.bias": Tensor(dtype: .f64, shape: [1], values: [-40]),
        ]
        let file = Self.folder.appendingPathComponent("ring.safetensors")
        try Safetensors.serialize(tensors).write(to: file)
        return file
    }

    func table(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(lines[0], $0)) }
    }

    /// The exact verdict equals the closed form for every pair (class 1: always one component; class 0: both ends
    /// inside or both outside); NEB's path, checked exactly, never joins two components; the paths found inside
    /// a component are at least as long as the straight line; every attack reached p ≥ 0.99.
    func testExactConnectivityOfTheRingAndNEBNeverCrossesComponents() throws {
        let out = Self.folder.appendingPathComponent("ring")
        try succeed([
            "paths", "--curve", "0", "--curve-samples", "200", "--weights", try ringWeights().path, "--per-class", "8",
            "--pairs", "12", "--out", out.path, "--quiet",
        ])
        let samples = try table(out.appendingPathComponent("samples.csv"))
        let paths = try table(out.appendingPathComponent("paths.csv"))
        let agreement = try table(out.appendingPathComponent("agreement.csv"))
        XCTAssertEqual(paths.count, agreement.count)
        XCTAssertTrue(samples.allSatisfy { $0["reached"] == "1" }, "every attack reaches p ≥ 0.99")
        func inside(_ i: String) -> Bool {
            let s = samples[Int(i)!]
            return abs(Double(s["x1"]!)!) + abs(Double(s["x2"]!)!) < 0.8
        }
        var crossComponentPairs = 0
        for (p, a) in zip(paths, agreement) {
            let expected = p["class"] == "1" || inside(p["sample_a"]!) == inside(p["sample_b"]!)
            if !expected { crossComponentPairs += 1 }
            XCTAssertEqual(a["same_component"], expected ? "1" : "0", "pair \(p["pair"]!)")
            if a["neb_exact_connected"] == "1" { XCTAssertEqual(a["same_component"], "1", "pair \(p["pair"]!)") }
            XCTAssertEqual(a["inside_ratio"]!.isEmpty, !expected, "pair \(p["pair"]!)")
            if expected {
                let ratio = try XCTUnwrap(Double(a["inside_ratio"]!), "pair \(p["pair"]!): a path inside its component")
                XCTAssertGreaterThanOrEqual(ratio, 1 - 1e-9)
            }
        }
        XCTAssertGreaterThan(crossComponentPairs, 0, "some class-0 pairs join the inner and the outer component")
        let summary = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json")))
                as? [String: Any])
        XCTAssertEqual(summary["neb_connected_across_components"] as? Int, 0)
        XCTAssertEqual(summary["components"] as? Int, 3)
        // 100·(0.525 − 0.4) on the ridge, 100·(1.6 − 2·1.075 − 0.4) at the box's corners; the command analyses the
        // Float32 net its searches use, so 0.525 and 0.4 are rounded: 1e-4 covers 100 · (a few ulps of Float32).
        let range = try XCTUnwrap(summary["logit_range"] as? [Double])
        XCTAssertEqual(range[0], -95, accuracy: 1e-4)
        XCTAssertEqual(range[1], 12.5, accuracy: 1e-4)
    }
}
