import Foundation
import SpectralCore

/// A minimal PNG encoder: 8-bit RGB, no filtering, one zlib stream compressed by `Deflate` (fixed Huffman code,
/// matches against the previous pixel and the row above). No dependency beyond Foundation.
enum PNGEncoder {
    static func encode(width: Int, height: Int, rgb: [UInt8]) -> Data {
        precondition(rgb.count == width * height * 3, "PNG pixel buffer does not match its size")
        var raw = [UInt8]()
        raw.reserveCapacity((width * 3 + 1) * height)
        for y in 0..<height {
            raw.append(0)  // filter type: none
            raw.append(contentsOf: rgb[(y * width * 3)..<((y + 1) * width * 3)])
        }
        var out = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = [UInt8]()
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // 8 bits, RGB, deflate, no filter method extras, no interlace
        out.append(chunk("IHDR", header))
        out.append(chunk("IDAT", zlib(raw, rowBytes: width * 3 + 1)))
        out.append(chunk("IEND", []))
        return out
    }

    private static func zlib(_ data: [UInt8], rowBytes: Int) -> [UInt8] {
        [0x78, 0x01] + Deflate.compress(data, distances: [3, rowBytes]) + bigEndian(adler32(data))
    }

    private static func chunk(_ type: String, _ body: [UInt8]) -> Data {
        let typed = Array(type.utf8) + body
        return Data(bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed)))
    }

    private static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 { CRC32.checksum(bytes) }

    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for chunkStart in stride(from: 0, to: bytes.count, by: 5552) {
            for x in bytes[chunkStart..<min(bytes.count, chunkStart + 5552)] {
                a += UInt32(x)
                b += a
            }
            a %= 65521
            b %= 65521
        }
        return (b << 16) | a
    }
}
