import Foundation
import SpectralCore
import SpectralExact
import XCTest

/// `--model`, `--through`, `--output`, `--margin` on the exact commands, run as a user runs them.
final class ModelCommandTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/onnx")

    /// The first `count` inputs of a fixture (`<model>_io.csv`, columns x…) as a CSV of points.
    func points(_ count: Int, in folder: URL, model: String = "residual_mlp") throws -> URL {
        let text = try String(contentsOf: fixtures.appendingPathComponent("\(model)_io.csv"), encoding: .utf8)
        let inputs = text.split(separator: "\n")[0].split(separator: ",").filter { $0.hasPrefix("x") }.count
        let rows = text.split(separator: "\n").dropFirst().prefix(count).map {
            $0.split(separator: ",").prefix(inputs).joined(separator: ",")
        }
        let url = folder.appendingPathComponent("\(model)-points.csv")
        try (rows.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testRegionsAndKinksOfAnONNXModelOnASlice() throws {
        let folder = scratchFolder("model")
        let model = fixtures.appendingPathComponent("residual_mlp.onnx").path
        let plane = try points(3, in: folder).path
        let out = folder.appendingPathComponent("regions")
        try succeed([
            "regions2d", "--model", model, "--through", plane, "--output", "1", "--box=-1:1,-1:1",
            "--out", out.path, "--quiet",
        ])
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json")))
            as! [String: Any]
        let counts =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: fixtures.appendingPathComponent("regioncam_counts.json")))
            as! [String: [String: Any]]
        XCTAssertEqual(summary["regions"] as? Int, counts["residual_mlp.onnx"]?["regions"] as? Int, "regioncam's count")
        let slice =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("slice.json")))
            as! [String: Any]
        XCTAssertEqual((slice["basis"] as? [[Double]])?.count, 2)
        XCTAssertEqual((slice["point_coordinates"] as? [[Double]])?.first, [0, 0])
        // A line, with a margin, and the default box: kinks inside it only.
        let line = folder.appendingPathComponent("line.csv")
        try String(contentsOfFile: plane, encoding: .utf8).split(separator: "\n").prefix(2).joined(separator: "\n")
            .write(to: line, atomically: true, encoding: .utf8)
        let kinks = folder.appendingPathComponent("kinks")
        try succeed([
            "exact1d", "--model", model, "--through", line.path, "--margin", "1,0", "--out", kinks.path,
            "--quiet",
        ])
        let box =
            (try JSONSerialization.jsonObject(with: Data(contentsOf: kinks.appendingPathComponent("slice.json")))
            as! [String: Any])["box"] as! [[Double]]
        let table = try String(contentsOf: kinks.appendingPathComponent("breakpoints.csv"), encoding: .utf8)
        for row in table.split(separator: "\n").dropFirst() {
            let x = Double(row.split(separator: ",")[0])!
            XCTAssertTrue(x > box[0][0] && x < box[0][1], "kink \(x) outside \(box)")
        }
    }

    /// `paths --model` with the 10-logit classifier on the committed MNIST subset (digits 3 and 8: logit 8 − logit 3
    /// by default). The exact minimum of s·f along a path cannot exceed the dense check's minimum of the same Float64
    /// function at 9 points per segment (rounded to Float there: 1e−6 of the margins' scale is the slack); the exact
    /// verdict is that minimum's sign; the files are the same on 1 and 2 threads.
    func testPathsOnAnONNXClassifier() throws {
        let folder = scratchFolder("paths-model")
        let mnist = fixtures.deletingLastPathComponent().appendingPathComponent("mnist/subset").path
        var tables: [String] = []
        for threads in ["1", "2"] {
            let out = folder.appendingPathComponent("t\(threads)")
            try succeed([
                "paths", "--mnist", mnist, "--model", fixtures.appendingPathComponent("classifier.onnx").path,
                "--per-class", "4", "--pairs", "3", "--attack-iterations", "200", "--threads", threads,
                "--out", out.path, "--quiet",
            ])
            tables.append(try String(contentsOf: out.appendingPathComponent("paths.csv"), encoding: .utf8))
        }
        XCTAssertEqual(tables[0], tables[1], "the same paths on 1 and 2 threads")
        let lines = tables[0].split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
        XCTAssertGreaterThanOrEqual(rows.count, 6, "train-train pairs of both classes at least")
        func column(_ name: String) -> [Double] { rows.map { Double($0[header.firstIndex(of: name)!])! } }
        let (dense, exact) = (column("min_margin"), column("exact_path_margin"))
        let scale = dense.map(abs).max()!
        for (i, verdict) in column("exact_connected").enumerated() {
            XCTAssertLessThanOrEqual(exact[i], dense[i] + 1e-6 * scale, "pair \(i)")
            XCTAssertEqual(verdict, exact[i] > 0 ? 1 : 0, "pair \(i)")
        }
    }

    /// `regions3d --classes` on the residual MLP (3 inputs, 2 logits): every cell's class is the whole model's argmax
    /// at its centroid (cells.csv), except within 1e−9 of a tie; class volumes add up to the box (1e−12, as the cells'
    /// volumes do); each component's volume and cell count are those of its cells (1e−12).
    func testArgmaxCellsIn3D() throws {
        let folder = scratchFolder("classes3d")
        let model = fixtures.appendingPathComponent("residual_mlp.onnx")
        try succeed(["regions3d", "--model", model.path, "--classes", "--out", folder.path, "--quiet"])
        func table(_ name: String) throws -> [[Double]] {
            try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8).split(separator: "\n")
                .dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
        }
        let (cells, classes, components) = (
            try table("cells.csv"), try table("cell_classes.csv"), try table("components.csv")
        )
        XCTAssertEqual(cells.count, classes.count)
        let network = try PiecewiseLinearNetwork.load(onnx: model)
        var (volume, checked) = ([0.0, 0.0], 0)
        for (cell, row) in zip(cells, classes) {
            volume[Int(row[1])] += cell[1]
            let l = network.evaluate(Array(cell[2...4]))
            guard abs(l[0] - l[1]) > 1e-9 * max(abs(l[0]), abs(l[1])) else { continue }
            XCTAssertEqual(Double(argmaxIndex(l)), row[1], "cell \(Int(cell[0]))")
            checked += 1
        }
        XCTAssertGreaterThan(checked, cells.count * 9 / 10)
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("summary.json")))
            as! [String: Any]
        let classVolumes = try XCTUnwrap(summary["class_volumes"] as? [Double])
        XCTAssertEqual(classVolumes.reduce(0, +), 8, accuracy: 1e-12)
        for c in 0..<2 { XCTAssertEqual(classVolumes[c], volume[c], accuracy: 1e-12) }
        for component in components {
            let members = zip(cells, classes).filter { $0.1[2] == component[0] }
            XCTAssertEqual(component[2], members.reduce(0) { $0 + $1.0[1] }, accuracy: 1e-12)
            XCTAssertEqual(Int(component[3]), members.count)
            XCTAssertTrue(members.allSatisfy { $0.1[1] == component[1] }, "one class per component")
        }
    }

    func testBadModelsAndOptions() throws {
        let folder = scratchFolder("model-bad")
        let model = fixtures.appendingPathComponent("residual_mlp.onnx").path
        let plane = try points(3, in: folder).path
        let truncated = folder.appendingPathComponent("truncated.onnx")
        try Data(try Data(contentsOf: URL(fileURLWithPath: model)).prefix(500)).write(to: truncated)
        let cases: [([String], Int32)] = [
            (["regions2d", "--model", truncated.path, "--through", plane, "--output", "0"], 65),
            (["regions2d", "--model", model, "--through", plane], 64),  // two outputs and no choice
            (["regions2d", "--model", model, "--through", plane, "--output", "7"], 64),
            (["regions2d", "--model", model, "--output", "0"], 65),  // 3 inputs, no slice
            (["exact1d", "--model", model, "--through", plane, "--output", "0"], 64),  // 3 points for a line
            (["regions2d", "--model", model, "--weights", model, "--through", plane], 64),
            (["paths", "--curve", "4", "--model", model, "--output", "0"], 65),  // 3 inputs, the curve's 2
            (["paths", "--curve", "4", "--model", model, "--output", "0", "--attack-margin", "-1"], 64),
            (["paths", "--curve", "4", "--model", model, "--output", "0", "--through", plane], 64),
            (["paths", "--curve", "4", "--weights", model, "--output", "0"], 64),  // --output without --model
            (["regions3d", "--model", model, "--classes", "--output", "0"], 64),
        ]
        for (arguments, code) in cases {
            let outcome = try spectral(arguments + ["--out", folder.appendingPathComponent("o").path])
            XCTAssertEqual(outcome.exitCode, code, "\(arguments): \(outcome.stderr)")
            XCTAssertEqual(outcome.stderr.split(separator: "\n").count, 1, outcome.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("o").path))
        }
    }

    /// The argmax regions of the residual LeakyReLU MLP (2 logits), the conv net and the 10-logit classifier on a
    /// plane through three of their fixture inputs agree with the whole model's argmax at all 40,000 grid points
    /// but those within 1e-9 of a class boundary, and the class areas add up to the box.
    func testArgmaxRegionsAgreeWithTheGrid() throws {
        let folder = scratchFolder("classes")
        for name in ["residual_mlp", "convnet", "classifier"] {
            let plane = try points(3, in: folder, model: name).path
            let out = folder.appendingPathComponent(name)
            try succeed([
                "classes2d", "--model", fixtures.appendingPathComponent("\(name).onnx").path, "--through",
                plane, "--out", out.path, "--quiet",
            ])
            let summary =
                try JSONSerialization.jsonObject(
                    with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
            let grid = summary["grid"] as! [String: Int]
            XCTAssertEqual(grid["points"], 40_000, name)
            XCTAssertEqual(grid["disagreements"], 0, name)
            XCTAssertLessThan(grid["near_boundary"]!, 400, name)
            XCTAssertLessThan(summary["area_error"] as! Double, 1e-12, name)
            XCTAssertGreaterThan(summary["components"] as! Int, 1, "\(name): the plane should cross a boundary")
        }
    }

    /// decision2d on a model's margin: the exact boundary of logit 1 − logit 0 on the residual model's plane, checked
    /// against the sign on the 200 × 200 grid.
    func testDecisionBoundaryOfAMargin() throws {
        let folder = scratchFolder("decision")
        let out = folder.appendingPathComponent("d")
        try succeed([
            "decision2d", "--model", fixtures.appendingPathComponent("residual_mlp.onnx").path, "--through",
            try points(3, in: folder).path, "--margin", "1,0", "--out", out.path, "--quiet",
        ])
        let summary =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual((summary["grid"] as! [String: Int])["disagreements"], 0)
        XCTAssertLessThan(summary["area_error"] as! Double, 1e-12)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("slice.json").path))
    }
}
