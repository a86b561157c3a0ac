import Foundation
import SpectralCore
import XCTest

/// Every command of `spectral`, run as a user runs it: its quick path writes its documented files, `rerun` of its
/// run.json writes the same bytes, and a sweep sharded and merged writes what the unsharded run writes.
final class CommandTests: XCTestCase {
    static var folder = scratchFolder("commands")
    /// A 1-D and a 2-D net, trained by `spectral train` (so they come through the command line too).
    static var oneD = folder.appendingPathComponent("net1d/weights.safetensors")
    static var twoD = folder.appendingPathComponent("net2d/weights.safetensors")
    static var threeD = folder.appendingPathComponent("net3d/weights.safetensors")

    override class func setUp() {
        super.setUp()
        let data = folder.appendingPathComponent("two-inputs.csv")
        try? writeTwoInputData(data)
        _ = try? spectral([
            "train", "--steps", "30", "--width", "24", "--depth", "3", "--out",
            folder.appendingPathComponent("net1d").path, "--quiet",
        ])
        _ = try? spectral([
            "train", "--data", data.path, "--steps", "30", "--width", "16", "--depth", "3", "--out",
            folder.appendingPathComponent("net2d").path, "--quiet",
        ])
        let data3 = folder.appendingPathComponent("three-inputs.csv")
        try? writeThreeInputData(data3)
        _ = try? spectral([
            "train", "--data", data3.path, "--steps", "30", "--width", "12", "--depth", "3", "--out",
            folder.appendingPathComponent("net3d").path, "--quiet",
        ])
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    /// (arguments without --out, the files the command documents)
    static var quickPaths: [(String, [String], [String])] {
        let samples = folder.appendingPathComponent("samples.csv").path
        let grid = folder.appendingPathComponent("grid.csv").path
        // The subset kept in the repository (Fixtures/make_mnist_subset.py): these paths run on every machine.
        let mnist = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/mnist/subset")
        let mnistPaths: [(String, [String], [String])] = [
            (
                "exp3", ["exp3", "--mnist", mnist.path, "--preset", "quick", "--iterations", "15", "--samples", "300"],
                ["losses.csv", "summary.csv", "validation_loss.png", "training_loss.svg", "ablation_k.png"]
            ),
            (
                "exp4",
                [
                    "exp4", "--mnist", mnist.path, "--preset", "quick", "--iterations", "12", "--samples", "60",
                    "--record-every", "4",
                ],
                [
                    "eigenvalues.csv", "spectra.csv", "losses.csv", "fitting.csv", "heatmap_white.png",
                    "spectra_high.png",
                    "validation_loss.png", "eigenvalues.png", "fitting.svg",
                ]
            ),
            (
                "paths-mnist",
                ["paths", "--mnist", mnist.path, "--per-class", "3", "--pairs", "2", "--train-steps", "5"],
                ["paths.csv", "samples.csv", "classifier.safetensors", "ratios.png", "path_images.png"]
            ),
        ]
        return mnistPaths + [
            (
                "train", ["train", "--steps", "40", "--width", "16", "--depth", "3"],
                ["weights.safetensors", "loss.csv", "loss.png", "loss.svg"]
            ),
            (
                "exp5", ["exp5", "--iterations", "40", "--record-every", "20", "--curves", "0,4"],
                ["dynamics.csv", "learned.csv", "loss.csv", "weights_L4.safetensors", "heatmaps.png", "heatmap_L0.svg"]
            ),
            (
                "exp6", ["exp6", "--iterations", "30", "--frequencies", "40,80", "--curves", "0,6"],
                ["grid.csv", "history.csv", "train_accuracy.png", "val_accuracy.svg", "decision_k80_L6.png"]
            ),
            (
                "exp1", ["exp1", "--iterations", "200", "--record-every", "50"],
                [
                    "dynamics.csv", "learned.csv", "spectral_norms.csv", "loss.csv", "function.csv",
                    "weights.safetensors",
                    "heatmap.png", "heatmap.svg", "functions.png", "spectral_norms.png", "loss.png",
                ]
            ),
            (
                "exp2", ["exp2", "--iterations", "100", "--directions", "2"],
                ["robustness.csv", "falloff.csv", "heatmap.png", "heatmap.svg"]
            ),
            (
                "exp7", ["exp7", "--steps", "200"],
                ["spectra.csv", "summary.csv", "spectra_depth.png", "spectra_width.png", "spectra_clip.svg"]
            ),
            (
                "spectrum", ["spectrum", "--input", samples],
                ["spectrum.csv", "decay.json", "spectrum.png", "spectrum.svg"]
            ),
            ("spectrum-grid", ["spectrum", "--input", grid, "--grid"], ["spectrum.csv", "spectrum.png"]),
            (
                "exact1d", ["exact1d", "--weights", oneD.path, "--freqs", "1:200:1"],
                ["breakpoints.csv", "spectrum.csv", "spectrum.png", "spectrum.svg"]
            ),
            (
                "scaling1d",
                ["scaling1d", "--depths", "2,3", "--widths", "8,16", "--seeds", "1", "--inits", "pytorch"],
                ["scaling.csv", "growth.csv", "pieces_vs_width_pytorch.png", "constants_vs_depth_pytorch.svg"]
            ),
            ("regions2d", ["regions2d", "--weights", twoD.path], ["regions.csv", "regions.png", "regions.svg"]),
            (
                "regions3d",
                ["regions3d", "--weights", threeD.path, "--slices", "z=0,x=-0.5", "--box", "-1:1,-1:1,-2:2"],
                ["cells.csv", "slice_z_0.png", "slice_x_-0.5.svg"]
            ),
            (
                "regions3d-polytope",
                ["regions3d", "--weights", threeD.path, "--half-spaces", "1:1:1:1,-1:0:0:0.5,0:-1:0:0.5,0:0:-1:0.5"],
                ["cells.csv", "slice_z_0.png"]
            ),
            (
                "exact3d",
                [
                    "exact3d", "--weights", threeD.path, "--grid", "2:3", "--radii", "10:400:8", "--normals", "1",
                    "--edges", "1",
                ],
                ["cells.csv", "spectrum.csv", "directions.csv", "directions.png", "sphere.png", "sphere.svg"]
            ),
            (
                "paths", ["paths", "--curve", "3", "--weights", twoD.path, "--per-class", "4", "--pairs", "3"],
                ["paths.csv", "samples.csv", "agreement.csv", "ratios.png", "paths_map.png", "paths_map.svg"]
            ),
            (
                "regions2d-polygon", ["regions2d", "--weights", twoD.path, "--polygon", "0:-1,1:0,0:1,-1:0"],
                ["regions.csv", "regions.png"]
            ),
            (
                "exact2d", ["exact2d", "--weights", twoD.path, "--grid", "4:5", "--radii", "5:200:6", "--rays", "2"],
                [
                    "regions.csv", "spectrum.csv", "directions.csv", "directions.png", "polar.png", "spectrum.png",
                    "spectrum.svg",
                ]
            ),
            (
                "scaling3d", ["scaling3d", "--depths", "2,3", "--widths", "4,6", "--seeds", "1", "--inits", "pytorch"],
                ["scaling.csv", "growth.csv", "cells_vs_width_pytorch.png"]
            ),
            (
                "scaling2d", ["scaling2d", "--depths", "2,3", "--widths", "6,8", "--seeds", "1", "--inits", "pytorch"],
                ["scaling.csv", "growth.csv", "regions_vs_width_pytorch.png"]
            ),
        ]
    }

    func testEveryCommandWritesItsFilesAndRerunsToTheSameBits() throws {
        var samples = "value\n"
        for j in 0..<256 { samples += "\(sin(2 * Double.pi * 7 * Double(j) / 256) + 0.1 * Double(j % 5))\n" }
        try samples.write(to: Self.folder.appendingPathComponent("samples.csv"), atomically: true, encoding: .utf8)
        var grid = ""
        for i in 0..<16 {
            grid += (0..<16).map { j in "\(cos(Double(i) * 0.7) * sin(Double(j) * 0.3))" }.joined(separator: ",") + "\n"
        }
        try grid.write(to: Self.folder.appendingPathComponent("grid.csv"), atomically: true, encoding: .utf8)
        for (name, arguments, files) in Self.quickPaths {
            let out = Self.folder.appendingPathComponent("quick-\(name)")
            try succeed(arguments + ["--out", out.path, "--quiet"])
            for file in files + ["run.json", name == "spectrum" ? "decay.json" : "summary.json"]
            where !name.hasPrefix("spectrum-") || file != "summary.json" {
                let size =
                    (try? FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(file).path)[.size]
                        as? Int) ?? 0
                XCTAssertGreaterThan(size ?? 0, 0, "\(name) did not write \(file)")
            }
            // The record lists every file with its digest; rerun writes the same bytes elsewhere.
            let recorded = try recordedFiles(out)
            XCTAssertEqual(Set(recorded.keys), Set(try fileDigests(out).keys), "\(name): run.json lists every file")
            let again = Self.folder.appendingPathComponent("rerun-\(name)")
            try succeed([
                "rerun", out.appendingPathComponent("run.json").path, "--out", again.path, "--quiet", "--threads", "1",
            ])
            XCTAssertEqual(try fileDigests(again), try fileDigests(out), "\(name): rerun wrote different bytes")
        }
    }

