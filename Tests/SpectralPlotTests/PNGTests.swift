import Foundation
import SpectralPlot
import XCTest

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The PNG writer's bytes decoded by an inflater written here from RFC 1951 (fixed-Huffman blocks, which is all the
/// encoder emits): the decoded scanlines must equal the canvas, and every chunk's CRC must match.
final class PNGTests: XCTestCase {
    /// A raster of known pixels (noise, flat runs, a gradient) decodes to exactly those pixels.
    func testRasterDecodesToItsPixels() throws {
        var raster = Raster(width: 97, height: 41)
        var state: UInt32 = 12345
        for y in 0..<raster.height {
            for x in 0..<raster.width {
                state = state &* 1_103_515_245 &+ 12345
                raster[x, y] =
                    y < 10
                    ? RGB(UInt8(state >> 24), UInt8(state >> 16 & 0xFF), UInt8(state >> 8 & 0xFF))
                    : y < 25 ? RGB(10, 200, 30) : RGB(UInt8(x * 2), UInt8(y * 5), 7)
            }
        }
        let (width, height, pixels) = try decode(raster.pngData())
        XCTAssertEqual(width, raster.width)
        XCTAssertEqual(height, raster.height)
        XCTAssertEqual(pixels, raster.pixels, "decoded pixels differ from the raster")
    }

    /// A figure's PNG has the figure's size, a rectangle drawn where it was asked, and compresses well.
    func testFigurePNGHasItsItems() throws {
        var figure = Figure(width: 120, height: 80)
        figure.add(.rectangle(x: 10, y: 20, width: 30, height: 15, fill: RGB(200, 0, 0)))
        let png = figure.pngData()
        let (width, height, pixels) = try decode(png)
        XCTAssertEqual([width, height], [120, 80])
        func pixel(_ x: Int, _ y: Int) -> RGB {
            let i = (y * width + x) * 3
            return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        XCTAssertEqual(pixel(25, 27), RGB(200, 0, 0))
        XCTAssertEqual(pixel(9, 27), .white)
        XCTAssertEqual(pixel(40, 27), .white, "the rectangle ends at x = 40")
        let plot = linePlot(
            title: "test", series: [Series(name: "a", x: [1, 2, 3], y: [3, 1, 2])], xLabel: "x", yLabel: "y",
            width: 300, height: 200
        ).pngData()
        XCTAssertLessThan(plot.count, 300 * 200 * 3 / 5, "compression ratio")
    }

    /// Letters with descenders reach below the baseline and others do not: 'q' must not read as 'a', nor 'g' as '9'.
    func testDescendersReachBelowTheBaseline() throws {
        for (letter, descends) in [
            ("q", true), ("g", true), ("y", true), ("p", true), ("j", true), ("a", false),
            ("9", false), ("o", false),
        ] {
            var figure = Figure(width: 40, height: 40)
            figure.text(letter, x: 5, y: 5, scale: 2)
            let (width, _, pixels) = try decode(figure.pngData())
            // Rows 7 and 8 of the glyph (scale 2): pixel rows 5 + 14 … 5 + 17.
            let below = (19..<23).contains { y in (5..<17).contains { x in pixels[(y * width + x) * 3] < 128 } }
            XCTAssertEqual(below, descends, "'\(letter)' \(descends ? "needs" : "must not have") a descender")
        }
    }

    /// Ticks are round: 1, 2 or 5 × 10ⁿ apart on linear axes (and on log axes narrower than a decade), 1, 2 or 5 ×
    /// 10ⁿ themselves on wider log axes, and their labels are those numbers exactly (no "1706.336" from a
    /// log-spaced grid of cell centres).
    func testTicksAreRoundNumbers() {
        var state: UInt64 = 7
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1
            return Double(state >> 11) * 0x1p-53
        }
        func isOneTwoFive(_ v: Double) -> Bool {
            let mantissa = abs(v) / pow(10, floor(log10(abs(v)) + 1e-9))
            return [1.0, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }
        }
        for _ in 0..<500 {
            let low = (uniform() - 0.5) * pow(10, 8 * uniform() - 4)
            let high = low + pow(10, 8 * uniform() - 4)
            for logarithmic in [false, true] where !logarithmic || low > 0 {
                let axis = Axis(low: low, high: high, logarithmic: logarithmic, label: "")
                let ticks = axis.ticks
                XCTAssertGreaterThanOrEqual(ticks.count, 2, "\(low)…\(high) log \(logarithmic)")
                for tick in ticks {
                    let text = axis.tickText(tick)
                    guard let value = Double(text) else { return XCTFail("tick text '\(text)' is not a number") }
                    XCTAssertEqual(value, tick, accuracy: abs(tick) * 1e-9 + 1e-300, "label \(text) for tick \(tick)")
                }
                let steps = zip(ticks.dropFirst(), ticks).map { $0 - $1 }
                let evenRound =
                    steps.allSatisfy { abs($0 - steps[0]) <= 1e-6 * steps[0] } && steps.first.map(isOneTwoFive) ?? false
                let oneTwoFive = ticks.allSatisfy { $0 != 0 && isOneTwoFive($0) }
                if logarithmic && high / low >= 10 {
                    XCTAssertTrue(oneTwoFive, "log ticks \(ticks) on \(low)…\(high)")
                } else {
                    XCTAssertTrue(
                        evenRound || (logarithmic && oneTwoFive), "ticks \(ticks) on \(low)…\(high) log \(logarithmic)")
                }
            }
        }
    }

