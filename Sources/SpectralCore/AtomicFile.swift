import Foundation

/// Writes files so that an interrupted or failed run never leaves a half-written result: the bytes go to a
/// temporary name in the same folder, which is then renamed over the destination.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try data.write(to: temporary)
            // rename(2) replaces the destination atomically.
            guard rename(temporary.path, url.path) == 0 else {
                throw SpectralError.io("cannot rename \(temporary.path) to \(url.path) (errno \(errno))")
            }
        } catch let error as SpectralError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SpectralError.io("cannot write \(url.path): \(error.localizedDescription)")
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