    /// The demo is library code made of the others; each part's run.json reruns that part to the same bytes.
    func testDemoAndItsParts() throws {
        let out = Self.folder.appendingPathComponent("demo")
        try succeed(["demo", "--out", out.path, "--quiet"])
        for part in ["exp1", "exact1d", "exact2d"] {
            let again = Self.folder.appendingPathComponent("demo-rerun-\(part)")
            try succeed(["rerun", out.appendingPathComponent("\(part)/run.json").path, "--out", again.path, "--quiet"])
            var expected = try fileDigests(out.appendingPathComponent(part))
            if part == "exact2d" { expected["weights.safetensors"] = nil }  // the input, not an output, of that part
            XCTAssertEqual(try fileDigests(again), expected, part)
        }
        let summary = try String(contentsOf: out.appendingPathComponent("exact1d/summary.json"), encoding: .utf8)
        XCTAssertTrue(summary.contains("\"bounds_hold\" : true"), "the theorem's bounds hold on the demo's net")
    }

    /// A sweep split into shards and merged writes the unsharded run's bytes, whatever the split (N = 1, 3, 7),
    /// for every kind of sweep: nets over a grid (1-D and 2-D), exp7's three sweeps, exp6's cells and exp1's runs.
    func testShardedSweepMergesToTheUnshardedBytes() throws {
        let sweeps: [(String, [String])] = [
            (
                "scaling1d",
                ["scaling1d", "--depths", "2,3", "--widths", "8,16,24", "--seeds", "2", "--inits", "pytorch,he"]
            ),
            ("scaling2d", ["scaling2d", "--depths", "2,3", "--widths", "6,8", "--seeds", "2", "--inits", "pytorch"]),
            ("exp7", ["exp7", "--steps", "60"]),
            ("exp6", ["exp6", "--iterations", "20", "--frequencies", "30,60", "--curves", "0,3"]),
            ("exp1", ["exp1", "--iterations", "60", "--record-every", "20", "--runs", "7"]),
        ]
        for (name, sweep) in sweeps {
            let whole = Self.folder.appendingPathComponent("sweep-\(name)-whole")
            try succeed(sweep + ["--quiet", "--out", whole.path])
            for count in [1, 3, 7] {
                let shards = (0..<count).map {
                    Self.folder.appendingPathComponent("sweep-\(name)-\(count)-shard-\($0)")
                }
                for (k, shard) in shards.enumerated() {
                    try succeed(sweep + ["--quiet", "--shard", "\(k)/\(count)", "--out", shard.path])
                }
                let merged = Self.folder.appendingPathComponent("sweep-\(name)-\(count)-merged")
                try succeed(["merge", "--out", merged.path, "--quiet"] + shards.map(\.path))
                XCTAssertEqual(try fileDigests(merged), try fileDigests(whole), "\(name), \(count) shards")
            }
        }
    }

