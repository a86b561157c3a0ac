import Foundation
import SpectralCore
import SpectralKernels
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
    /// The files written, relative to this folder, in order, with their digests (taken from the bytes written).
    public private(set) var written: [FileRecord] = []
    /// Threads for encoding large tables.
    public let pool: ThreadPool

    /// A folder written in place (tests, notebooks); commands get theirs from the driver, staged.
    public init(destination: URL, location: URL, pool: ThreadPool = ThreadPool(threadCount: 1)) throws {
        self.destination = destination
        self.location = location
        self.pool = pool
        try makeDirectories(location)
    }

    public func url(_ name: String) -> URL { location.appendingPathComponent(name) }

    public func write(_ data: Data, _ name: String) throws {
        try AtomicFile.write(data, to: url(name))
        written.append(FileRecord(name: name, bytes: data.count, sha256: SHA256.hex(data)))
    }

    public func write(_ table: CSVTable, _ name: String) throws { try write(Data(table.bytes), name) }

    /// A table of `count` rows, encoded in chunks across the pool (the bytes do not depend on the split).
    public func writeTable(_ header: [String], count: Int, _ name: String, row: (Int) -> [CSVValue]) throws {
        let chunks = pool.mapChunks(count: count, chunkSize: 8192) { range in
            CSVTable(header: header).encodedRows(range, row)
        }
        var table = CSVTable(header: header)
        for chunk in chunks { table.append(encoded: chunk) }
        try write(table, name)
    }

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
        try OutputFolder(destination: destination.appendingPathComponent(name), location: url(name), pool: pool)
    }

    /// Name, size and SHA-256 of every file written, for run.json (two runs with the same digests wrote the same bits).
    func fileRecords() -> [FileRecord] { written }
}

public struct FileRecord: Codable, Sendable, Equatable {
    public let name: String
    public let bytes: Int
    public let sha256: String
}
