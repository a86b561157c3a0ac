import CSpectralSystem
import Foundation

/// A result folder written beside its destination and moved into place only when complete, so the destination
/// always holds a complete result set or none, whatever interrupts the run.
///
///     parent/
///       NAME/            the destination: untouched until `commit`
///       .NAME.partial/   the staging folder: every file of the run, points/ and checkpoint/ kept for a resume
///         .lock          the pid of the process writing it
///
/// `commit` exchanges the two folders atomically (renameat2 RENAME_EXCHANGE) and deletes the old one. A destination
/// that exists must be empty or a previous result (it holds run.json): a folder of other files is never replaced.
public final class StagedFolder {
    public let destination: URL
    public let staging: URL
    private var committed = false

    /// Folders inside the staging folder that survive an interrupted run (they let the next run resume).
    public static let resumable = ["points", "checkpoint"]

    public init(destination: URL) throws {
        let destination = destination.standardizedFileURL
        self.destination = destination
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SpectralError.usage("--out \(destination.path) is a file, not a folder")
            }
            let contents = (try? manager.contentsOfDirectory(atPath: destination.path)) ?? []
            if !contents.isEmpty && !contents.contains("run.json") {
                let shown = contents.sorted().prefix(2).map { "'\($0)'" }.joined(separator: ", ")
                throw SpectralError.usage(
                    "--out \(destination.path) already holds files that spectral did not write (\(shown)); give a new or empty folder"
                )
            }
        }
        let parent = destination.deletingLastPathComponent()
        staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial")
        try makeDirectories(staging)
        try takeLock()
        try clearStaleFiles()
    }

    deinit { if !committed { try? FileManager.default.removeItem(at: lockURL) } }

    private var lockURL: URL { staging.appendingPathComponent(".lock") }

    private func takeLock() throws {
        for _ in 0..<2 {
            let descriptor = open(lockURL.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 {
                let text = "\(getpid())\n"
                _ = text.withCString { write(descriptor, $0, strlen($0)) }
                close(descriptor)
                return
            }
            guard errno == EEXIST else { throw SpectralError.io("cannot create \(lockURL.path)") }
            let owner = (try? String(contentsOf: lockURL, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if let owner, owner != getpid(), kill(owner, 0) == 0 || errno == EPERM {
                throw SpectralError.runtime("another spectral process (pid \(owner)) is writing \(destination.path)")
            }
            try? FileManager.default.removeItem(at: lockURL)
        }
        throw SpectralError.io("cannot lock \(staging.path)")
    }

    /// Files a previous, interrupted run left outside the resumable folders are stale.
    private func clearStaleFiles() throws {
        let manager = FileManager.default
        for name in (try? manager.contentsOfDirectory(atPath: staging.path)) ?? []
        where name != ".lock" && !StagedFolder.resumable.contains(name) {
            try? manager.removeItem(at: staging.appendingPathComponent(name))
        }
    }

    /// Moves the staging folder into place (the destination's previous contents are deleted).
    public func commit() throws {
        let manager = FileManager.default
        try? manager.removeItem(at: lockURL)
        if !manager.fileExists(atPath: destination.path) {
            guard rename(staging.path, destination.path) == 0 else { throw renameError() }
        } else if spectral_exchange_paths(staging.path, destination.path) == 0 {
            try? manager.removeItem(at: staging)
        } else {
            let old = destination.deletingLastPathComponent().appendingPathComponent(
                ".\(destination.lastPathComponent).old-\(getpid())")
            guard rename(destination.path, old.path) == 0 else { throw renameError() }
            guard rename(staging.path, destination.path) == 0 else {
                _ = rename(old.path, destination.path)
                throw renameError()
            }
            try? manager.removeItem(at: old)
        }
        committed = true
    }

    /// Leaves the destination as it was. The staging folder keeps its resumable folders when they hold anything,
    /// and is removed otherwise. Returns whether something was kept.
    @discardableResult
    public func abandon() -> Bool {
        let manager = FileManager.default
        try? clearStaleFiles()
        try? manager.removeItem(at: lockURL)
        committed = true
        let kept = StagedFolder.resumable.contains { name in
            !((try? manager.contentsOfDirectory(atPath: staging.appendingPathComponent(name).path)) ?? []).isEmpty
        }
        if !kept { try? manager.removeItem(at: staging) }
        return kept
    }

    private func renameError() -> SpectralError {
        SpectralError.io("cannot move \(staging.path) to \(destination.path): \(String(cString: strerror(errno)))")
    }
}

/// mkdir -p, with the system's reason in the error ("cannot create /proc/x: no such file or directory").
public func makeDirectories(_ url: URL) throws {
    var path = ""
    for component in url.standardizedFileURL.pathComponents {
        path = path.isEmpty ? component : (path == "/" ? "/" + component : path + "/" + component)
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            let reason = String(cString: strerror(errno))
            throw SpectralError.io("cannot create \(path): \(reason.prefix(1).lowercased() + reason.dropFirst())")
        }
    }
}