    /// `spectral slurm` writes scripts that, run as Slurm runs them (each array task with its SLURM_ARRAY_TASK_ID,
    /// then the merge), produce the unsharded result; no Slurm needed (CI also runs them on a real cluster).
    func testSlurmScriptsRunByHandGiveTheUnshardedResult() throws {
        let sweep = ["scaling1d", "--depths", "2,3", "--widths", "8,16,24", "--seeds", "2", "--inits", "pytorch"]
        let whole = Self.folder.appendingPathComponent("slurm-whole")
        try succeed(sweep + ["--quiet", "--out", whole.path])
        let work = Self.folder.appendingPathComponent("slurm-work")
        let written = try succeed(
            ["slurm"] + sweep + ["--tasks", "4", "--time", "0:10:00", "--mem", "1G", "--out", work.path])
        XCTAssertTrue(written.stdout.contains("12 points in 4 tasks"), written.stdout)
        let array = try String(contentsOf: work.appendingPathComponent("array.sh"), encoding: .utf8)
        for line in ["#SBATCH --array=0-3", "#SBATCH --requeue", "#SBATCH --time=0:10:00", "#SBATCH --mem=1G"] {
            XCTAssertTrue(array.contains(line), "array.sh lacks \(line)")
        }
        XCTAssertTrue(
            try String(contentsOf: work.appendingPathComponent("submit.sh"), encoding: .utf8).contains(
                "--dependency=afterok"))
        for task in 0..<4 {
            let run = try Subprocess.run(
                "/bin/bash", [work.appendingPathComponent("array.sh").path], timeout: 300,
                environment: ["SLURM_ARRAY_TASK_ID": "\(task)", "PATH": "/usr/bin:/bin"])
            XCTAssertEqual(run.exitCode, 0, "task \(task): \(run.stderr)")
        }
        let merge = try Subprocess.run("/bin/bash", [work.appendingPathComponent("merge.sh").path], timeout: 300)
        XCTAssertEqual(merge.exitCode, 0, merge.stderr)
        XCTAssertEqual(try fileDigests(work.appendingPathComponent("result")), try fileDigests(whole))
    }

