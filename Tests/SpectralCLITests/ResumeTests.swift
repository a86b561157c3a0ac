import Foundation
import SpectralCore
import XCTest

/// Long training runs stopped part-way resume to the bits of an uninterrupted run: by SIGTERM or SIGINT at a
/// seeded random training step (the run checkpoints as it stops), or by SIGKILL (no warning: the last periodic
/// checkpoint of --checkpoint-every). The same command is simply run again. The stop comes from the run itself at a
/// chosen poll (`SPECTRAL_TEST_SIGNALS`, one poll per step), so it lands at the same step on any machine.
final class ResumeTests: XCTestCase {
    static var folder = scratchFolder("resume")

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    func checkResume(_ name: String, _ arguments: [String], stop: String, extra: [String] = []) throws {
        let whole = Self.folder.appendingPathComponent("\(name)-whole")
        let cut = Self.folder.appendingPathComponent("\(name)-cut")
        try succeed(arguments + ["--out", whole.path, "--quiet"])
        let stopped = try Subprocess.run(
            spectralExecutable, arguments + extra + ["--out", cut.path, "--quiet"], timeout: 300,
            environment: ["SPECTRAL_TEST_SIGNALS": stop])
        let signal = stop.hasPrefix("KILL") ? SIGKILL : stop.hasPrefix("INT") ? SIGINT : SIGTERM
        let shown = "\(name), \(stop)"
        XCTAssertEqual(stopped.shellStatus, 128 + signal, "\(shown): \(stopped.stderr)")
        let checkpoints = Self.folder.appendingPathComponent(".\(name)-cut.partial/checkpoint")
        let saved = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
        XCTAssertFalse(saved.isEmpty, "\(shown): no checkpoint was saved")
        try succeed(arguments + ["--out", cut.path, "--quiet"])
        XCTAssertEqual(try fileDigests(cut), try fileDigests(whole), "\(shown): the resumed run wrote other bytes")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: cut.appendingPathComponent("checkpoint").path),
            "\(shown): the finished folder still holds checkpoints")
    }

    func testStoppedTrainingResumesToTheSameBits() throws {
        var rng = SplitMix64(seed: 1612)
        // Between a quarter and three fifths of the polls: well inside the training, past the first periodic
        // checkpoint (600 steps) for the SIGKILL run.
        func poll(of total: Int) -> Int { total / 4 + Int(rng.next() % UInt64(total * 7 / 20)) }
        // A 64-wide net: the checkpoint holds the same state (weights, Adam's moments, step, seed) as the paper's
        // 256-wide one, and the run takes a tenth of the time.
        let train = ["train", "--steps", "6000", "--width", "64"]
        try checkResume("train-term", train, stop: "TERM@\(poll(of: 6000))")
        try checkResume("train-int", train + ["--batch-size", "50"], stop: "INT@\(poll(of: 6000))")
        try checkResume(
            "train-kill", train, stop: "KILL@\(poll(of: 6000))", extra: ["--checkpoint-every", "600"])
        let exp1 = ["exp1", "--iterations", "1000", "--runs", "2", "--record-every", "100"]
        try checkResume("exp1-term", exp1, stop: "TERM@\(poll(of: 2000))")
    }
}
