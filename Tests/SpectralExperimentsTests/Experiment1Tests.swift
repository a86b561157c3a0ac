import XCTest
import Foundation
import SpectralCore
import SpectralNetworks
import SpectralExperiments

final class Experiment1Tests: XCTestCase {
    /// The quick preset end to end: every file with its documented columns, magnitudes in range, the lowest
    /// frequency learned before the highest.
    func testQuickPresetOutputs() throws {
        var configuration = Experiment1.Configuration(preset: .quick)
        configuration.threads = 2
        let experiment = try Experiment1(configuration)
        let result = try experiment.run()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("exp1-test-\(UUID().uuidString)")
        try experiment.write(result, to: out)
        let expected: [String: [String]] = [
            "dynamics.csv": ["iteration", "k", "magnitude"],
            "learned.csv": ["k", "first_iteration_at_0.9"],
            "spectral_norms.csv": ["run", "iteration", "layer", "sigma_max"],
            "loss.csv": ["iteration", "loss"],
            "function.csv": ["iteration", "z", "target", "prediction"],
        ]
        for (file, header) in expected {
            let text = try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            XCTAssertEqual(text.split(separator: "\n").first.map(String.init), header.joined(separator: ","), file)
        }
        for picture in ["heatmap.png", "functions.png", "spectral_norms.png", "loss.png"] {
            let data = try Data(contentsOf: out.appendingPathComponent(picture))
            XCTAssertEqual(Array(data.prefix(4)), [0x89, 0x50, 0x4E, 0x47], picture)
        }
        let dynamics = try NumericCSV.read(out.appendingPathComponent("dynamics.csv")).rows
        XCTAssertEqual(dynamics.count, (configuration.iterations / configuration.recordEvery + 1) * 10)
        // Adam overshoots the lowest frequency mid-training (k = 5 reaches 1.24 around iterations 1300–2300 with
        // seed 0) before settling; anything beyond 1.3 would mean a wrong normalisation.
        XCTAssertTrue(dynamics.allSatisfy { $0[2] >= 0 && $0[2] <= 1.3 }, "magnitudes outside [0, 1.3]")
        // Still settling at the end of the quick preset (1.10 with seed 0).
        XCTAssertEqual(result.meanMagnitudes.last![0], 1, accuracy: 0.15, "k = 5 at the end of the quick preset")
        let learned = result.learnedAt()
        let lowest = try XCTUnwrap(learned.first!, "k = 5 must be learned in the quick preset")
        if let highest = learned.last! { XCTAssertLessThan(lowest, highest) }
        // Mean magnitude over training falls with frequency (the spectral bias itself), first vs last.
        let mean = result.meanMagnitudes
        let average = { (f: Int) in mean.map { $0[f] }.reduce(0, +) / Double(mean.count) }
        XCTAssertGreaterThan(average(0), average(9))
    }

    /// σ_max by power iteration equals the square root of the largest eigenvalue of WᵀW found by the cyclic Jacobi
    /// method (an independent algorithm), to 1e−9 relative.
    func testSpectralNormAgainstJacobi() {
        for (sizes, seed) in [([1, 40, 40, 1], UInt64(1)), ([3, 64, 17, 2], 2)] {
            let net = MLP.initialized(sizes: sizes, initialization: .pytorch, seed: seed)
            for l in 0..<net.layerCount {
                let (rows, cols) = (net.fanOut(l), net.fanIn(l))
                var gram = [[Double]](repeating: [Double](repeating: 0, count: cols), count: cols)
                for i in 0..<cols {
                    for j in 0..<cols {
                        for r in 0..<rows { gram[i][j] += Double(net.weights(l)[r * cols + i]) * Double(net.weights(l)[r * cols + j]) }
                    }
                }
                let reference = jacobiEigenvalues(gram).max()!.squareRoot()
                XCTAssertEqual(net.spectralNorm(l), reference, accuracy: 1e-9 * reference, "\(sizes) layer \(l)")
            }
        }
    }

