import Foundation
import SpectralCore
import SpectralNetworks
import XCTest

/// A deterministic mutation corpus, each input run through the user's command as its own process: every
/// truncation of a small safetensors file, bit flips, hostile header fields, hostile CSV cells and rows, damaged
/// run.json records, damaged IDX and gzip files, and a table of hostile option values given to commands over real
/// weights and samples (so a value that parses reaches the computation). Every case must end with a documented exit
/// code (0, 1, 64, 65, 74) — never a signal — within 10 s and under 1 GiB, and a file that cannot be a valid input
/// (a truncation, a hostile header or cell) must be refused: exit 0 for it fails the test. Bit flips may land in a
/// number and leave a valid file, so they may succeed.
final class MutationCorpusTests: XCTestCase {
    static let folder = scratchFolder("mutations")

    struct Case {
        let name: String
        let arguments: [String]
        /// Whether the input cannot be valid, so exit 0 is a failure.
        var hostile = false
        /// Whether the input is the valid original of its mutations, so anything but exit 0 is a failure.
        var valid = false
    }

    struct Tally {
        var inputs = 0, signals = 0, hangs = 0, badCodes = 0, accepted = 0, slowest = 0.0, peak = 0
        var failures: [String] = []
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: folder)
        super.tearDown()
    }

    func testEveryMutatedInputEndsWithADocumentedCode() throws {
        var cases: [Case] = []
        cases += try safetensorsCases()
        cases += try csvCases()
        cases += try runRecordCases()
        cases += try idxCases()
        cases += try hostileOptionCases()
        let tally = run(cases)
        print(
            String(
                format:
                    "mutation corpus: %d inputs, %d signals, %d hangs, %d undocumented exit codes, slowest %.2f s, peak %.0f MiB",
                tally.inputs, tally.signals, tally.hangs, tally.badCodes, tally.slowest, Double(tally.peak) / 1_048_576)
        )
        XCTAssertGreaterThan(tally.inputs, 1000)
        XCTAssertEqual(tally.signals, 0, tally.failures.prefix(5).joined(separator: "; "))
        XCTAssertEqual(tally.hangs, 0, tally.failures.prefix(5).joined(separator: "; "))
        XCTAssertEqual(tally.badCodes, 0, tally.failures.prefix(5).joined(separator: "; "))
        XCTAssertEqual(tally.accepted, 0, tally.failures.prefix(5).joined(separator: "; "))
        // Sanitizers' shadow memory inflates every resident size; the bound is for the program as users build it.
        XCTAssertLessThan(tally.peak, Subprocess.underSanitizer ? 4 << 30 : 1 << 30, "peak memory of a case")
    }

    /// Runs the cases two at a time and adds up how they ended.
    func run(_ cases: [Case]) -> Tally {
        let lock = NSLock()
        var tally = Tally()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for index in stride(from: worker, to: cases.count, by: 2) {
                let c = cases[index]
                let out = Self.folder.appendingPathComponent("out-\(index)").path
                let arguments =
                    c.arguments.first == "fuzz"
                    ? Array(c.arguments.dropFirst()) : c.arguments + ["--out", out, "--quiet"]
                let executable = c.arguments.first == "fuzz" ? fuzzExecutable : spectralExecutable
                let outcome = try? Subprocess.run(executable, arguments, timeout: Subprocess.underSanitizer ? 60 : 10)
                try? FileManager.default.removeItem(atPath: out)
                lock.lock()
                tally.inputs += 1
                if let o = outcome {
                    tally.slowest = max(tally.slowest, o.seconds)
                    tally.peak = max(tally.peak, o.maxResidentBytes)
                    if o.timedOut {
                        tally.hangs += 1
                        tally.failures.append("\(c.name): hung")
                    } else if let signal = o.signal {
                        tally.signals += 1
                        tally.failures.append("\(c.name): signal \(signal)")
                    } else if ![0, 1, 64, 65, 74].contains(o.exitCode ?? -1) {
                        tally.badCodes += 1
                        tally.failures.append("\(c.name): exit \(o.exitCode ?? -1) \(o.stderr.prefix(200))")
                    } else if c.hostile && o.exitCode == 0 {
                        tally.accepted += 1
                        tally.failures.append("\(c.name): a hostile input was accepted (exit 0)")
                    } else if c.valid && o.exitCode != 0 {
                        tally.failures.append("\(c.name): the valid original was refused: \(o.stderr.prefix(200))")
                    }
                } else {
                    tally.badCodes += 1
                    tally.failures.append("\(c.name): did not start")
                }
                lock.unlock()
            }
        }
        return tally
    }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let url = Self.folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// A valid 1 → 3 → 1 net, then its truncations, bit flips, and headers with hostile fields.
    func safetensorsCases() throws -> [Case] {
        let net = MLP.initialized(sizes: [1, 3, 1], initialization: .pytorch, seed: 1)
        let valid = [UInt8](Safetensors.serialize(net.tensors()))
        var files: [[UInt8]] = (0..<valid.count).map { Array(valid[..<$0]) }
        var hostile = Set(files.indices)
        var rng = SplitMix64(seed: 41)
        for _ in 0..<300 {
            var flipped = valid
            flipped[rng.nextIndex(below: flipped.count)] ^= UInt8(1 << rng.nextIndex(below: 8))
            files.append(flipped)
        }
        func file(_ header: String, data: Int = 0) -> [UInt8] {
            var h = Array(header.utf8)
            while h.count % 8 != 0 { h.append(0x20) }
            return (0..<8).map { UInt8((h.count >> (8 * $0)) & 0xFF) } + h + [UInt8](repeating: 0, count: data)
        }
        let entries = [
            #"{"0.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,16]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[2.5],"data_offsets":[0,4]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"0.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[4,0]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,99999999999]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"0.weight":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            #"{"0.weight":{"dtype":"BF16","shape":[1,1],"data_offsets":[0,2]}}"#, #"{"0.weight":{"shape":[1,1]}}"#,
            #"{"0.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,1e300]}}"#, #"{"__metadata__":{"a":[1,2]}}"#,
            #"{}"#, #"[]"#, #"null"#, String(repeating: "[", count: 100_000), #"{"0.weight":"#, "\u{FEFF}{}",
            #"{"0.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},"0.bias":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
        ]
        for (i, header) in entries.enumerated() {
            // The last header is a valid 1 → 1 net: the control that the others are refused for what they hold.
            if i < entries.count - 1 { hostile.insert(files.count) }
            files.append(file(header, data: i == entries.count - 1 ? 8 : 16))
        }
        hostile.formUnion(files.count..<(files.count + 5))
        files.append(Array(valid.prefix(8)) + valid.dropFirst(8) + [1, 2, 3])  // bytes after the last tensor
        files.append([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F] + valid.dropFirst(8))  // header length 2⁶³ − 1
        files.append([0, 0, 0, 0, 0, 0, 0, 0] + valid.dropFirst(8))  // header length 0
        var nonUTF8 = file(#"{"X.weight":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]}}"#, data: 4)
        nonUTF8[10] = 0xFF
        files.append(nonUTF8)
        var nanValues = valid
        for i in stride(from: valid.count - 4, to: valid.count, by: 1) { nanValues[i] = 0xFF }  // a NaN parameter
        files.append(nanValues)
        return try files.enumerated().map { i, bytes in
            Case(
                name: "safetensors \(i)",
                arguments: ["exact1d", "--weights", try write(bytes, "w\(i).safetensors"), "--freqs", "1:4:1"],
                hostile: hostile.contains(i))
        }
    }

    /// A valid column of samples, then its truncations, bit flips, and hostile cells and rows.
    func csvCases() throws -> [Case] {
        let valid = Array("value\n0\n1\n0.5\n-1\n2\n0\n1\n-0.5\n".utf8)
        var files: [[UInt8]] = (0..<valid.count).map { Array(valid[..<$0]) }
        var rng = SplitMix64(seed: 43)
        for _ in 0..<150 {
            var flipped = valid
            flipped[rng.nextIndex(below: flipped.count)] ^= UInt8(1 << rng.nextIndex(below: 8))
            files.append(flipped)
        }
        let texts = [
            "x\n1\nnan\n2\n3\n", "1\ninf\n2\n3\n", "1\n-inf\n2\n3\n", "1\n1e400\n2\n3\n", "1\n1e-400\n2\n3\n",
            "1\n--1\n2\n3\n",
            "1\n0x10\n2\n3\n", "1\n\n2\n,\n3\n", "1,2\n3\n4,5\n6,7\n", "\u{FEFF}1\n2\n3\n4\n", "1\r\n2\r\n3\r\n4\r\n",
            "1\r2\r3\r4\r", "1\n2\n3\n4", "\"1\"\n2\n3\n4\n", "a,b,c\n", "",
            String(repeating: "1,", count: 100_000) + "1\n", String(repeating: "1", count: 1 << 20) + "\n1\n2\n3\n",
        ]
        // The texts that cannot be a column of at least 4 finite numbers: NaN, ±inf, 1e400, "--1", an empty cell, a
        // ragged row, a header alone, nothing, one row of 100,001 cells, a million-digit number. The others (an
        // underflow to 0, a hexadecimal float as `Double(String)` reads it, a byte-order mark, CRLF or CR line ends,
        // no final newline, a quoted first row taken as a header) are columns a user may mean.
        let refused = [0, 1, 2, 3, 5, 7, 8, 14, 15, 16, 17]
        let hostile = Set(refused.map { $0 + files.count } + [files.count + texts.count])
        files += texts.map { Array($0.utf8) }
        files.append([0x31, 0x0A, 0xFF, 0xFE, 0x0A, 0x32, 0x0A, 0x33, 0x0A])
        return try files.enumerated().map { i, bytes in
            Case(
                name: "csv \(i)", arguments: ["spectrum", "--input", try write(bytes, "s\(i).csv")],
                hostile: hostile.contains(i))
        }
    }

    /// A real run.json (a short exp7), then its truncations, bit flips, and fields of the wrong type or size.
    func runRecordCases() throws -> [Case] {
        let base = Self.folder.appendingPathComponent("base-run")
        try succeed(["exp7", "--steps", "10", "--out", base.path, "--quiet"])
        let valid = [UInt8](try Data(contentsOf: base.appendingPathComponent("run.json")))
        var files: [[UInt8]] = stride(from: 0, to: valid.count, by: 37).map { Array(valid[..<$0]) }
        var hostile = Set(files.indices)
        var rng = SplitMix64(seed: 47)
        for _ in 0..<60 {
            var flipped = valid
            flipped[rng.nextIndex(below: flipped.count)] ^= UInt8(1 << rng.nextIndex(below: 8))
            files.append(flipped)
        }
        let text = String(decoding: valid, as: UTF8.self)
        for (from, to) in [
            ("\"steps\" : 10", "\"steps\" : 1e300"), ("\"steps\" : 10", "\"steps\" : -1"),
            ("\"steps\" : 10", "\"steps\" : \"x\""),
            ("\"steps\" : 10", "\"steps\" : 100000000000"), ("\"experiment\" : \"exp7\"", "\"experiment\" : \"exp99\""),
            ("\"experiment\" : \"exp7\"", "\"experiment\" : 7"), ("\"preset\" : \"quick\"", "\"preset\" : \"huge\""),
            ("\"samples\" : 200", "\"samples\" : 2"), ("\"learning_rate\" : 0.0003", "\"learning_rate\" : -1"),
        ] {
            hostile.insert(files.count)
            files.append(Array(text.replacingOccurrences(of: from, with: to).utf8))
        }
        hostile.insert(files.count)
        files.append(
            Array(("{\"experiment\":\"exp7\",\"configuration\":" + String(repeating: "[", count: 50_000)).utf8))
        return try files.enumerated().map { i, bytes in
            Case(
                name: "run.json \(i)", arguments: ["rerun", try write(bytes, "r\(i).json")],
                hostile: hostile.contains(i))
        }
    }

    /// IDX label and image files, raw and gzipped, truncated and bit-flipped (through spectral-fuzz's replay of the
    /// IDX and gzip readers, one process each, which exits 65 when the reader refuses the file). Every truncation
    /// and a header of absurd dimensions must be refused; a bit flip may land in the data and be accepted.
    func idxCases() throws -> [Case] {
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 10] + (0..<10).map { UInt8($0) }
        let images: [UInt8] =
            [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28] + (0..<(2 * 784)).map { UInt8($0 % 256) }
        let gz = [UInt8](
            try Data(
                contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                    .deletingLastPathComponent().appendingPathComponent("Fixtures/inflate/two_members.gz")))
        var files: [(target: String, bytes: [UInt8], hostile: Bool, valid: Bool)] = []
        for (target, valid) in [("idx", labels), ("idx", images), ("gzip", gz)] {
            files.append((target, valid, false, true))
            for cut in stride(from: 0, to: valid.count, by: max(1, valid.count / 60)) {
                files.append((target, Array(valid[..<cut]), true, false))
            }
            var rng = SplitMix64(seed: UInt64(valid.count))
            for _ in 0..<40 {
                var flipped = valid
                flipped[rng.nextIndex(below: flipped.count)] ^= UInt8(1 << rng.nextIndex(below: 8))
                files.append((target, flipped, false, false))
            }
        }
        files.append(
            ("idx", [0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], true, false))
        return try files.enumerated().map { i, f in
            Case(
                name: "\(f.target) \(i)", arguments: ["fuzz", f.target, try write(f.bytes, "i\(i).bin")],
                hostile: f.hostile, valid: f.valid)
        }
    }

    /// Hostile values for the options of every command: huge, tiny, negative zero, NaN, infinities, empty, a flag, a
    /// megabyte of digits, digits of another script, control characters.
    func hostileOptionCases() throws -> [Case] {
        let (one, two, three, column) = try realInputs()
        // 100 KB: one argument of Linux's exec is at most 128 KiB.
        let values = [
            "1e19", "1e-320", "-0", "nan", "inf", "-inf", "", "--quiet", String(repeating: "9", count: 100_000), "٣",
            "0x10",
            "1_000", "\u{7}", "1:1e19:1", "0:1:1e-320", "-1:-2:1", "1,,2", "9223372036854775808",
        ]
        let options: [[String]] = [
            ["exp1", "--iterations"], ["exp1", "--runs"], ["exp1", "--seed"], ["exp1", "--threads"],
            ["exp1", "--record-every"],
            ["exp1", "--shard"], ["train", "--lr"], ["train", "--width"], ["train", "--freqs"],
            ["train", "--batch-size"],
            ["exact1d", "--weights", one, "--freqs"], ["exact1d", "--weights", one, "--interval"],
            ["exact1d", "--weights", one, "--max-pieces"],
            ["exact2d", "--weights", two, "--grid"], ["exact2d", "--weights", two, "--radii"],
            ["regions2d", "--weights", two, "--box"],
            ["regions2d", "--weights", two, "--polygon"], ["scaling1d", "--depths"], ["scaling2d", "--widths"],
            ["regions3d", "--weights", three, "--box"], ["regions3d", "--weights", three, "--slices"],
            ["exp7", "--steps"],
            ["spectrum", "--input", column, "--interval"], ["spectrum", "--input", column, "--column"],
        ]
        // Options that keep a run short when the hostile value happens to be valid (never the option under test).
        // The 2-D and 3-D commands' defaults are quick on nets this small.
        let fast: [String: [String]] = [
            "exp1": ["--iterations", "10"], "exp7": ["--steps", "10"], "train": ["--steps", "2", "--width", "8"],
            "scaling1d": ["--widths", "8", "--depths", "2"], "scaling2d": ["--widths", "6", "--depths", "2"],
        ]
        return options.flatMap { option in
            let extra = (fast[option[0]] ?? []).chunked2.filter { $0[0] != option.last }.flatMap { $0 }
            return values.map {
                Case(name: "\(option.joined(separator: " ")) \($0.prefix(20))", arguments: option + [$0] + extra)
            }
        }
    }
}

