import Foundation
import SpectralCore

public enum SpectralVersion {
    public static let string = "0.2.0"
}

/// `run.json`: what produced a folder of results, generated from the encoded configuration. It is the one file of
/// a result that depends on the run rather than the configuration (wall time, timings, machine); `files` lists the
/// digest of every other file, so two runs that wrote the same bits have the same `files`.
struct RunRecord<Configuration: Encodable>: Encodable {
    let command: [String]
    let experiment: String
    let configuration: Configuration
    let seed: UInt64?
    let threads: Int
    let package = "SpectralBias"
    let version = SpectralVersion.string
    let build = BuildInfo()
    let cpu = CPUInfo()
    let started: String
    let wallSeconds: Double
    let timings: [String: Double]
    let inputs: [InputRecord]
    let points: PointsRecord?
    let shards: [ShardSource]?
    let files: [FileRecord]
}

/// The fields `rerun` and `merge` read back (the rest is for people).
struct RunRecordEnvelope<Configuration: Decodable>: Decodable {
    let experiment: String
    let configuration: Configuration
    let inputs: [InputRecord]
    let points: PointsRecord?
}

struct RunRecordHeader: Decodable {
    let experiment: String
}

public struct InputRecord: Codable, Sendable, Equatable {
    public let path: String
    public let bytes: Int
    public let sha256: String

    static func of(_ path: String) throws -> InputRecord {
        let (digest, bytes) = try InputFileReader.digest(URL(fileURLWithPath: path))
        return InputRecord(path: path, bytes: bytes, sha256: digest)
    }
}

/// A shard folder a merged result was made from.
struct ShardSource: Codable, Sendable {
    let folder: String
    let shard: Shard?
    let points: Int
}

struct BuildInfo: Encodable {
    #if DEBUG
    let configuration = "debug"
    #else
    let configuration = "release"
    #endif
    #if arch(x86_64)
    let target = "x86_64, -march=x86-64-v3 (AVX2, FMA)"
    #else
    let target = "native"
    #endif
    #if compiler(>=6.3)
    let swift = "6.3 or later"
    #else
    let swift = "before 6.3"
    #endif
}

struct CPUInfo: Encodable {
    let model: String
    let cores: Int

    init() {
        let text = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        model =
            line.map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
            ?? "unknown"
        cores = ProcessInfo.processInfo.activeProcessorCount
    }
}
