/// Decompression of deflate streams (RFC 1951) and gzip files (RFC 1952), for reading MNIST's `.gz` files without
/// zlib. Every step is checked, so a malformed or hostile stream is an error, never a crash or a runaway: reads
/// past the end, code-length sets that are over-subscribed or incomplete, distances before the start of the output,
/// and output beyond `limit` bytes. Huffman codes are decoded canonically, a bit at a time with the count of codes of
/// each length (the method of Mark Adler's "puff"): short, and plenty fast for a few tens of megabytes.
public enum Inflate {
    public struct Failure: Error, Equatable {
        public let reason: String
    }

    /// The bytes of a gzip file (one or more members), each member's CRC-32 and length checked.
    public static func gunzip(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        var position = 0
        repeat {
            guard input.count - position >= 18, input[position] == 0x1F, input[position + 1] == 0x8B else {
                throw Failure(reason: output.isEmpty ? "is not a gzip file" : "has bytes after its last gzip member")
            }
            guard input[position + 2] == 8 else {
                throw Failure(reason: "uses a gzip compression method other than deflate")
            }
            let flags = input[position + 3]
            var cursor = position + 10
            func need(_ n: Int) throws {
                guard cursor + n <= input.count else { throw Failure(reason: "ends inside its gzip header") }
            }
            if flags & 4 != 0 {
                try need(2)
                let extra = Int(input[cursor]) | Int(input[cursor + 1]) << 8
                cursor += 2
                try need(extra)
                cursor += extra
            }
            for bit: UInt8 in [8, 16] where flags & bit != 0 {
                while true {
                    try need(1)
                    cursor += 1
                    if input[cursor - 1] == 0 { break }
                }
            }
            if flags & 2 != 0 {
                try need(2)
                cursor += 2
            }
            let start = output.count
            var reader = BitReader(input, position: cursor)
            try inflate(&reader, into: &output, limit: limit)
            cursor = reader.bytePosition
            guard cursor + 8 <= input.count else { throw Failure(reason: "ends before its gzip trailer") }
            let crc =
                UInt32(input[cursor]) | UInt32(input[cursor + 1]) << 8 | UInt32(input[cursor + 2]) << 16 | UInt32(
                    input[cursor + 3]) << 24
            let size =
                UInt32(input[cursor + 4]) | UInt32(input[cursor + 5]) << 8 | UInt32(input[cursor + 6]) << 16 | UInt32(
                    input[cursor + 7]) << 24
            guard CRC32.checksum(output[start...]) == crc else {
                throw Failure(reason: "fails its gzip CRC check (it is damaged)")
            }
            guard UInt32(truncatingIfNeeded: output.count - start) == size else {
                throw Failure(reason: "has the wrong length in its gzip trailer")
            }
            position = cursor + 8
        } while position < input.count
        return output
    }

    /// A raw deflate stream.
    public static func inflate(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var reader = BitReader(input, position: 0)
        var output: [UInt8] = []
        try inflate(&reader, into: &output, limit: limit)
        return output
    }

    static func inflate(_ reader: inout BitReader, into output: inout [UInt8], limit: Int) throws {
        var last = false
        while !last {
            last = try reader.bits(1) == 1
            switch try reader.bits(2) {
            case 0: try stored(&reader, into: &output, limit: limit)
            case 1: try codes(&reader, Huffman.fixedLengths, Huffman.fixedDistances, into: &output, limit: limit)
            case 2:
                let (lengths, distances) = try dynamicTables(&reader)
                try codes(&reader, lengths, distances, into: &output, limit: limit)
            default: throw Failure(reason: "has a deflate block of the reserved type 3")
            }
        }
        reader.alignToByte()
    }