extension MutationCorpusTests {
    /// Small trained nets of 1, 2 and 3 inputs and a column of samples: the real inputs the option cases run on.
    func realInputs() throws -> (String, String, String, String) {
        let two = Self.folder.appendingPathComponent("two.csv")
        let three = Self.folder.appendingPathComponent("three.csv")
        try writeTwoInputData(two)
        try writeThreeInputData(three)
        var weights: [String] = []
        for (name, data) in [("net1", [String]()), ("net2", ["--data", two.path]), ("net3", ["--data", three.path])] {
            let out = Self.folder.appendingPathComponent(name)
            try succeed(["train", "--steps", "2", "--width", "8", "--depth", "2", "--out", out.path, "--quiet"] + data)
            weights.append(out.appendingPathComponent("weights.safetensors").path)
        }
        let column = Self.folder.appendingPathComponent("column.csv")
        try (0..<64).map { String(sin(Double($0) * 0.3)) }.joined(separator: "\n").write(
            to: column, atomically: true, encoding: .utf8)
        return (weights[0], weights[1], weights[2], column.path)
    }
}

/// The spectral-fuzz executable beside the tests (its replay mode runs one reader on a file).
let fuzzExecutable: String = URL(fileURLWithPath: spectralExecutable).deletingLastPathComponent()
    .appendingPathComponent("spectral-fuzz").path

extension Array where Element == String {
    /// Consecutive pairs (an option and its value).
    var chunked2: [[String]] { stride(from: 0, to: count, by: 2).map { Array(self[$0..<Swift.min($0 + 2, count)]) } }
}
