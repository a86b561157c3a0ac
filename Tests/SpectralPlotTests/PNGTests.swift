import XCTest
import Foundation
import SpectralPlot

/// The PNG writer's bytes decoded by an inflater written here from RFC 1951 (fixed-Huffman blocks, which is all the
/// encoder emits): the decoded scanlines must equal the canvas, and every chunk's CRC must match.
final class PNGTests: XCTestCase {
    func testPicturesDecodeToTheirPixels() throws {
        let plot = linePlot(title: "test", series: [Series(name: "a", x: [1, 2, 3], y: [3, 1, 2])], xLabel: "x", yLabel: "y",
                            width: 300, height: 200)
        let map = heatMap(title: "t", values: [[0, 1], [2, 3]], xValues: [0, 1], yValues: [0, 1], xLabel: "x",
                          yLabel: "y", colorLabel: "v", width: 320, height: 240)
        for canvas in [plot, map] {
            let png = [UInt8](canvas.pngData())
            XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            var offset = 8, idat: [UInt8] = [], width = 0, height = 0
            while offset < png.count {
                let length = Int(be32(png, offset))
                let type = String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self)
                let body = Array(png[(offset + 8)..<(offset + 8 + length)])
                XCTAssertEqual(be32(png, offset + 8 + length), crc32(Array(png[(offset + 4)..<(offset + 8)]) + body), type)
                if type == "IHDR" { width = Int(be32(body, 0)); height = Int(be32(body, 4)) }
                if type == "IDAT" { idat += body }
                offset += 12 + length
            }
            XCTAssertEqual(width, canvas.width)
            XCTAssertEqual(height, canvas.height)
            let raw = try inflate(Array(idat.dropFirst(2).dropLast(4)))
            XCTAssertEqual(raw.count, (width * 3 + 1) * height)
            var mismatches = 0
            for y in 0..<height {
                XCTAssertEqual(raw[y * (width * 3 + 1)], 0, "filter byte of row \(y)")
                for x in 0..<width {
                    let i = y * (width * 3 + 1) + 1 + 3 * x
                    if RGB(raw[i], raw[i + 1], raw[i + 2]) != canvas.pixel(x, y) { mismatches += 1 }
                }
            }
            XCTAssertEqual(mismatches, 0, "decoded pixels differ from the canvas")
            XCTAssertEqual(be32(Array(idat.suffix(4)), 0), adler32(raw))
            XCTAssertTrue(png.count < raw.count / 5, "compression ratio \(raw.count / png.count)")
        }
    }

    /// Text and shapes outside the canvas are clipped, not a crash (a long title once was).
    func testDrawingOutsideTheCanvasIsClipped() {
        let canvas = Canvas(width: 40, height: 30)
        canvas.text(String(repeating: "a very long title ", count: 20), x: 20, y: 5, anchor: .center)
        canvas.fill(x: 100, y: 100, width: 5, height: 5, .black)
        canvas.fill(x: -50, y: -50, width: 10, height: 10, .black)
        canvas.line(-100, -100, 500, 500, .black, thickness: 3)
        _ = linePlot(title: String(repeating: "long ", count: 100), series: [Series(name: "s", x: [1, 2], y: [1, 2])],
                     xLabel: "x", yLabel: "y", width: 200, height: 150)
        XCTAssertEqual(canvas.pixel(0, 0), .black)
    }

    func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for x in bytes { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return b << 16 | a
    }

    struct InflateError: Error {}

    /// Inflates fixed-Huffman deflate blocks (BTYPE = 01) and stored blocks (BTYPE = 00).
    func inflate(_ input: [UInt8]) throws -> [UInt8] {
        var position = 0
        func bit() throws -> Int {
            guard position / 8 < input.count else { throw InflateError() }
            defer { position += 1 }
            return Int(input[position / 8] >> UInt8(position % 8)) & 1
        }
        func bits(_ n: Int) throws -> Int { var v = 0; for i in 0..<n { v |= try bit() << i }; return v }
        func code(_ n: Int) throws -> Int { var v = 0; for _ in 0..<n { v = v << 1 | (try bit()) }; return v }
        func symbol() throws -> Int {
            var v = try code(7)
            if v <= 0b0010111 { return 256 + v }
            v = v << 1 | (try bit())
            if v >= 0x30 && v <= 0xBF { return v - 0x30 }
            if v >= 0xC0 && v <= 0xC7 { return 280 + v - 0xC0 }
            v = v << 1 | (try bit())
            return 144 + v - 0x190
        }
        let lengthBase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
        let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        let distanceBase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
        let distanceExtra = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
        var out: [UInt8] = []
        var final = 0
        repeat {
            final = try bit()
            let type = try bits(2)
            if type == 0 {
                position = (position + 7) / 8 * 8
                let length = try bits(16); _ = try bits(16)
                for _ in 0..<length { out.append(UInt8(try bits(8))) }
                continue
            }
            guard type == 1 else { throw InflateError() }
            while true {
                let s = try symbol()
                if s < 256 { out.append(UInt8(s)); continue }
                if s == 256 { break }
                let length = lengthBase[s - 257] + (try bits(lengthExtra[s - 257]))
                let d = try code(5)
                let distance = distanceBase[d] + (try bits(distanceExtra[d]))
                guard distance <= out.count else { throw InflateError() }
                for _ in 0..<length { out.append(out[out.count - distance]) }
            }
        } while final == 0
        return out
    }
}
