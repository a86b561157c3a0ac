import XCTest
import Foundation
import SpectralCore

/// Long training runs stopped part-way resume to the bits of an uninterrupted run: by SIGTERM or SIGINT at a
/// seeded random moment (the run checkpoints as it stops), or by SIGKILL (no warning: the last periodic
/// checkpoint of --checkpoint-every). The same command is simply run again.
final class ResumeTests: XCTestCase {
    static var folder = scratchFolder("resume")

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    func checkResume(_ name: String, _ arguments: [String], signal: Int32, delay: Double, extra: [String] = []) throws {
        let whole = Self.folder.appendingPathComponent("\(name)-whole"), cut = Self.folder.appendingPathComponent("\(name)-cut")
        try succeed(arguments + ["--out", whole.path, "--quiet"])
        let stopped = try Subprocess.run(spectralExecutable, arguments + extra + ["--out", cut.path, "--quiet"], timeout: 300,
                                         signals: [(signal, delay)])
        let shown = "\(name), signal \(signal) after \(String(format: "%.2f", delay)) s"
        XCTAssertEqual(stopped.shellStatus, 128 + signal, "\(shown): \(stopped.stderr)")
        let checkpoints = Self.folder.appendingPathComponent(".\(name)-cut.partial/checkpoint")
        let saved = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        if signal != SIGKILL { XCTAssertFalse(saved.isEmpty, "\(shown): no checkpoint was saved") }
        try succeed(arguments + ["--out", cut.path, "--quiet"])
        XCTAssertEqual(try fileDigests(cut), try fileDigests(whole), "\(shown): the resumed run wrote other bytes")
        XCTAssertFalse(FileManager.default.fileExists(atPath: cut.appendingPathComponent("checkpoint").path),
                       "\(shown): the finished folder still holds checkpoints")
    }

    func testStoppedTrainingResumesToTheSameBits() throws {
        var rng = SplitMix64(seed: 1612)
        let train = ["train", "--steps", "5000", "--width", "64", "--depth", "4"]
        try checkResume("train-term", train, signal: SIGTERM, delay: 0.4 + rng.nextUnitDouble())
        try checkResume("train-int", train + ["--batch-size", "50"], signal: SIGINT, delay: 0.4 + rng.nextUnitDouble())
        try checkResume("train-kill", train, signal: SIGKILL, delay: 0.8 + rng.nextUnitDouble(), extra: ["--checkpoint-every", "300"])
        let exp1 = ["exp1", "--iterations", "1500", "--runs", "2", "--record-every", "100"]
        try checkResume("exp1-term", exp1, signal: SIGTERM, delay: 0.6 + rng.nextUnitDouble())
    }
}
