import XCTest
import SpectralCore
import SpectralKernels
import SpectralNetworks
import SpectralExact
import SpectralExperiments

final class Exact2DReportTests: XCTestCase {
    /// The files of `spectral exact2d`, the summary keys the issue names, and the theorem's two ratios (≤ 1):
    /// |S(k)|·|2πk|² ≤ Σ|(g_R − g_L)·ν| ≤ 2·L_f·(interior edge length).
    func testReportFilesAndBounds() throws {
        let net = MLP.initialized(sizes: [2, 12, 12, 1], initialization: .pytorch, seed: 4)
        let report = try Exact2DReport(net: net, domain: boxPolygon(x0: -1, x1: 1, y0: -0.5, y1: 1), frequencies: .grid(kmax: 4, n: 9), ridgeCount: 2,
                                       rays: 2, radii: [10, 30, 100, 300], pool: ThreadPool(threadCount: 2))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("exact2d-\(UUID().uuidString)")
        try report.write(to: out, title: "test")
        for file in ["regions.csv", "spectrum.csv", "directions.csv", "summary.json", "regions.png", "polar.png",
                     "directions.png", "spectrum.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        let header = try String(contentsOf: out.appendingPathComponent("spectrum.csv"), encoding: .utf8).split(separator: "\n")[0]
        XCTAssertEqual(header, "kx,ky,window_re,window_im,edge_re,edge_im")
        let lines = try String(contentsOf: out.appendingPathComponent("regions.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, report.regionsReport.regions.regionCount + 1)
        let summary = report.summary
        for key in ["regions", "edges", "vertices", "area_error", "seconds"] { XCTAssertNotNil(summary[key], key) }
        XCTAssertLessThan(summary["area_error"] as! Double, 1e-12)
        XCTAssertLessThanOrEqual(summary["spectrum_bound_ratio"] as! Double, 1)
        XCTAssertLessThanOrEqual(summary["edge_jump_bound_ratio"] as! Double, 1)
        XCTAssertEqual(report.directions.map(\.kind), ["ridge", "ridge", "generic", "requested", "requested"])
    }

    func testEmptyBoxAndBadFrequenciesAreUsageErrors() {
        let net = MLP.initialized(sizes: [2, 4, 1], initialization: .pytorch, seed: 1)
        let pool = ThreadPool(threadCount: 1)
        let square = boxPolygon(x0: -1, x1: 1, y0: -1, y1: 1)
        for (domain, freqs, radii) in [(boxPolygon(x0: 0, x1: 0, y0: -1, y1: 1), Exact2DReport.Frequencies.grid(kmax: 1, n: 3), [1.0, 2, 3]),
                                       ([(0, 0), (1, 0), (0.2, 0.2), (0, 1)], .grid(kmax: 1, n: 3), [1, 2, 3]),
                                       (square, .list([]), [1, 2, 3]),
                                       (square, .list([(1, .nan)]), [1, 2, 3]),
                                       (square, .grid(kmax: 1, n: 3), [1, 2])] {
            XCTAssertThrowsError(try Exact2DReport(net: net, domain: domain, frequencies: freqs, ridgeCount: 1, rays: 0,
                                                   radii: radii, pool: pool)) { error in
                XCTAssertEqual((error as? SpectralError)?.exitCode, 64)
            }
        }
    }
}

final class Scaling2DTests: XCTestCase {
    /// A small 2-D sweep: the bounds hold on every net, PyTorch-default nets have regions growing with width, and
    /// the generic direction's exponent is near −3.
    func testSmallSweep() throws {
        var sweep = ScalingSweep(depths: [2, 3], widths: [6, 12, 24], seeds: 2, initializations: [.pytorch])
        sweep.dimension = 2
        let rows = try sweep.run()
        XCTAssertEqual(rows.count, 2 * 3 * 2)
        for r in rows {
            XCTAssertLessThanOrEqual(r.spectralConstant, r.totalSlopeJump * (1 + 1e-12))
            XCTAssertLessThanOrEqual(r.lipschitz, r.lipschitzBound * (1 + 1e-9))
            if let exponent = r.decayExponent, let se = r.decayStandardError {
                XCTAssertEqual(exponent, -3, accuracy: 4 * se + 0.1, "depth \(r.depth) width \(r.width)")
            }
        }
        let mean = { (w: Int) in Double(rows.filter { $0.width == w }.map(\.pieces).reduce(0, +)) }
        XCTAssertLessThan(mean(6), mean(24))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("scaling2d-\(UUID().uuidString)")
        _ = try sweep.write(rows, to: out)
        let header = try String(contentsOf: out.appendingPathComponent("scaling.csv"), encoding: .utf8).split(separator: "\n")[0]
        XCTAssertTrue(header.hasPrefix("init,depth,width,seed,training_steps,regions,lipschitz"))
    }

    /// Training checkpoints: every net is measured as initialised and after training; the bounds hold after
    /// training too, and training changes the net (its Lipschitz constant moves).
    func testTrainingCheckpoints() throws {
        for dimension in [1, 2] {
            var sweep = ScalingSweep(depths: [3], widths: [16], seeds: 1, initializations: [.pytorch])
            sweep.dimension = dimension
            sweep.trainingSteps = [0, 200]
            let rows = try sweep.run()
            XCTAssertEqual(rows.map(\.trainingSteps), [0, 200])
            for r in rows {
                XCTAssertLessThanOrEqual(r.spectralConstant, r.totalSlopeJump * (1 + 1e-12))
                XCTAssertLessThanOrEqual(r.lipschitz, r.lipschitzBound * (1 + 1e-9))
            }
            XCTAssertNotEqual(rows[0].lipschitz, rows[1].lipschitz)
        }
    }
}
