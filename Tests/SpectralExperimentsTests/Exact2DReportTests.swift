import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralExperiments
import SpectralKernels
import SpectralNetworks
import SpectralSpectra
import XCTest

final class Exact2DReportTests: XCTestCase {
    /// `spectral exact2d` through the driver: the files, their contents against a direct computation, and the
    /// theorem's two ratios (≤ 1): |S(k)|·|2πk|² ≤ Σ|(g_R − g_L)·ν| ≤ 2·L_f·(interior edge length).
    func testReportFilesAndBounds() throws {
        let net = MLP.initialized(sizes: [2, 12, 12, 1], initialization: .pytorch, seed: 4)
        let folder = temporaryFolder("exact2d")
        let weights = folder.appendingPathComponent("net.safetensors")
        try net.save(to: weights)
        var c = Exact2D.Configuration(weights: InputFile(path: weights.path))
        c.domain = .box(Box2D(x: NumberPair(-1, 1), y: NumberPair(-0.5, 1)))
        c.frequencies = .grid(FrequencyGrid(kmax: 4, n: 9))
        (c.ridges, c.rays, c.radii) = (2, 2, RadiusRange(low: 10, high: 300, count: 4))
        let out = folder.appendingPathComponent("out")
        let summary = try XCTUnwrap(
            ExperimentDriver.perform(Exact2D.self, c, RunSettings(out: out, threads: 2, quiet: true, commandLine: [])))
        let spectrum = try readNumbers(out.appendingPathComponent("spectrum.csv"))
        XCTAssertEqual(spectrum.header, ["kx", "ky", "window_re", "window_im", "edge_re", "edge_im"])
        XCTAssertEqual(spectrum.rows.count, 81)
        // The file holds the transform an independent call computes (the window summed over triangles here).
        let regions = try enumerateRegions(
            ExactNetwork(net, inputs: 2), domain: c.domain.corners, pool: ThreadPool(threadCount: 1))
        let direct = ExactSpectrum2D(regions).windowByTriangles(spectrum.rows.map { ($0[0], $0[1]) })
        for (row, w) in zip(spectrum.rows, direct) {
            XCTAssertEqual(row[2], w.re, accuracy: 1e-12 * max(1, w.magnitude))
            XCTAssertEqual(row[3], w.im, accuracy: 1e-12 * max(1, w.magnitude))
            // The edge spectrum is singular at k = 0 (NaN there) and finite elsewhere.
            XCTAssertEqual(row[4].isNaN, row[0] == 0 && row[1] == 0)
        }
        let table = try readNumbers(out.appendingPathComponent("regions.csv"))
        XCTAssertEqual(table.rows.count, summary.regions.regions)
        XCTAssertEqual(table.rows.map { $0[1] }.reduce(0, +), 2 * 1.5, accuracy: 1e-12, "region areas sum to the box's")
        XCTAssertLessThan(summary.regions.areaError, 1e-12)
        XCTAssertGreaterThan(summary.spectrumBoundRatio, 0)
        XCTAssertLessThanOrEqual(summary.spectrumBoundRatio, 1)
        XCTAssertLessThanOrEqual(summary.edgeJumpBoundRatio, 1)
        XCTAssertEqual(summary.directions.map(\.kind), ["ridge", "ridge", "generic", "requested", "requested"])
        for picture in ["regions", "polar", "directions", "spectrum"] {
            for ext in ["png", "svg"] {
                XCTAssertGreaterThan(
                    try Data(contentsOf: out.appendingPathComponent("\(picture).\(ext)")).count, 1000,
                    "\(picture).\(ext)")
            }
        }
    }

    func testEmptyBoxAndBadDomainsAreUsageErrors() throws {
        let net = try ExactNetwork(MLP.initialized(sizes: [2, 4, 1], initialization: .pytorch, seed: 1), inputs: 2)
        let pool = ThreadPool(threadCount: 1)
        let pentagram = (0..<5).map { i -> NumberPair in
            let a = Double.pi / 2 + 4 * Double.pi * Double(i) / 5
            return NumberPair(cos(a), sin(a))
        }
        for domain in [
            Domain2D.polygon([NumberPair(0, 0), NumberPair(0, 0), NumberPair(0, 1)]),
            .polygon([NumberPair(0, 0), NumberPair(1, 0), NumberPair(0.2, 0.2), NumberPair(0, 1)]),
            .polygon(pentagram),
        ] {
            XCTAssertThrowsError(
                try Regions2D(Regions2D.Configuration(weights: InputFile(path: "x"), domain: domain), network: net)
                    .run(.standalone())
            ) { error in
                XCTAssertEqual((error as? SpectralError)?.exitCode, 64, "\(domain)")
            }
        }
        _ = pool
    }
}

final class Scaling2DTests: XCTestCase {
    /// A small 2-D sweep: the bounds hold on every net, PyTorch-default nets have more regions when wider, and
    /// the generic direction's exponent is near −3 where there is one to fit.
    func testSmallSweep() throws {
        var c = ScalingSweep<TwoDimensional>.Configuration()
        (c.depths, c.widths, c.seeds, c.initializations) = (
            IntegerList([2, 3]), IntegerList([6, 12, 24]), 2, [.pytorch]
        )
        let out = temporaryFolder("scaling2d")
        _ = try ExperimentDriver.perform(
            ScalingSweep<TwoDimensional>.self, c, RunSettings(out: out, threads: 2, quiet: true, commandLine: []))
        let table = try readNumbers(out.appendingPathComponent("scaling.csv"))
        let header = table.header
        XCTAssertEqual(
            Array(header.prefix(7)), ["init", "depth", "width", "seed", "training_steps", "regions", "lipschitz"])
        XCTAssertEqual(table.rows.count, 2 * 3 * 2)
        let column = { (name: String) in header.firstIndex(of: name)! }
        var fitted = 0
        for r in table.rows {
            XCTAssertLessThanOrEqual(r[column("spectral_constant")], r[column("total_edge_jump")] * (1 + 1e-12))
            XCTAssertLessThanOrEqual(r[column("lipschitz")], r[column("lipschitz_bound_eq7")] * (1 + 1e-9))
        }
        let rows = try XCTUnwrap(String(contentsOf: out.appendingPathComponent("scaling.csv"), encoding: .utf8)).split(
            separator: "\n"
        ).dropFirst()
        for line in rows {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            if let exponent = Double(cells[column("generic_decay_exponent")]),
                let se = Double(cells[column("decay_exponent_standard_error")])
            {
                XCTAssertEqual(exponent, -3, accuracy: 4 * se + 0.1, String(line))
                fitted += 1
            }
        }
        XCTAssertGreaterThanOrEqual(fitted, 10, "most nets have ridges to avoid and a generic direction to fit")
        let regions = { (w: Double) in table.rows.filter { $0[2] == w }.map { $0[5] }.reduce(0, +) }
        XCTAssertLessThan(regions(6), regions(24))
    }
}

/// A CSV written by the package, as text cells (our writer quotes nothing in these files): header and rows.
func readTable(_ url: URL) throws -> (header: [String], rows: [[String]]) {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
        $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    return (lines.first ?? [], Array(lines.dropFirst()))
}

/// The numeric cells of `readTable` (empty and text cells become NaN).
func readNumbers(_ url: URL) throws -> (header: [String], rows: [[Double]]) {
    let table = try readTable(url)
    return (table.header, table.rows.map { $0.map { Double($0) ?? .nan } })
}

func temporaryFolder(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("spectral-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
