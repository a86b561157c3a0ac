import Foundation
import SpectralCommandLine
import SpectralCore

/// The points of `--through`: rows of a CSV file, rows of a 2-D (or more: each row flattened) `.npy` array of
/// float64 or float32, or `idx:FILE:I,J,K`, images I, J, K of an IDX file scaled by 1/255 (pixels in [0, 1], as
/// MNIST models take them).
enum SlicePoints {
    static func read(_ argument: String) throws -> [[Double]] {
        if argument.hasPrefix("idx:") { return try idxImages(String(argument.dropFirst(4))) }
        let url = URL(fileURLWithPath: argument)
        if url.pathExtension.lowercased() == "npy" {
            return try npy(InputFileReader.read(url, limit: 1 << 28, kind: "NumPy"), name: url.lastPathComponent)
        }
        return try NumericCSV.read(url).rows
    }

    private static func idxImages(_ spec: String) throws -> [[Double]] {
        guard let colon = spec.lastIndex(of: ":"),
            let list = try? IntegerList(argument: String(spec[spec.index(after: colon)...]))
        else { throw SpectralError.usage("--through idx:FILE:I,J,K needs a file and image numbers") }
        let idx = try IDXFile.read(URL(fileURLWithPath: String(spec[..<colon])), dimensions: 3)
        let (count, size) = (idx.dimensions[0], idx.dimensions[1] * idx.dimensions[2])
        return try list.values.map { i in
            guard (0..<count).contains(i) else {
                throw SpectralError.usage("--through asks for image \(i) of an IDX file with \(count) images")
            }
            return idx.bytes[(i * size)..<((i + 1) * size)].map { Double($0) / 255 }
        }
    }

    /// NumPy's .npy format: magic "\x93NUMPY", version, header length (2 bytes in 1.0, 4 in 2.0 and 3.0), a
    /// Python dict literal with 'descr', 'fortran_order' and 'shape', then the data.
    static func npy(_ bytes: [UInt8], name: String) throws -> [[Double]] {
        guard bytes.count >= 10, bytes.starts(with: [0x93] + Array("NUMPY".utf8)) else {
            throw SpectralError.badInput("\(name) is not a .npy file")
        }
        let wide = bytes[6] >= 2
        let headerLength =
            wide
            ? Int(bytes[8]) | Int(bytes[9]) << 8 | (bytes.count > 11 ? Int(bytes[10]) << 16 | Int(bytes[11]) << 24 : 0)
            : Int(bytes[8]) | Int(bytes[9]) << 8
        let start = wide ? 12 : 10
        guard start + headerLength <= bytes.count else { throw SpectralError.badInput("\(name) is truncated") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        let size: Int
        if header.contains("'<f8'") {
            size = 8
        } else if header.contains("'<f4'") {
            size = 4
        } else {
            throw SpectralError.badInput("\(name) does not hold little-endian float64 or float32 values")
        }
        guard header.contains("'fortran_order': False") else {
            throw SpectralError.badInput("\(name) is in Fortran order; save it in C order")
        }
        guard let open = header.firstIndex(of: "("), let close = header.firstIndex(of: ")"), open < close else {
            throw SpectralError.badInput("\(name) has no shape")
        }
        let dims = header[header.index(after: open)..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard let rows = dims.first, dims.count >= 2 else {
            throw SpectralError.badInput("\(name) must hold one point per row (a 2-D array)")
        }
        let width = try checkedCount(dims.dropFirst())
        let data = start + headerLength
        guard bytes.count - data == rows * width * size else {
            throw SpectralError.badInput("\(name) has \(bytes.count - data) bytes of data for shape \(dims)")
        }
        return (0..<rows).map { r in
            (0..<width).map { c in
                var bits: UInt64 = 0
                let at = data + (r * width + c) * size
                for b in 0..<size { bits |= UInt64(bytes[at + b]) << (8 * UInt64(b)) }
                return size == 8 ? Double(bitPattern: bits) : Double(Float(bitPattern: UInt32(bits)))
            }
        }
    }

    private static func checkedCount(_ dims: ArraySlice<Int>) throws -> Int {
        try dims.reduce(1) { product, d in
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            guard !overflow, d >= 0, p < 1 << 26 else { throw SpectralError.badInput("a .npy shape is too large") }
            return p
        }
    }
}
