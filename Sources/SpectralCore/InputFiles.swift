import Foundation

/// Opens and reads input files with the checks every reader needs before it parses: the path is a regular file
/// (not a folder, a FIFO that would block forever, or a device such as /dev/zero that never ends), and it is no
/// larger than the limit its reader states. Errors name the file: I/O problems exit 74, a file of the wrong kind or
/// size 65.
public enum InputFileReader {
    /// The whole file, at most `limit` bytes.
    public static func read(_ url: URL, limit: Int, kind: String) throws -> [UInt8] {
        let (descriptor, size) = try openRegularFile(url)
        defer { close(descriptor) }
        guard size <= limit else {
            throw SpectralError.badInput(
                "\(url.path) has \(size) bytes; a \(kind) file is read only up to \(formatBytes(Double(limit)))")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + done, size - done) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw SpectralError.io("cannot read \(url.path): it ended after \(done) of \(size) bytes")
            }
            done += got
        }
        return bytes
    }

    /// SHA-256 of a file in hex, and its size (streamed: any size).
    public static func digest(_ url: URL) throws -> (sha256: String, bytes: Int) {
        let (descriptor, _) = try openRegularFile(url)
        defer { close(descriptor) }
        var hasher = SHA256()
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress!, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw SpectralError.io("cannot read \(url.path)") }
            if got == 0 { break }
            chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            total += got
        }
        return (hasher.finish().map { String($0, radix: 16).leftPadded(to: 2) }.joined(), total)
    }

    /// A descriptor of a regular file and its size; anything else is refused before a byte is read.
    public static func openRegularFile(_ url: URL) throws -> (descriptor: Int32, size: Int) {
        let path = url.path
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw SpectralError.io("cannot open \(path): \(reason.prefix(1).lowercased() + reason.dropFirst())")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            close(descriptor)
            throw SpectralError.io("cannot inspect \(path)")
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            close(descriptor)
            let what =
                type == S_IFDIR
                ? "a folder"
                : type == S_IFIFO
                    ? "a FIFO (named pipe)"
                    : type == S_IFCHR ? "a character device" : type == S_IFSOCK ? "a socket" : "not a regular file"
            throw SpectralError.badInput("\(path) is \(what), not a regular file")
        }
        return (descriptor, Int(info.st_size))
    }
}
