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
}