    /// Re-running a finished sweep over its folder reuses every point (nothing is computed again).
    func testResumeReusesFinishedPoints() throws {
        let sweep = [
            "scaling1d", "--depths", "2,3", "--widths", "8,16", "--seeds", "1", "--inits", "pytorch", "--quiet",
        ]
        let out = Self.folder.appendingPathComponent("resume")
        try succeed(sweep + ["--out", out.path])
        let first = try fileDigests(out)
        try succeed(sweep + ["--out", out.path])
        let record =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("run.json")))
            as? [String: Any]
        let points = record?["points"] as? [String: Any]
        XCTAssertEqual(points?["computed"] as? Int, 0)
        XCTAssertEqual(points?["reused"] as? Int, 4)
        XCTAssertEqual(try fileDigests(out), first)
    }

    func testHelpVersionAndCompletion() throws {
        let help = try succeed(["help"])
        for name in ["demo", "train", "exp1", "exact1d", "regions2d", "rerun", "merge", "completion"] {
            XCTAssertTrue(help.stdout.contains("  \(name)"), "help lists \(name)")
        }
        XCTAssertTrue(try succeed(["help", "exp1"]).stdout.contains("--record-every"))
        XCTAssertTrue(
            try succeed(["exact2d", "--weights", "x", "--help"]).stdout.contains("--polygon"), "--help anywhere")
        XCTAssertTrue(try succeed(["--version"]).stdout.hasPrefix("spectral "))
        for shell in ["bash", "zsh"] {
            let script = try succeed(["completion", shell]).stdout
            XCTAssertTrue(script.contains("--record-every") && script.contains("paper notebook quick"), shell)
            let file = Self.folder.appendingPathComponent("completion.\(shell)")
            try script.write(to: file, atomically: true, encoding: .utf8)
            if shell == "bash" {
                let check = try Subprocess.run("/bin/bash", ["-n", file.path])
                XCTAssertEqual(check.exitCode, 0, "bash -n: \(check.stderr)")
            }
        }
    }
}

