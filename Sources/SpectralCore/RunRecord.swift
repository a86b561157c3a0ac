import Foundation

public enum SpectralVersion {
    public static let string = "0.1.0"
}

/// `run.json`: what produced a folder of results — the command line, the full resolved configuration (preset
/// included), seed, thread count, package version and wall time.
public struct RunRecord {
    public var command: [String]
    public var configuration: [String: Any]
    public var seed: UInt64?
    public var threads: Int
    public var started = Date()
    private let startSeconds = ProcessInfo.processInfo.systemUptime

    public init(command: [String], configuration: [String: Any], seed: UInt64?, threads: Int) {
        self.command = command
        self.configuration = configuration
        self.seed = seed
        self.threads = threads
    }

    public func write(to directory: URL, results: [String: Any] = [:]) throws {
        var object: [String: Any] = [
            "command": command,
            "configuration": configuration,
            "threads": threads,
            "package": "SpectralBias",
            "version": SpectralVersion.string,
            "started": ISO8601DateFormatter().string(from: started),
            "wall_seconds": ProcessInfo.processInfo.systemUptime - startSeconds,
        ]
        if let seed { object["seed"] = seed }
        if !results.isEmpty { object["results"] = results }
        try writeJSON(object, to: directory.appendingPathComponent("run.json"))
    }
}

/// Writes a JSON object (sorted keys, pretty) atomically. Non-finite numbers become null.
public func writeJSON(_ object: [String: Any], to url: URL) throws {
    let data = try JSONSerialization.data(withJSONObject: sanitizedForJSON(object), options: [.prettyPrinted, .sortedKeys])
    try AtomicFile.write(data + Data("\n".utf8), to: url)
}

private func sanitizedForJSON(_ value: Any) -> Any {
    switch value {
    case let d as Double: return d.isFinite ? d : NSNull()
    case let f as Float: return f.isFinite ? Double(f) : NSNull()
    case let u as UInt64: return NSNumber(value: u)
    case let a as [Any]: return a.map(sanitizedForJSON)
    case let o as [String: Any]: return o.mapValues(sanitizedForJSON)
    default: return value
    }
}
