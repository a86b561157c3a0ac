import Foundation
import SpectralCore
import XCTest

/// Long training runs stopped part-way resume to the bits of an uninterrupted run: by SIGTERM or SIGINT at a
/// seeded random moment (the run checkpoints as it stops), or by SIGKILL (no warning: the last periodic
/// checkpoint of --checkpoint-every). The same command is simply run again. The moment is a seeded random
/// fraction of the uninterrupted run's own duration before it wrote its files, so the signal lands part-way through
/// the training on a slow or a fast machine.
final class ResumeTests: XCTestCase {
    static var folder = scratchFolder("resume")

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    func checkResume(
        _ name: String, _ arguments: [String], signal: Int32, at fraction: Double,
        extra: [String] = []
    ) throws {
        let whole = Self.folder.appendingPathComponent("\(name)-whole")
        let cut = Self.folder.appendingPathComponent("\(name)-cut")
        let started = Date()
        try succeed(arguments + ["--out", whole.path, "--quiet"])
        // Part-way through the training, not through the writing after it (a stop there has nothing to checkpoint,
        // and writing is a large share of a fast run under a sanitizer): the run's own record says how long it wrote.
        let delay = fraction * (Date().timeIntervalSince(started) - (try writingSeconds(whole)))
        let stopped = try Subprocess.run(
            spectralExecutable, arguments + extra + ["--out", cut.path, "--quiet"], timeout: 300,
            signals: [(signal, delay)])
        let shown = "\(name), signal \(signal) after \(String(format: "%.2f", delay)) s"
        XCTAssertEqual(stopped.shellStatus, 128 + signal, "\(shown): \(stopped.stderr)")
        let checkpoints = Self.folder.appendingPathComponent(".\(name)-cut.partial/checkpoint")
        let saved = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        if signal != SIGKILL { XCTAssertFalse(saved.isEmpty, "\(shown): no checkpoint was saved") }
        try succeed(arguments + ["--out", cut.path, "--quiet"])
        XCTAssertEqual(try fileDigests(cut), try fileDigests(whole), "\(shown): the resumed run wrote other bytes")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: cut.appendingPathComponent("checkpoint").path),
            "\(shown): the finished folder still holds checkpoints")
    }

    /// The seconds a finished run spent writing its files (`timings.writing` in its run.json; 0 if absent).
    func writingSeconds(_ folder: URL) throws -> Double {
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("run.json")))
        let timings = (record as? [String: Any])?["timings"] as? [String: Any]
        return (timings?["writing"] as? Double) ?? 0
    }

    func testStoppedTrainingResumesToTheSameBits() throws {
        var rng = SplitMix64(seed: 1612)
        // Between 25 % and 60 % of the way: the stopped run may go faster than the measured one (a busy machine
        // slowed that one), and must still be training when the signal comes.
        func moment() -> Double { 0.25 + 0.35 * rng.nextUnitDouble() }
        let train = ["train", "--steps", "6000"]
        try checkResume("train-term", train, signal: SIGTERM, at: moment())
        try checkResume("train-int", train + ["--batch-size", "50"], signal: SIGINT, at: moment())
        try checkResume("train-kill", train, signal: SIGKILL, at: moment(), extra: ["--checkpoint-every", "600"])
        let exp1 = ["exp1", "--iterations", "3000", "--runs", "2", "--record-every", "100"]
        try checkResume("exp1-term", exp1, signal: SIGTERM, at: moment())
    }
}
