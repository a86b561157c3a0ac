import Foundation
import SpectralCore
import XCTest

/// Every long command, started as a user starts it over a folder that holds an earlier result, and stopped by
/// SIGINT or SIGTERM at a random moment (seeded, so a failure can be replayed): it exits 130 or 143 with one sentence,
/// the folder holds exactly the bytes it held before, and beside it only resumable points may remain.
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

    /// (name, a quick run that leaves a result, a long run of the same command)
    static var commands: [(String, [String], [String])] {
        let (small1d, big1d) = (path("small1d/weights.safetensors"), path("big1d/weights.safetensors"))
        let (small2d, big2d) = (path("small2d/weights.safetensors"), path("big2d/weights.safetensors"))
        let (small3d, big3d) = (path("small3d/weights.safetensors"), path("big3d/weights.safetensors"))
        return [
            ("train", ["train", "--steps", "20", "--width", "16"], ["train", "--steps", "1000000"]),
            ("exp1", ["exp1", "--iterations", "100"], ["exp1", "--iterations", "1000000"]),
            ("exp2", ["exp2", "--iterations", "50", "--directions", "2"], ["exp2", "--iterations", "1000000"]),
            ("exp7", ["exp7", "--steps", "100"], ["exp7", "--steps", "1000000"]),
            (
                "scaling1d", ["scaling1d", "--depths", "2", "--widths", "8", "--seeds", "1"],
                ["scaling1d", "--widths", "64,256", "--train-steps", "0,100000"]
            ),
            (
                "scaling2d", ["scaling2d", "--depths", "2", "--widths", "8", "--seeds", "1"],
                ["scaling2d", "--widths", "32,64", "--train-steps", "0,100000"]
            ),
            (
                "exact1d", ["exact1d", "--weights", small1d, "--freqs", "1:100:1"],
                ["exact1d", "--weights", big1d, "--freqs", "1:4000000:1"]
            ),
            ("regions2d", ["regions2d", "--weights", small2d], ["regions2d", "--weights", big2d]),
            (
                "exact2d", ["exact2d", "--weights", small2d, "--grid", "2:3"],
                ["exact2d", "--weights", big2d, "--grid", "8:9"]
            ),
            ("regions3d", ["regions3d", "--weights", small3d], ["regions3d", "--weights", big3d]),
            (
                "exact3d", ["exact3d", "--weights", small3d, "--grid", "1:2", "--radii", "10:100:4"],
                ["exact3d", "--weights", big3d, "--grid", "8:33"]
            ),
            ("demo", ["exp7", "--steps", "50"], ["demo"]),
        ]
    }

    func testInterruptedRunsLeaveTheFolderAsItWas() throws {
        var rng = SplitMix64(seed: 20_261_201)
        for (index, (name, quick, long)) in Self.commands.enumerated() {
            let out = Self.folder.appendingPathComponent("out-\(name)")
            try succeed(quick + ["--out", out.path, "--quiet"])
            let before = try fileDigests(out)
            let record = try Data(contentsOf: out.appendingPathComponent("run.json"))
            let signal = index % 2 == 0 ? SIGINT : SIGTERM
            let delay = 0.3 + 2.2 * rng.nextUnitDouble()
            let stopped = try Subprocess.run(
                spectralExecutable, long + ["--out", out.path, "--quiet"], timeout: 120,
                signals: [(signal, delay)])
            let shown = "\(name), \(signal == SIGINT ? "SIGINT" : "SIGTERM") after \(String(format: "%.2f", delay)) s"
            XCTAssertEqual(stopped.exitCode, 128 + signal, "\(shown): \(stopped.stderr)")
            XCTAssertTrue(stopped.stderr.contains("stopped by"), "\(shown): \(stopped.stderr)")
            // The long runs take minutes to hours; one that ignored the signal would run on to the timeout.
            XCTAssertLessThan(stopped.seconds, delay + 30, "\(shown): the signal was not acted on")
            XCTAssertEqual(try fileDigests(out), before, "\(shown): the folder changed")
            XCTAssertEqual(
                try Data(contentsOf: out.appendingPathComponent("run.json")), record, "\(shown): run.json changed")
            let staging = Self.folder.appendingPathComponent(".out-\(name).partial")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: staging.path)) ?? []
            XCTAssertTrue(Set(left).isSubset(of: ["points", "checkpoint"]), "\(shown): left \(left) beside the folder")
        }
    }

    /// A second signal stops at once, with the same code, and still leaves the folder as it was.
    func testASecondSignalStopsAtOnce() throws {
        let out = Self.folder.appendingPathComponent("twice")
        try succeed(["exp7", "--steps", "50", "--out", out.path, "--quiet"])
        let before = try fileDigests(out)
        let stopped = try Subprocess.run(
            spectralExecutable, ["exact2d", "--weights", Self.path("big2d/weights.safetensors"), "--out", out.path],
            timeout: 120, signals: [(SIGINT, 0.5), (SIGINT, 0.55)])
        XCTAssertEqual(stopped.exitCode, 130)
        XCTAssertLessThan(stopped.seconds, 5)
        XCTAssertEqual(try fileDigests(out), before)
    }
}
