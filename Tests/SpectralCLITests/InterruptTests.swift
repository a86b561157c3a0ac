import Foundation
import SpectralCore
import XCTest

/// Every long command, started as a user starts it over a folder that holds an earlier result, and stopped by
/// SIGINT or SIGTERM at a seeded random poll of its work (`SPECTRAL_TEST_SIGNALS`, docs/testing.md: the same place
/// in the run on any machine, so a failure replays): it exits 130 or 143 with one sentence, the folder holds exactly
/// the bytes it held before, and beside it only resumable points may remain.
final class InterruptTests: XCTestCase {
    static var folder = scratchFolder("interrupt")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    override class func setUp() {
        super.setUp()
        try? writeTwoInputData(folder.appendingPathComponent("two.csv"))
        try? writeThreeInputData(folder.appendingPathComponent("three.csv"))
        for (name, arguments) in [
            ("small1d", ["--width", "16", "--depth", "3"]), ("big1d", ["--width", "1024", "--depth", "6"]),
            ("small2d", ["--data", path("two.csv"), "--width", "8", "--depth", "3"]),
            ("big2d", ["--data", path("two.csv"), "--width", "512", "--depth", "4"]),
            ("small3d", ["--data", path("three.csv"), "--width", "8", "--depth", "3"]),
            ("big3d", ["--data", path("three.csv"), "--width", "96", "--depth", "3"]),
        ] {
            _ = try? spectral(["train", "--steps", "1", "--out", path(name), "--quiet"] + arguments)
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    /// (name, a quick run that leaves a result, a long run of the same command, the last poll to stop at). The long
    /// runs poll (`Interrupt.check()` or `requested`) more often than that before they finish: training steps,
    /// sweep points, layers of an enumeration, chunks of frequencies. A stop that came after the run ended would
    /// fail the test (exit 0), not pass it.
    static var commands: [(String, [String], [String], Int)] {
        let (small1d, big1d) = (path("small1d/weights.safetensors"), path("big1d/weights.safetensors"))
        let (small2d, big2d) = (path("small2d/weights.safetensors"), path("big2d/weights.safetensors"))
        let (small3d, big3d) = (path("small3d/weights.safetensors"), path("big3d/weights.safetensors"))
        return [
            ("train", ["train", "--steps", "20", "--width", "16"], ["train", "--steps", "1000000"], 400),
            ("exp1", ["exp1", "--iterations", "100"], ["exp1", "--iterations", "1000000"], 400),
            ("exp2", ["exp2", "--iterations", "50", "--directions", "2"], ["exp2", "--iterations", "1000000"], 400),
            ("exp7", ["exp7", "--steps", "100"], ["exp7", "--steps", "1000000"], 400),
            (
                "scaling1d", ["scaling1d", "--depths", "2", "--widths", "8", "--seeds", "1"],
                ["scaling1d", "--widths", "64,256", "--train-steps", "0,100000"], 400
            ),
            (
                "scaling2d", ["scaling2d", "--depths", "2", "--widths", "8", "--seeds", "1"],
                ["scaling2d", "--widths", "32,64", "--train-steps", "0,100000"], 400
            ),
            (
                "exact1d", ["exact1d", "--weights", small1d, "--freqs", "1:100:1"],
                ["exact1d", "--weights", big1d, "--freqs", "1:4000000:1"], 40
            ),
            ("regions2d", ["regions2d", "--weights", small2d], ["regions2d", "--weights", big2d], 5),
            (
                "exact2d", ["exact2d", "--weights", small2d, "--grid", "2:3"],
                ["exact2d", "--weights", big2d, "--grid", "8:9"], 40
            ),
            ("regions3d", ["regions3d", "--weights", small3d], ["regions3d", "--weights", big3d], 100),
            (
                "exact3d", ["exact3d", "--weights", small3d, "--grid", "1:2", "--radii", "10:100:4"],
                ["exact3d", "--weights", big3d, "--grid", "8:33"], 100
            ),
            ("demo", ["exp7", "--steps", "50"], ["demo"], 400),
        ]
    }

    func testInterruptedRunsLeaveTheFolderAsItWas() throws {
        var rng = SplitMix64(seed: 20_261_201)
        for (index, (name, quick, long, lastPoll)) in Self.commands.enumerated() {
            let out = Self.folder.appendingPathComponent("out-\(name)")
            try succeed(quick + ["--out", out.path, "--quiet"])
            let before = try fileDigests(out)
            let record = try Data(contentsOf: out.appendingPathComponent("run.json"))
            let (signal, signalName) = index % 2 == 0 ? (SIGINT, "INT") : (SIGTERM, "TERM")
            let poll = 2 + Int(rng.next() % UInt64(lastPoll - 1))
            let stopped = try Subprocess.run(
                spectralExecutable, long + ["--out", out.path, "--quiet"], timeout: 300,
                environment: ["SPECTRAL_TEST_SIGNALS": "\(signalName)@\(poll)"])
            let shown = "\(name), SIG\(signalName) at poll \(poll)"
            XCTAssertEqual(stopped.exitCode, 128 + signal, "\(shown): \(stopped.stderr)")
            XCTAssertTrue(stopped.stderr.contains("stopped by"), "\(shown): \(stopped.stderr)")
            XCTAssertEqual(try fileDigests(out), before, "\(shown): the folder changed")
            XCTAssertEqual(
                try Data(contentsOf: out.appendingPathComponent("run.json")), record, "\(shown): run.json changed")
            let staging = Self.folder.appendingPathComponent(".out-\(name).partial")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []
            XCTAssertTrue(Set(left).isSubset(of: ["points", "checkpoint"]), "\(shown): left \(left) beside the folder")
        }
    }

    /// A second signal stops at once, with the same code and without the clean stop's sentence (the handler exits
    /// before any cleanup), and still leaves the folder as it was.
    func testASecondSignalStopsAtOnce() throws {
        let out = Self.folder.appendingPathComponent("twice")
        try succeed(["exp7", "--steps", "50", "--out", out.path, "--quiet"])
        let before = try fileDigests(out)
        let once = try Subprocess.run(
            spectralExecutable, ["exact2d", "--weights", Self.path("big2d/weights.safetensors"), "--out", out.path],
            timeout: 300, environment: ["SPECTRAL_TEST_SIGNALS": "INT@3"])
        XCTAssertEqual(once.exitCode, 130)
        XCTAssertTrue(once.stderr.contains("stopped by SIGINT"), once.stderr)
        let twice = try Subprocess.run(
            spectralExecutable, ["exact2d", "--weights", Self.path("big2d/weights.safetensors"), "--out", out.path],
            timeout: 300, environment: ["SPECTRAL_TEST_SIGNALS": "INT@3,INT@3"])
        XCTAssertEqual(twice.exitCode, 130)
        XCTAssertFalse(twice.stderr.contains("stopped by"), "the second signal let the run stop cleanly")
        XCTAssertEqual(try fileDigests(out), before)
    }

    /// A stop schedule that does not parse is a usage error before any work.
    func testAMalformedStopScheduleIsAUsageError() throws {
        let outcome = try Subprocess.run(
            spectralExecutable, ["exp7", "--steps", "5", "--out", Self.path("never")], timeout: 60,
            environment: ["SPECTRAL_TEST_SIGNALS": "INT@0"])
        XCTAssertEqual(outcome.exitCode, 64, outcome.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("never")))
    }
}