/// `spectral profile`, as a user runs it: its files, a trace that parses as Trace Event JSON with one named track
/// per thread, operations that add up to the step (within 5%), and the sweep's table.
final class ProfileCommandTests: XCTestCase {
    func testProfileFilesTraceAndAccounting() throws {
        let out = scratchFolder("profile").appendingPathComponent("p")
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent()) }
        try succeed([
            "profile", "--width", "64", "--depth", "4", "--steps", "60", "--threads", "2", "--widths", "16,32",
            "--sample-counts", "50", "--thread-counts", "1,2", "--out", out.path, "--quiet",
        ])
        for file in [
            "profile.csv", "summary.json", "trace.json", "roofline.png", "roofline.svg", "breakdown.png",
            "efficiency.csv",
            "efficiency.png", "run.json",
        ] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        let trace =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("trace.json")))
            as? [String: Any]
        let events = try XCTUnwrap(trace?["traceEvents"] as? [[String: Any]])
        let complete = events.filter { $0["ph"] as? String == "X" }
        XCTAssertFalse(complete.isEmpty)
        for e in complete {
            XCTAssertNotNil(e["name"] as? String)
            XCTAssertNotNil(e["ts"] as? Double)
            XCTAssertNotNil(e["dur"] as? Double)
            XCTAssertGreaterThanOrEqual(e["dur"] as? Double ?? -1, 0)
        }
        let named = Set(events.filter { $0["ph"] as? String == "M" }.compactMap { $0["tid"] as? Int })
        XCTAssertEqual(named, [0, 1], "one named track per thread")
        XCTAssertEqual(Set(complete.compactMap { $0["tid"] as? Int }), [0, 1])
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json")))
            as? [String: Any]
        let accounted = try XCTUnwrap(summary?["accounted_fraction"] as? Double)
        XCTAssertEqual(accounted, 1, accuracy: 0.05, "the operations add up to the step")
        // A worker's time is its tasks, spinning and sleep, leaving out only the few reads between them; so its
        // three shares of the profiled steps add up to about one. The lower bound leaves room for the worker being
        // preempted between spans on a loaded two-core machine; shares of the whole run (the unprofiled rounds
        // in between) add up to about a half.
        let shares = try ["thread_busy_fraction", "thread_spin_fraction", "thread_sleep_fraction"].map {
            try XCTUnwrap(summary?[$0] as? [Double])
        }
        XCTAssertEqual(shares.map(\.count), [2, 2, 2])
        let worker = shares.map { $0[1] }.reduce(0, +)
        XCTAssertTrue((0.7...1.05).contains(worker), "worker's task + spin + sleep shares add up to \(worker)")
        let efficiency = try String(contentsOf: out.appendingPathComponent("efficiency.csv"), encoding: .utf8).split(
            separator: "\n")
        XCTAssertEqual(efficiency.first, "width,samples,threads,steps_per_second,gflops,fraction_of_peak")
        XCTAssertEqual(efficiency.count, 5)
        // On 2 threads the step is fused and per-layer rows are the calling thread's share: a layer whose tasks the
        // other thread happened to take has no row. The rows there must be right; all of them must be there on 1.
        try checkFlopsPerCall(
            out.appendingPathComponent("profile.csv"), sizes: [1, 64, 64, 64, 1], rows: 200, everyRow: false)
        let single = out.deletingLastPathComponent().appendingPathComponent("single")
        try succeed([
            "profile", "--width", "64", "--depth", "4", "--steps", "20", "--threads", "1", "--out", single.path,
            "--quiet",
        ])
        try checkFlopsPerCall(
            single.appendingPathComponent("profile.csv"), sizes: [1, 64, 64, 64, 1], rows: 200, everyRow: true)

        // One list alone sweeps; the others hold at the run's own --samples and --threads.
        let one = out.deletingLastPathComponent().appendingPathComponent("one")
        try succeed([
            "profile", "--width", "32", "--depth", "3", "--steps", "20", "--widths", "8,16,24",
            "--out", one.path, "--quiet",
        ])
        let rows = try String(contentsOf: one.appendingPathComponent("efficiency.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
        XCTAssertEqual(rows, ["8,200,2", "16,200,2", "24,200,2"])
    }

    /// Every GEMM row's FLOPs per call is the closed form 2 · rows · fan-in · fan-out of its layer; with `everyRow`,
    /// every layer's forward and ∂W and all but the first layer's ∂X have a row.
    func checkFlopsPerCall(_ csv: URL, sizes: [Int], rows: Int, everyRow: Bool) throws {
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").dropFirst()
        var checked = 0
        for line in lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard ["forward GEMM + bias/ReLU", "backward dW GEMM", "backward dX GEMM + ReLU mask"].contains(cells[0]),
                let layer = Int(cells[1]), layer >= 0, let flops = Double(cells[5])
            else { continue }
            XCTAssertEqual(flops, Double(2 * rows * sizes[layer] * sizes[layer + 1]), "\(cells[0]) of layer \(layer)")
            checked += 1
        }
        if everyRow {
            XCTAssertEqual(
                checked, 3 * (sizes.count - 1) - 1, "forward and dW for every layer, dX for all but the first")
        }
    }
}
