/// A small deflate encoder (RFC 1951) for PNG: one block with the fixed Huffman code, and LZ77 matches taken only
/// at two distances — the previous pixel and the same pixel one row up — which is where plots and heat maps
/// repeat themselves. Typically 20–50× smaller than stored blocks for the package's pictures; no zlib needed.
struct Deflate {
    private var out: [UInt8] = []
    private var bitBuffer: UInt32 = 0
    private var bitCount = 0

    static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
        2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
        12, 13, 13,
    ]

    /// The raw deflate stream of `data`; `distances` are the match distances to try (each ≤ 32768).
    static func compress(_ data: [UInt8], distances: [Int]) -> [UInt8] {
        var d = Deflate()
        d.writeBits(1, 1)  // final block
        d.writeBits(1, 2)  // fixed Huffman codes
        var i = 0
        while i < data.count {
            var bestLength = 0
            var bestDistance = 0
            for distance in distances where distance <= i && distance <= 32768 {
                var length = 0
                while length < 258 && i + length < data.count && data[i + length] == data[i + length - distance] {
                    length += 1
                }
                if length > bestLength {
                    bestLength = length
                    bestDistance = distance
                }
            }
            if bestLength >= 3 {
                d.writeMatch(length: bestLength, distance: bestDistance)
                i += bestLength
            } else {
                d.writeLiteral(Int(data[i]))
                i += 1
            }
        }
        d.writeLiteral(256)  // end of block
        if d.bitCount > 0 { d.out.append(UInt8(d.bitBuffer & 0xFF)) }
        return d.out
    }

    private mutating func writeBits(_ value: Int, _ count: Int) {
        bitBuffer |= UInt32(value) << UInt32(bitCount)
        bitCount += count
        while bitCount >= 8 {
            out.append(UInt8(bitBuffer & 0xFF))
            bitBuffer >>= 8
            bitCount -= 8
        }
    }

    /// Huffman codes are defined most-significant bit first; the stream is filled least-significant bit first.
    private mutating func writeCode(_ code: Int, _ length: Int) {
        var reversed = 0
        for b in 0..<length where code & (1 << b) != 0 { reversed |= 1 << (length - 1 - b) }
        writeBits(reversed, length)
    }

    /// Fixed literal/length code: 0–143 → 8 bits from 0x30, 144–255 → 9 bits from 0x190, 256–279 → 7 bits from 0,
    /// 280–287 → 8 bits from 0xC0.
    private mutating func writeLiteral(_ symbol: Int) {
        switch symbol {
        case 0...143: writeCode(0x30 + symbol, 8)
        case 144...255: writeCode(0x190 + symbol - 144, 9)
        case 256...279: writeCode(symbol - 256, 7)
        default: writeCode(0xC0 + symbol - 280, 8)
        }
    }

    private mutating func writeMatch(length: Int, distance: Int) {
        let l = Deflate.lengthBase.lastIndex { $0 <= length }!
        writeLiteral(257 + l)
        writeBits(length - Deflate.lengthBase[l], Deflate.lengthExtra[l])
        let d = Deflate.distanceBase.lastIndex { $0 <= distance }!
        writeCode(d, 5)
        writeBits(distance - Deflate.distanceBase[d], Deflate.distanceExtra[d])
    }
}
