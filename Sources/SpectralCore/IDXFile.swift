import Foundation

/// The IDX format of MNIST (raw or gzip-compressed): bytes 0–1 zero, byte 2 the element type (0x08: unsigned byte,
/// the only one MNIST uses), byte 3 the number of dimensions, then each dimension as a 32-bit big-endian count, then
/// the data. `idx1` files hold labels [count], `idx3` images [count, rows, columns].
///
/// The reader checks the header before it trusts it: the magic, the type, the dimension count the caller expects,
/// the element count by overflow-checked products against a cap, and that the data is exactly that long (a file
/// larger or shorter than its header says is an error). Errors name the file and the field.
public struct IDXFile: Sendable, Equatable {
    public let dimensions: [Int]
    public let bytes: [UInt8]

    /// No IDX file is read beyond this many data bytes (MNIST's training images are 47 MB).
    public static let dataLimit = 1 << 30

    public static func read(_ url: URL, dimensions expected: Int) throws -> IDXFile {
        let raw = try InputFileReader.read(url, limit: dataLimit + 64, kind: "IDX")
        return try parse(raw, name: url.path, dimensions: expected)
    }

    public static func parse(_ raw: [UInt8], name: String, dimensions expected: Int) throws -> IDXFile {
        var data = raw
        if raw.starts(with: [0x1F, 0x8B]) {
            do { data = try Inflate.gunzip(raw, limit: dataLimit + 64) } catch let failure as Inflate.Failure {
                throw SpectralError.badInput("\(name) \(failure.reason)")
            }
        }
        guard data.count >= 4, data[0] == 0, data[1] == 0 else {
            throw SpectralError.badInput("\(name) is not an IDX file (its first two bytes must be 0)")
        }
        guard data[2] == 0x08 else {
            throw SpectralError.badInput(
                "\(name) holds IDX element type 0x\(String(data[2], radix: 16)); only unsigned bytes (0x08) are read")
        }
        let count = Int(data[3])
        guard count == expected else {
            throw SpectralError.badInput(
                "\(name) has \(count) dimensions; expected \(expected) (\(expected == 1 ? "labels" : "images"))")
        }
        let headerLength = 4 + 4 * count
        guard data.count >= headerLength else { throw SpectralError.badInput("\(name) ends inside its IDX header") }
        var dimensions: [Int] = []
        var elements = 1
        for i in 0..<count {
            let o = 4 + 4 * i
            let d = Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3])
            let (product, overflow) = elements.multipliedReportingOverflow(by: d)
            guard !overflow, product <= dataLimit else {
                throw SpectralError.badInput(
                    "\(name) claims dimensions \(dimensions + [d]), more than \(dataLimit) bytes of data")
            }
            dimensions.append(d)
            elements = product
        }
        guard data.count - headerLength == elements else {
            throw SpectralError.badInput(
                "\(name) has \(data.count - headerLength) data bytes but its header \(dimensions) says \(elements)")
        }
        return IDXFile(dimensions: dimensions, bytes: Array(data[headerLength...]))
    }
}
