import Foundation
import SpectralCore
import SpectralNetworks
import XCTest

/// Bad invocations of the binary: each gets its exit code (64 usage, 65 data, 74 I/O) and one sentence on stderr
/// naming the option or file, never a crash or a half-written folder.
final class BadInputTests: XCTestCase {
    static var folder = scratchFolder("bad")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    override class func setUp() {
        super.setUp()
        let data = folder.appendingPathComponent("two-inputs.csv")
        try? writeTwoInputData(data)
        _ = try? spectral(["train", "--steps", "5", "--width", "8", "--depth", "2", "--out", path("net1d"), "--quiet"])
        _ = try? spectral([
            "train", "--data", data.path, "--steps", "5", "--width", "8", "--depth", "2", "--out", path("net2d"),
            "--quiet",
        ])
        let data3 = folder.appendingPathComponent("three-inputs.csv")
        try? writeThreeInputData(data3)
        _ = try? spectral([
            "train", "--data", data3.path, "--steps", "5", "--width", "8", "--depth", "2", "--out", path("net3d"),
            "--quiet",
        ])
        let files: [(String, String)] = [
            ("garbage.safetensors", "this is not a safetensors file at all"),
            ("nan.csv", "x\n1\nnan\n2\n3\n"), ("ragged.csv", "1,2,3\n4,5\n"), ("empty.csv", "# nothing\n"),
            ("good.csv", "0\n1\n0\n-1\n0\n1\n0\n-1\n"), ("bad.json", "{ not json"),
            ("unknown.json", "{\"experiment\": \"exp99\", \"configuration\": {}, \"inputs\": []}"),
            (
                "wrongfield.json",
                "{\"experiment\": \"exp7\", \"configuration\": {\"preset\": \"quick\", \"steps\": \"many\"}, \"inputs\": []}"
            ),
            ("notes/keep.txt", "the user's own file"), ("a-file", "x"),
        ]
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try? FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? text.write(to: url, atomically: true, encoding: .utf8)
        }
        try? Data([0xFF, 0xFE, 0x00, 0x31, 0x0A]).write(to: folder.appendingPathComponent("binary.csv"))
        mkfifo(path("fifo"), 0o644)
        // The folding net of depth 40 (a tent map composed 39 times: 2³⁹ + 1 kinks).
        var tensors: [String: Tensor] = [
            "0.weight": Tensor(dtype: .f64, shape: [2, 1], values: [1, 1]),
            "0.bias": Tensor(dtype: .f64, shape: [2], values: [0, -0.5]),
        ]
        for l in 1..<39 {
            tensors["\(2 * l).weight"] = Tensor(dtype: .f64, shape: [2, 2], values: [2, -4, 2, -4])
            tensors["\(2 * l).bias"] = Tensor(dtype: .f64, shape: [2], values: [0, -0.5])
        }
        tensors["78.weight"] = Tensor(dtype: .f64, shape: [1, 2], values: [2, -4])
        tensors["78.bias"] = Tensor(dtype: .f64, shape: [1], values: [0])
        try? Safetensors.serialize(tensors).write(to: folder.appendingPathComponent("folding40.safetensors"))
        try? FileManager.default.createDirectory(atPath: path("a-folder"), withIntermediateDirectories: true)
        writeBadMNISTFolders()
    }

    /// MNIST folders that are wrong in one way each: garbage images, 3 images but 2 labels, 28 × 27 pixels, label 12.
    static func writeBadMNISTFolders() {
        func idx(_ type: UInt8, _ dimensions: [UInt32], _ body: [UInt8]) -> Data {
            var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
            for d in dimensions { bytes += withUnsafeBytes(of: d.bigEndian, Array.init) }
            return Data(bytes + body)
        }
        let images = { (n: UInt32, columns: UInt32) in
            idx(0x08, [n, 28, columns], [UInt8](repeating: 7, count: Int(n * 28 * columns)))
        }
        let folders: [(String, Data, Data)] = [
            ("mnist-garbage", Data("not an IDX file".utf8), idx(0x08, [2], [3, 8])),
            ("mnist-mismatch", images(3, 28), idx(0x08, [2], [3, 8])),
            ("mnist-shape", images(2, 27), idx(0x08, [2], [3, 8])),
            ("mnist-label", images(2, 28), idx(0x08, [2], [3, 12])),
        ]
        for (name, imageData, labelData) in folders {
            try? FileManager.default.createDirectory(atPath: path(name), withIntermediateDirectories: true)
            try? imageData.write(to: folder.appendingPathComponent("\(name)/t10k-images-idx3-ubyte"))
            try? labelData.write(to: folder.appendingPathComponent("\(name)/t10k-labels-idx1-ubyte"))
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    /// (arguments, exit code, a word the message must contain)
    static var table: [([String], Int32, String)] {
        let (w1, w2, out) = (path("net1d/weights.safetensors"), path("net2d/weights.safetensors"), path("out"))
        let w3 = path("net3d/weights.safetensors")
        let pentagram = "0:1,0.588:-0.809,-0.951:0.309,0.951:0.309,-0.588:-0.809"
        return [
            ([], 64, "no command"), (["frobnicate"], 64, "unknown command 'frobnicate'"),
            (["exp1"], 64, "--out is required"),
            (["exp1", "--out"], 64, "--out needs a value"),
            (["exp1", "--out", "--quiet"], 64, "'--quiet' is an option"),
            (["exp1", "--out", ""], 64, "non-empty"), (["exp1", "--preset", "huge", "--out", out], 64, "--preset"),
            (["exp1", "--iterations", "0", "--out", out], 64, "--iterations"),
            (["exp1", "--iterations", "1e19", "--out", out], 64, "--iterations"),
            (["exp1", "--runs", "-3", "--out", out], 64, "--runs"),
            (["exp7", "--preset", "notebook", "--out", out], 64, "exp7 has no notebook preset (it has paper, quick)"),
            (["exp1", "--seed", "-1", "--out", out], 64, "--seed"),
            (["exp1", "--seed", "nan", "--out", out], 64, "--seed"),
            (["exp1", "--threads", "0", "--out", out], 64, "--threads"),
            (["exp1", "--threads", "1000", "--out", out], 64, "--threads"),
            (["exp1", "--shard", "3/2", "--out", out], 64, "--shard"),
            (["exp1", "--shard", "a/b", "--out", out], 64, "--shard"),
            (["exp1", "--record-every", "10", "--record-every", "20", "--out", out], 64, "given twice"),
            (["exp1", "--per-run=yes", "--out", out], 64, "takes no value"),
            (["exp1", "--itrations", "5", "--out", out], 64, "did you mean --iterations"),
            (
                ["train", "--data", path("good.csv"), "--freqs", "1,2", "--out", out], 64,
                "--freqs has no effect with --data"
            ),
            (["train", "--phases", "1,2", "--phase-seed", "3", "--out", out], 64, "cannot be given together"),
            (["train", "--momentum", "0.5", "--out", out], 64, "--momentum"),
            (["train", "--lr", "0", "--out", out], 64, "--lr"),
            (["train", "--lr", "inf", "--out", out], 64, "--lr"),
            (["train", "--width", "65537", "--out", out], 64, "--width"),
            (["train", "--depth", "0", "--out", out], 64, "--depth"),
            (["train", "--width", "65536", "--depth", "64", "--out", out], 64, "memory"),
            (["train", "--amplitudes", "1,2", "--out", out], 64, "--amplitudes"),
            (["exact1d", "--weights", w1, "--freqs", "0:1e19:1", "--out", out], 64, "--freqs"),
            (["exact1d", "--weights", w1, "--freqs", "0:1:1e-320", "--out", out], 64, "--freqs"),
            (["exact1d", "--weights", w1, "--freqs", "0,1", "--out", out], 64, "--freqs"),
            (["exact1d", "--weights", w1, "--interval", "1:0", "--out", out], 64, "--interval"),
            (["exact1d", "--weights", w1, "--interval", "a:b", "--out", out], 64, "--interval"),
            (["regions2d", "--weights", w2, "--box", "1:1,0:1", "--out", out], 64, "--box"),
            (
                ["regions2d", "--weights", w2, "--box", "-1:1,-1:1", "--polygon", "0:0,1:0,0:1", "--out", out], 64,
                "cannot be given together"
            ),
            (["regions2d", "--weights", w2, "--polygon", "0:0,1:1", "--out", out], 64, "at least 3 corners"),
            (["regions2d", "--weights", w2, "--polygon", pentagram, "--out", out], 64, "not a simple polygon"),
            (
                ["regions2d", "--weights", w2, "--polygon", "0:0,1:0,0.2:0.2,0:1", "--out", out], 64,
                "not strictly convex"
            ),
            (
                ["exact2d", "--weights", w2, "--freqs", "1:2", "--grid", "4:5", "--out", out], 64,
                "cannot be given together"
            ),
            (["exact2d", "--weights", w2, "--grid", "4:2000", "--out", out], 64, "--grid"),
            (["exact2d", "--weights", w2, "--radii", "10:1:5", "--out", out], 64, "--radii"),
            (["exact2d", "--weights", w2, "--freqs", "1:2,x", "--out", out], 64, "--freqs"),
            (
                ["spectrum", "--input", path("good.csv"), "--grid", "--column", "2", "--out", out], 64,
                "--column has no effect"
            ),
            (["spectrum", "--input", path("good.csv"), "--interval", "1:1", "--out", out], 64, "--interval"),
            (["scaling1d", "--depths", "1,2", "--out", out], 64, "--depths"),
            (["scaling1d", "--depths", "1:1e19:1", "--out", out], 64, "--depths"),
            (
                ["exact1d", "--weights", path("folding40.safetensors"), "--max-pieces", "100000", "--out", out], 1,
                "--max-pieces 100000"
            ),
            (["regions2d", "--weights", w2, "--max-regions", "3", "--out", out], 1, "more than --max-regions 3"),
            (["regions3d", "--weights", w3, "--max-cells", "3", "--out", out], 1, "more than --max-cells 3"),
            (["regions3d", "--weights", w3, "--slices", "w=1", "--out", out], 64, "--slices"),
            (["regions3d", "--weights", w3, "--slices", "z=3", "--out", out], 64, "outside the box"),
            (["regions3d", "--weights", w3, "--box", "0:1,0:1", "--out", out], 64, "--box"),
            (["regions3d", "--weights", w3, "--box", "0:1,0:1,1:1", "--out", out], 64, "is empty"),
            (["regions3d", "--weights", w2, "--out", out], 65, "2 inputs"),
            (["exact3d", "--weights", w3, "--grid", "4:40", "--out", out], 64, "at most 33"),
            (["regions3d", "--weights", w3, "--half-spaces", "1:0:0:-3", "--out", out], 64, "the polytope is empty"),
            (["regions3d", "--weights", w3, "--half-spaces", "0:0:0:1", "--out", out], 64, "--half-spaces"),
            (["regions3d", "--weights", w3, "--half-spaces", "1:2:3", "--out", out], 64, "--half-spaces"),
            (["exact3d", "--weights", w3, "--radii", "5:1:3", "--out", out], 64, "--radii"),
            (["exact3d", "--weights", w3, "--sphere-radius", "-1", "--out", out], 64, "--sphere-radius"),
            (["exact3d", "--weights", w3, "--edges", "21", "--out", out], 64, "--edges"),
            (["scaling1d", "--inits", "he,he", "--out", out], 64, "twice"),
            (["scaling1d", "--widths", "0", "--out", out], 64, "--widths"),
            (["completion", "fish"], 64, "bash or zsh"),
            (["help", "nothing"], 64, "unknown command 'nothing'"), (["rerun"], 64, "RUN_JSON"),
            (["merge", "--out", out], 64, "SHARD_DIR"),
            (["exp7", "--steps", "10", "--out", path("notes")], 64, "did not write"),
            (["exp7", "--steps", "10", "--out", path("a-file")], 64, "is a file"),
            (["exact1d", "--weights", w2, "--out", out], 65, "2 inputs"),
            (["regions2d", "--weights", w1, "--out", out], 65, "1 input;"),
            (["exact1d", "--weights", "/dev/zero", "--out", out], 65, "character device"),
            (["exact1d", "--weights", path("a-folder"), "--out", out], 65, "a folder"),
            (["exact1d", "--weights", path("fifo"), "--out", out], 65, "FIFO"),
            (["exact1d", "--weights", path("garbage.safetensors"), "--out", out], 65, "garbage.safetensors"),
            (["spectrum", "--input", path("nan.csv"), "--out", out], 65, "nan.csv line 3"),
            (["spectrum", "--input", path("binary.csv"), "--out", out], 65, "UTF-8"),
            (["spectrum", "--input", path("empty.csv"), "--out", out], 65, "no data rows"),
            (["train", "--data", path("ragged.csv"), "--out", out], 65, "ragged.csv line 2"),
            (["exp2", "--weights", w2, "--out", out], 65, "exp2 needs 1 → 1"),
            (["rerun", path("bad.json"), "--out", out], 65, "bad.json"),
            (["rerun", path("unknown.json"), "--out", out], 65, "exp99"),
            (["rerun", path("wrongfield.json"), "--out", out], 65, "steps"),
            (["exact1d", "--weights", "/nonexistent/w.safetensors", "--out", out], 74, "/nonexistent/w.safetensors"),
            (["spectrum", "--input", "/nonexistent.csv", "--out", out], 74, "/nonexistent.csv"),
            (["exp7", "--steps", "10", "--out", "/proc/spectral-test/out"], 74, "/proc"),
            (["exp3", "--out", out], 64, "--mnist is required"),
            (["exp5", "--curves", "4,4", "--out", out], 64, "distinct L"),
            (["exp5", "--curves", "-1", "--out", out], 64, "--curves"),
            (["exp6", "--validation-fraction", "0.95", "--out", out], 64, "--validation-fraction"),
            (["exp6", "--threshold", "nan", "--out", out], 64, "--threshold"),
            (["exp6", "--frequencies", "0", "--out", out], 64, "--frequencies"),
            (["paths", "--out", out], 64, "give --mnist DIR or --curve L"),
            (["paths", "--curve", "4", "--out", out], 64, "--curve needs --weights"),
            (["paths", "--curve", "4", "--mnist", path("a-folder"), "--out", out], 64, "cannot be given together"),
            (
                ["paths", "--curve", "4", "--weights", path("net2d/weights.safetensors"), "--lr", "nan", "--out", out],
                64, "--lr"
            ),
            (["paths", "--curve", "4", "--weights", path("net1d/weights.safetensors"), "--out", out], 65, "1 inputs"),
            (["paths", "--curve", "4", "--weights", path("garbage.safetensors"), "--out", out], 65, "garbage"),
            (
                [
                    "paths", "--curve", "4", "--weights", path("net2d/weights.safetensors"), "--train-steps", "9",
                    "--out", out,
                ], 64, "--train-steps has no effect"
            ),
            (["exp3", "--mnist", path("a-folder"), "--out", out], 64, "no MNIST file t10k-images-idx3-ubyte"),
            (
                ["exp3", "--mnist", path("mnist-mismatch"), "--classes", "3,3", "--out", out], 64,
                "two different digits"
            ),
            (["exp3", "--mnist", path("mnist-mismatch"), "--classes", "3,10", "--out", out], 64, "--classes"),
            (["exp3", "--mnist", path("mnist-mismatch"), "--settings", "1:nan", "--out", out], 64, "--settings"),
            (["exp3", "--mnist", path("mnist-garbage"), "--out", out], 65, "t10k-images-idx3-ubyte"),
            (["exp3", "--mnist", path("mnist-mismatch"), "--out", out], 65, "has 3 images but"),
            (["exp3", "--mnist", path("mnist-shape"), "--out", out], 65, "28 × 27"),
            (["exp3", "--mnist", path("mnist-label"), "--out", out], 65, "label 12"),
            (["exp4", "--mnist", path("mnist-mismatch"), "--sigma", "0", "--out", out], 64, "--sigma"),
            (
                ["exp4", "--mnist", path("mnist-mismatch"), "--sigma", "wide", "--out", out], 64,
                "positive number or median"
            ),
            (
                ["exp4", "--mnist", path("mnist-mismatch"), "--noise", "white,white", "--out", out], 64,
                "lists white twice"
            ),
            (
                ["exp4", "--mnist", path("mnist-mismatch"), "--noise", "pink", "--out", out], 64,
                "must list white or high"
            ),
            (
                ["exp4", "--mnist", path("mnist-mismatch"), "--iterations", "5", "--record-every", "9", "--out", out],
                64, "record"
            ),
            (["exp4", "--mnist", path("mnist-shape"), "--out", out], 65, "28 × 27"),
            (["slurm", "--tasks", "3", "--out", out], 64, "COMMAND"),
            (["slurm", "scaling1d", "--out", out], 64, "--tasks is required"),
            (["slurm", "exp7", "--steps", "10", "--tasks", "0", "--out", out], 64, "--tasks"),
            (["slurm", "exact1d", "--weights", w1, "--tasks", "2", "--out", out], 64, "single unit of work"),
            (
                ["slurm", "scaling1d", "--shard", "1/2", "--tasks", "2", "--out", out], 64,
                "--shard is set by spectral slurm"
            ),
            (
                [
                    "slurm", "scaling1d", "--depths", "2", "--widths", "8", "--seeds", "1", "--inits", "he", "--tasks",
                    "2", "--out", out,
                ], 64, "single unit"
            ),
            (["slurm", "exp7", "--steps", "10", "--tasks", "500", "--out", out], 64, "exceeds the"),
            (["slurm", "scaling1d", "--widths", "0", "--tasks", "2", "--out", out], 64, "--widths"),
            (["slurm", "frobnicate", "--tasks", "2", "--out", out], 64, "needs a sweep command"),
            (["slurm", "exp7", "--tasks", "2", "--time", "1 h", "--out", out], 64, "--time"),
            (["slurm", "exp7", "--preset", "notebook", "--tasks", "2", "--out", out], 64, "exp7 has no notebook"),
        ]
    }

    func testEveryBadInvocationGetsItsCodeAndOneSentence() throws {
        XCTAssertGreaterThanOrEqual(Self.table.count, 40)
        for (arguments, code, mention) in Self.table {
            let outcome = try spectral(arguments, timeout: 30)
            let shown = "spectral \(arguments.joined(separator: " "))"
            XCTAssertEqual(outcome.exitCode, code, "\(shown): \(outcome.stderr)")
            let lines = outcome.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(shown): one line on stderr, got \(outcome.stderr)")
            XCTAssertTrue(outcome.stderr.contains(mention), "\(shown): '\(outcome.stderr)' does not mention \(mention)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("out")), "\(shown) left an output folder")
        }
        XCTAssertEqual(try String(contentsOfFile: Self.path("notes/keep.txt"), encoding: .utf8), "the user's own file")
    }

    /// A GEMM kernel the environment names but that does not exist is refused before any work, not measured as the
    /// default; a name in capitals and an empty value are fine.
    func testUnknownGEMMKernelInTheEnvironmentIsRefused() throws {
        let out = Self.path("out")
        let train = ["train", "--steps", "5", "--width", "8", "--depth", "2", "--quiet", "--out", out]
        let refused = try Subprocess.run(
            spectralExecutable, train, timeout: 30, environment: ["SPECTRAL_GEMM_KERNEL": "avx1024"])
        XCTAssertEqual(refused.exitCode, 64, refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("SPECTRAL_GEMM_KERNEL is 'avx1024'"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a refused run left an output folder")
        for value in ["AVX2", ""] {
            let run = try Subprocess.run(
                spectralExecutable, ["--version"], timeout: 30, environment: ["SPECTRAL_GEMM_KERNEL": value])
            XCTAssertEqual(run.exitCode, 0, "SPECTRAL_GEMM_KERNEL=\(value): \(run.stderr)")
        }
    }
}
