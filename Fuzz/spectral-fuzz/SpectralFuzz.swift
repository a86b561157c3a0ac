import Foundation
import SpectralCommandLine
import SpectralCore
import SpectralExact
import SpectralExperiments
import SpectralNetworks

/// The readers a fuzzer drives: every input is handed to one of them, which must return or throw, never crash,
/// hang or allocate without bound.
enum FuzzTarget: String, CaseIterable {
    case safetensors, csv, idx, gzip, onnx
    case runRecord = "run-record"
    case options

    /// Hands `bytes` to the reader; returns its refusal, or nil when it accepted them.
    @discardableResult
    func consume(_ bytes: [UInt8]) -> Error? {
        do {
            try read(bytes)
            return nil
        } catch { return error }
    }

    private func read(_ bytes: [UInt8]) throws {
        switch self {
        case .safetensors:
            _ = try NetworkTensors(try Safetensors.parse(Data(bytes), name: "input"), source: "input")
        case .onnx:
            let network = try PiecewiseLinearNetwork.lower(try ONNXModel.parse(bytes))
            if network.outputCount > 0 {
                _ = try network.selecting(.index(0)).evaluate([Double](repeating: 0.5, count: network.inputCount))
            }
        case .csv:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw SpectralError.badInput("input is not UTF-8")
            }
            _ = try NumericCSV.parse(text, name: "input")
        case .idx:
            // Labels (1 dimension) or images (3); accepted when either reading succeeds.
            if (try? IDXFile.parse(bytes, name: "input", dimensions: 1)) != nil { return }
            _ = try IDXFile.parse(bytes, name: "input", dimensions: 3)
        case .gzip:
            _ = try? Inflate.inflate(bytes, limit: 64 << 20)  // the raw stream reader too, for coverage
            _ = try Inflate.gunzip(bytes, limit: 64 << 20)
        case .runRecord:
            _ = SpectralProgram.standard
            try RunRecordReader.check(Data(bytes), name: "input")
        case .options:
            // Words separated by NUL bytes: a command line, parsed and validated but never run.
            let words = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            _ = try SpectralProgram.standard.request(words)
        }
    }
}

#if FUZZING
/// libFuzzer's driver (the program's main hands over to it).
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

nonisolated(unsafe) var fuzzTarget = FuzzTarget.safetensors

/// SwiftPM names an executable's entry point `<target>_main`; here it runs libFuzzer on the reader named by
/// SPECTRAL_FUZZ_TARGET, with libFuzzer's own options (-max_total_time=60, -rss_limit_mb=1024, corpus folders …).
@_cdecl("spectral_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    let name = ProcessInfo.processInfo.environment["SPECTRAL_FUZZ_TARGET"] ?? "safetensors"
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(
            Data("SPECTRAL_FUZZ_TARGET must be one of \(FuzzTarget.allCases.map(\.rawValue))\n".utf8))
        return 64
    }
    fuzzTarget = target
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments) { data, size in
        fuzzTarget.consume(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
}
#else
/// Without libFuzzer: `spectral-fuzz TARGET FILE|FOLDER…` replays every file through the reader. Given one file,
/// it also says whether the reader accepted it: exit 0, or exit 65 with the reader's refusal.
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(
                Data(
                    "usage: spectral-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE|FOLDER...\n"
                        .utf8))
            exit(64)
        }
        var (count, refusal): (Int, Error?) = (0, nil)
        for path in arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            let files =
                isFolder.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                refusal = target.consume([UInt8](data))
                count += 1
            }
        }
        print("\(name): \(count) inputs replayed")
        if count == 1, let refusal {
            FileHandle.standardError.write(Data("spectral-fuzz: \(refusal)\n".utf8))
            exit(65)
        }
    }
}
#endif