    /// The SVG of a plot is well-formed XML, with its title and tick labels as real text elements.
    func testSVGIsXMLWithRealText() throws {
        let figure = heatMap(
            title: "Exp & <test>", values: [[0, 1], [2, 3]], xValues: [10, 20], yValues: [1, 2], xLabel: "k",
            yLabel: "y", colorLabel: "v")
        let svg = figure.svg()
        final class Collector: NSObject, XMLParserDelegate {
            var texts: [String] = [], current = "", elements: [String] = []
            func parser(
                _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]
            ) {
                elements.append(name)
                current = ""
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?)
            {
                if name == "text" { texts.append(current) }
            }
        }
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "SVG is not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        XCTAssertTrue(collector.texts.contains("Exp & <test>"))
        XCTAssertTrue(
            collector.texts.contains("10") && collector.texts.contains("20"), "tick labels \(collector.texts)")
        XCTAssertTrue(collector.elements.contains("image"), "the heat map is an embedded image")
    }

    /// Text and shapes outside the figure are clipped, not a crash (a long title once was).
    func testDrawingOutsideTheFigureIsClipped() throws {
        var figure = Figure(width: 40, height: 30)
        figure.text(String(repeating: "a very long title ", count: 20), x: 20, y: 5, anchor: .middle)
        figure.add(.rectangle(x: 100, y: 100, width: 5, height: 5, fill: .black))
        figure.add(.rectangle(x: -50, y: -50, width: 51, height: 51, fill: .black))
        figure.line(-100, -100, 500, 500, .black, width: 3)
        _ = linePlot(
            title: String(repeating: "long ", count: 100), series: [Series(name: "s", x: [1, 2], y: [1, 2])],
            xLabel: "x", yLabel: "y", width: 200, height: 150
        ).pngData()
        let (_, _, pixels) = try decode(figure.pngData())
        XCTAssertEqual(Array(pixels.prefix(3)), [0, 0, 0])
    }

    /// Width, height and RGB bytes of a PNG made by the encoder, every chunk's CRC and the Adler checksum verified.
    func decode(_ data: Data) throws -> (Int, Int, [UInt8]) {
        let png = [UInt8](data)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var offset = 8
        var idat: [UInt8] = []
        var width = 0
        var height = 0
        while offset < png.count {
            let length = Int(be32(png, offset))
            let type = String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let body = Array(png[(offset + 8)..<(offset + 8 + length)])
            XCTAssertEqual(be32(png, offset + 8 + length), crc32(Array(png[(offset + 4)..<(offset + 8)]) + body), type)
            if type == "IHDR" {
                width = Int(be32(body, 0))
                height = Int(be32(body, 4))
            }
            if type == "IDAT" { idat += body }
            offset += 12 + length
        }
        let raw = try inflate(Array(idat.dropFirst(2).dropLast(4)))
        XCTAssertEqual(raw.count, (width * 3 + 1) * height)
        XCTAssertEqual(be32(Array(idat.suffix(4)), 0), adler32(raw))
        var pixels: [UInt8] = []
        let stride = width * 3 + 1
        for y in 0..<height {
            let start = y * stride
            XCTAssertEqual(raw[start], 0, "filter byte of row \(y)")
            pixels.append(contentsOf: raw[(start + 1)..<(start + stride)])
        }
        return (width, height, pixels)
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
        var a: UInt32 = 1
        var b: UInt32 = 0
        for x in bytes {
            a = (a + UInt32(x)) % 65521
            b = (b + a) % 65521
        }
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
        func bits(_ n: Int) throws -> Int {
            var v = 0
            for i in 0..<n { v |= try bit() << i }
            return v
        }
        func code(_ n: Int) throws -> Int {
            var v = 0
            for _ in 0..<n { v = v << 1 | (try bit()) }
            return v
        }
        func symbol() throws -> Int {
            var v = try code(7)
            if v <= 0b0010111 { return 256 + v }
            v = v << 1 | (try bit())
            if v >= 0x30 && v <= 0xBF { return v - 0x30 }
            if v >= 0xC0 && v <= 0xC7 { return 280 + v - 0xC0 }
            v = v << 1 | (try bit())
            return 144 + v - 0x190
        }
        let lengthBase = [
            3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
            227, 258,
        ]
        let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        let distanceBase = [
            1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
            6145, 8193, 12289, 16385, 24577,
        ]
        let distanceExtra = [
            0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
        ]
        var out: [UInt8] = []
        var final = 0
        repeat {
            final = try bit()
            let type = try bits(2)
            if type == 0 {
                position = (position + 7) / 8 * 8
                let length = try bits(16)
                _ = try bits(16)
                for _ in 0..<length { out.append(UInt8(try bits(8))) }
                continue
            }
            guard type == 1 else { throw InflateError() }
            while true {
                let s = try symbol()
                if s < 256 {
                    out.append(UInt8(s))
                    continue
                }
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
