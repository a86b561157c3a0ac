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

    func consume(_ bytes: [UInt8]) {
        switch self {
        case .safetensors:
            if let tensors = try? Safetensors.parse(Data(bytes), name: "input") {
                _ = try? NetworkTensors(tensors, source: "input")
            }
        case .onnx:
            if let model = try? ONNXModel.parse(bytes), let network = try? PiecewiseLinearNetwork.lower(model),
                network.outputCount > 0, let single = try? network.selecting(.index(0))
            {
                _ = single.evaluate([Double](repeating: 0.5, count: network.inputCount))
            }
        case .csv:
            if let text = String(validating: bytes, as: UTF8.self) { _ = try? NumericCSV.parse(text, name: "input") }
        case .idx:
            for dimensions in [1, 3] { _ = try? IDXFile.parse(bytes, name: "input", dimensions: dimensions) }
        case .gzip:
            _ = try? Inflate.gunzip(bytes, limit: 64 << 20)
            _ = try? Inflate.inflate(bytes, limit: 64 << 20)
        case .runRecord:
            _ = SpectralProgram.standard
            _ = try? RunRecordReader.check(Data(bytes), name: "input")
        case .options:
            // Words separated by NUL bytes: a command line, parsed and validated but never run.
            let words = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            _ = try? SpectralProgram.standard.request(words)
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
/// Without libFuzzer: `spectral-fuzz TARGET FILE|FOLDER…` replays every file through the reader.
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
        var count = 0
        for path in arguments.dropFirst() {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            let files =
                isFolder.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.consume([UInt8](data))
                count += 1
            }
        }
        print("\(name): \(count) inputs replayed")
    }
}
#endif