    private static func stored(_ reader: inout BitReader, into output: inout [UInt8], limit: Int) throws {
        reader.alignToByte()
        let length = try reader.bits(16)
        let complement = try reader.bits(16)
        guard length == ~complement & 0xFFFF else {
            throw Failure(reason: "has a stored block whose length check fails")
        }
        guard output.count + length <= limit else { throw tooLarge(limit) }
        for _ in 0..<length { output.append(UInt8(try reader.bits(8))) }
    }

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ]
    private static let lengthExtra = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
        1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
        12, 13, 13,
    ]

    private static func codes(
        _ reader: inout BitReader, _ lengths: Huffman, _ distances: Huffman, into output: inout [UInt8],
        limit: Int
    ) throws {
        while true {
            let symbol = try lengths.decode(&reader)
            if symbol < 256 {
                guard output.count < limit else { throw tooLarge(limit) }
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let index = symbol - 257
            guard index < 29 else { throw Failure(reason: "has an invalid length code \(symbol)") }
            let length = lengthBase[index] + (try reader.bits(lengthExtra[index]))
            let d = try distances.decode(&reader)
            guard d < 30 else { throw Failure(reason: "has an invalid distance code \(d)") }
            let distance = distanceBase[d] + (try reader.bits(distanceExtra[d]))
            guard distance <= output.count else {
                throw Failure(reason: "refers to \(distance) bytes back, before the start of the data")
            }
            guard output.count + length <= limit else { throw tooLarge(limit) }
            for _ in 0..<length { output.append(output[output.count - distance]) }
        }
    }

    private static func dynamicTables(_ reader: inout BitReader) throws -> (Huffman, Huffman) {
        let literalCount = try reader.bits(5) + 257
        let distanceCount = try reader.bits(5) + 1
        let codeCount = try reader.bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw Failure(reason: "declares too many Huffman codes") }
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengths = [Int](repeating: 0, count: 19)
        for i in 0..<codeCount { codeLengths[order[i]] = try reader.bits(3) }
        let lengthCode = try Huffman(lengths: codeLengths, allowIncomplete: false)
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            let symbol = try lengthCode.decode(&reader)
            switch symbol {
            case 0..<16: lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else {
                    throw Failure(reason: "repeats a code length before the first")
                }
                lengths += Array(repeating: previous, count: 3 + (try reader.bits(2)))
            case 17: lengths += Array(repeating: 0, count: 3 + (try reader.bits(3)))
            default: lengths += Array(repeating: 0, count: 11 + (try reader.bits(7)))
            }
        }
        guard lengths.count == literalCount + distanceCount else {
            throw Failure(reason: "has code lengths that overrun their count")
        }
        guard lengths[256] > 0 else { throw Failure(reason: "has no end-of-block code") }
        return (
            try Huffman(lengths: Array(lengths[..<literalCount]), allowIncomplete: literalCount == 1),
            try Huffman(lengths: Array(lengths[literalCount...]), allowIncomplete: true)
        )
    }

    private static func tooLarge(_ limit: Int) -> Failure {
        Failure(reason: "decompresses to more than \(limit) bytes")
    }
}

/// Bits of a byte array, least significant first; reading past the end throws.
struct BitReader {
    private let bytes: [UInt8]
    private var position: Int
    private var buffer: UInt64 = 0
    private var available = 0

    init(_ bytes: [UInt8], position: Int) {
        self.bytes = bytes
        self.position = position
    }

    mutating func bits(_ n: Int) throws -> Int {
        while available < n {
            guard position < bytes.count else {
                throw Inflate.Failure(reason: "ends in the middle of its compressed data")
            }
            buffer |= UInt64(bytes[position]) << UInt64(available)
            position += 1
            available += 8
        }
        let value = Int(buffer & ((1 << UInt64(n)) - 1))
        buffer >>= UInt64(n)
        available -= n
        return value
    }

    mutating func alignToByte() {
        let drop = available % 8
        buffer >>= UInt64(drop)
        available -= drop
    }

    /// The index of the first byte not yet consumed (after `alignToByte`).
    var bytePosition: Int { position - available / 8 }
}

/// A canonical Huffman code: how many codes have each length, and the symbols in code order.
struct Huffman {
    private var counts = [Int](repeating: 0, count: 16)
    private var symbols: [Int] = []

    /// RFC 1951's fixed codes (complete and within 15 bits, so built without the checks).
    static let fixedLengths = Huffman(valid: (0..<288).map { $0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8 })
    static let fixedDistances = Huffman(valid: Array(repeating: 5, count: 30))

    init(lengths: [Int], allowIncomplete: Bool) throws {
        for l in lengths {
            guard (0...15).contains(l) else { throw Inflate.Failure(reason: "has a Huffman code longer than 15 bits") }
            counts[l] += 1
        }
        counts[0] = 0
        var left = 1
        for l in 1...15 {
            left = left * 2 - counts[l]
            guard left >= 0 else { throw Inflate.Failure(reason: "has an over-subscribed Huffman code") }
        }
        guard left == 0 || allowIncomplete || lengths.allSatisfy({ $0 == 0 }) else {
            throw Inflate.Failure(reason: "has an incomplete Huffman code")
        }
        assignSymbols(lengths)
    }

    private init(valid lengths: [Int]) {
        for l in lengths { counts[l] += 1 }
        counts[0] = 0
        assignSymbols(lengths)
    }

    private mutating func assignSymbols(_ lengths: [Int]) {
        var offsets = [Int](repeating: 0, count: 16)
        for l in 1..<15 { offsets[l + 1] = offsets[l] + counts[l] }
        symbols = [Int](repeating: 0, count: lengths.count)
        for (symbol, l) in lengths.enumerated() where l > 0 {
            symbols[offsets[l]] = symbol
            offsets[l] += 1
        }
    }

    func decode(_ reader: inout BitReader) throws -> Int {
        var code = 0
        var first = 0
        var index = 0
        for l in 1...15 {
            code |= try reader.bits(1)
            let count = counts[l]
            if code - first < count { return symbols[index + code - first] }
            index += count
            first = (first + count) << 1
            code <<= 1
        }
        throw Inflate.Failure(reason: "has a code that is not in its Huffman table")
    }
}

/// CRC-32 (the ISO-HDLC polynomial of gzip and PNG).
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
