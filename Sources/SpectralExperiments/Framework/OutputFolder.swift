import Foundation
import SpectralCore
import SpectralNetworks
import SpectralPlot

/// Where a run writes its files: one writer for CSV, JSON, pictures (PNG and SVG from one figure) and weights.
/// The files go into the staging folder of a `StagedFolder` (or a subfolder of one, for composite runs such as the
/// demo); the driver moves it into place when the run is complete.
public final class OutputFolder {
    /// Where the files will be once the run is committed.
    public let destination: URL
    /// Where they are written now.
    public let location: URL
    /// The files written, relative to this folder, in order.
    public private(set) var written: [String] = []

    /// A folder written in place (tests, notebooks); commands get theirs from the driver, staged.
    public init(destination: URL, location: URL) throws {
        self.destination = destination
        self.location = location
        try makeDirectories(location)
    }

    public func url(_ name: String) -> URL { location.appendingPathComponent(name) }

    public func write(_ data: Data, _ name: String) throws {
        try AtomicFile.write(data, to: url(name))
        written.append(name)
    }

    public func write(_ table: CSVTable, _ name: String) throws { try write(Data(table.bytes), name) }

    public func writeJSON<T: Encodable>(_ value: T, _ name: String) throws { try write(JSONFile.data(value), name) }

    /// `name`.png and `name`.svg.
    public func write(_ figure: Figure, _ name: String) throws {
        try write(figure.pngData(), name + ".png")
        try write(Data(figure.svg().utf8), name + ".svg")
    }

    /// F32 safetensors, as `torch.nn.Sequential` names the tensors.
    public func write(_ net: MLP, _ name: String) throws {
        try write(Safetensors.serialize(net.tensors()), name)
    }

    /// A folder inside this one, for a part of a composite run (written and moved together with it).
    public func subfolder(_ name: String) throws -> OutputFolder {
        try OutputFolder(destination: destination.appendingPathComponent(name), location: url(name))
    }

    /// Name, size and SHA-256 of every file written, for run.json (two runs with the same digests wrote the same bits).
    func fileRecords() -> [FileRecord] {
        written.compactMap { name in
            guard let data = FileManager.default.contents(atPath: url(name).path) else { return nil }
            return FileRecord(name: name, bytes: data.count, sha256: SHA256.hex(data))
        }
    }
}

public struct FileRecord: Codable, Sendable, Equatable {
    public let name: String
    public let bytes: Int
    public let sha256: String
}