    /// Eigenvalues of a symmetric matrix by cyclic Jacobi rotations.
    func jacobiEigenvalues(_ input: [[Double]]) -> [Double] {
        var a = input
        let n = a.count
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += a[i][j] * a[i][j] } }
            if off < 1e-26 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where abs(a[p][q]) > 1e-300 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let (akp, akq) = (a[k][p], a[k][q])
                        a[k][p] = c * akp - s * akq; a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let (apk, aqk) = (a[p][k], a[q][k])
                        a[p][k] = c * apk - s * aqk; a[q][k] = s * apk + c * aqk
                    }
                }
            }
        }
        return (0..<n).map { a[$0][$0] }
    }

    func testBadConfigurationsAreRefused() {
        var c = Experiment1.Configuration(preset: .quick)
        c.frequencies = [5, 150]
        XCTAssertThrowsError(try Experiment1(c))
        c = Experiment1.Configuration(preset: .quick)
        c.runs = 0
        XCTAssertThrowsError(try Experiment1(c))
    }
}

final class Scaling1DTests: XCTestCase {
    /// A small sweep: one row per net, the files written, and the bounds of the theorem on every row.
    func testSmallSweep() throws {
        let sweep = ScalingSweep(depths: [2, 3, 4], widths: [8, 16, 32], seeds: 2, initializations: [.pytorch, .he])
        let rows = try sweep.run()
        XCTAssertEqual(rows.count, 2 * 3 * 3 * 2)
        for r in rows {
            XCTAssertLessThanOrEqual(r.spectralConstant, r.totalSlopeJump * (1 + 1e-12))
            XCTAssertLessThanOrEqual(r.totalSlopeJump, 2 * Double(r.pieces) * r.lipschitz * (1 + 1e-12))
            // |slope| never exceeds the eq. 7 bound Π‖W‖₂.
            XCTAssertLessThanOrEqual(r.lipschitz, r.lipschitzBound * (1 + 1e-9))
            if r.initialization == .he { XCTAssertLessThanOrEqual(r.pieces, 2, "zero biases: at most one kink") }
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("scaling-\(UUID().uuidString)")
        _ = try sweep.write(rows, to: out)
        let header = try String(contentsOf: out.appendingPathComponent("scaling.csv"), encoding: .utf8).split(separator: "\n")[0]
        XCTAssertEqual(header, "init,depth,width,seed,training_steps,pieces,lipschitz,lipschitz_bound_eq7,total_slope_jump,spectral_constant,decay_exponent,decay_exponent_standard_error,enumeration_seconds")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("growth.csv").path))
    }
}

final class Experiment7Tests: XCTestCase {
    /// The quick preset: twelve nets, all files, and the appendix's clipping effect (tight clipping keeps the
    /// high-frequency part of the delta from being learned).
    func testQuickPreset() throws {
        let experiment = Experiment7(preset: .quick)
        let outcomes = try experiment.run()
        XCTAssertEqual(outcomes.count, 12)
        let clip = outcomes.filter { $0.net.sweep == "clip" }
        let loose = try XCTUnwrap(clip.first { $0.net.clip == 2 }), tight = try XCTUnwrap(clip.first { $0.net.clip == 0.1 })
        XCTAssertGreaterThan(loose.highFrequencyShare, 0.5)
        XCTAssertLessThan(tight.highFrequencyShare, 0.1)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("exp7-\(UUID().uuidString)")
        try experiment.write(outcomes, to: out)
        for file in ["spectra.csv", "summary.csv", "spectra_depth.png", "spectra_width.png", "spectra_clip.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        // Same seed, same bits: a second run reproduces the spectra exactly although nets ran in parallel.
        let again = try experiment.run()
        XCTAssertEqual(again.map(\.magnitudes), outcomes.map(\.magnitudes))
    }
}

final class Experiment2Tests: XCTestCase {
    /// The quick preset: the highest frequency loses magnitude at smaller perturbations than the lowest, and δ = 0
    /// reproduces the trained spectrum exactly.
    func testHighFrequenciesAreLessRobust() throws {
        var experiment = Experiment2(preset: .quick)
        experiment.directions = 8
        let ratios = try experiment.run()
        for f in experiment.frequencies.indices { XCTAssertEqual(ratios[0][f], 1, accuracy: 1e-12) }
        let last = ratios.count - 1
        XCTAssertGreaterThan(ratios[last][0], ratios[last][experiment.frequencies.count - 1] + 0.1,
                             "at the largest δ the lowest frequency keeps more of its magnitude than the highest")
        let half = experiment.halfDeltas(ratios)
        if let high = half.last!, let low = half.first! { XCTAssertLessThan(high, low) }
        XCTAssertNotNil(half.last!, "the highest frequency halves within the δ grid")
    }
}
