import SpectralCore

/// A reader of the protocol-buffer wire format over one message's bytes (no schema, no code generation).
///
///     message  = field*
///     field    = key value          key = varint(field_number << 3 | wire_type)
///     wire 0: varint   1: 8 bytes little-endian   2: varint length, then that many bytes   5: 4 bytes
///
/// Every length and position is checked against the message's end before it is used, so a truncated or hostile
/// file ends in `SpectralError.badInput` naming `context`, never a read past the buffer. Groups (wire types 3
/// and 4, deprecated) are refused.
struct ProtobufReader {
    enum Wire: Int {
        case varint = 0
        case fixed64 = 1
        case bytes = 2
        case fixed32 = 5
    }

    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int
    /// What is being read ("tensor 'W0'"), for the error message.
    let context: String

    init(_ bytes: [UInt8], range: Range<Int>? = nil, context: String) {
        self.bytes = bytes
        position = range?.lowerBound ?? 0
        end = range?.upperBound ?? bytes.count
        self.context = context
    }

    /// A reader of a nested message whose bytes are `range` of the same buffer.
    func nested(_ range: Range<Int>, context: String) -> ProtobufReader {
        ProtobufReader(bytes, range: range, context: context)
    }

    var isAtEnd: Bool { position >= end }

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func nextField() throws -> (number: Int, wire: Wire)? {
        guard !isAtEnd else { return nil }
        let key = try varint()
        guard let wire = Wire(rawValue: Int(key & 7)) else {
            throw failure("has a field with wire type \(key & 7), which ONNX never uses")
        }
        let number = key >> 3
        guard number > 0, number < 1 << 29 else { throw failure("has a field numbered \(number)") }
        return (Int(number), wire)
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        for shift in stride(from: UInt64(0), to: 70, by: 7) {
            guard position < end else { throw failure("ends inside a number") }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw failure("has a number longer than 64 bits") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
        }
        throw failure("has a number longer than 64 bits")
    }

    mutating func fixed32() throws -> UInt32 {
        UInt32(truncatingIfNeeded: try littleEndian(4))
    }

    mutating func fixed64() throws -> UInt64 { try littleEndian(8) }

    private mutating func littleEndian(_ count: Int) throws -> UInt64 {
        guard end - position >= count else { throw failure("ends inside a \(count * 8)-bit value") }
        var value: UInt64 = 0
        for i in 0..<count { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += count
        return value
    }

    /// The byte range of a length-delimited value (a string, bytes, a nested message or a packed array).
    mutating func lengthDelimited() throws -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw failure("is truncated: a field claims \(length) bytes but \(end - position) remain")
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    mutating func string() throws -> String {
        let range = try lengthDelimited()
        return String(decoding: bytes[range], as: UTF8.self)
    }

    /// A signed 64-bit integer field (int64 and int32 are both sent as two's-complement varints).
    mutating func int64() throws -> Int64 { Int64(bitPattern: try varint()) }

    /// Skips a field's value of the given wire type.
    mutating func skip(_ wire: Wire) throws {
        switch wire {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .bytes: _ = try lengthDelimited()
        }
    }

    /// A repeated scalar field, packed (wire type 2, one length then the values) or not (one value per key).
    mutating func repeated<T>(
        _ wire: Wire, element: Wire, into values: inout [T], _ read: (inout ProtobufReader) throws -> T
    ) throws {
        if wire == .bytes && element != .bytes {
            var packed = nested(try lengthDelimited(), context: context)
            while !packed.isAtEnd { values.append(try read(&packed)) }
        } else {
            guard wire == element else { throw failure("has a repeated field of the wrong wire type") }
            values.append(try read(&self))
        }
    }

    /// Checks a field's wire type before it is read.
    func expect(_ wire: Wire, is wanted: Wire, field: String) throws {
        guard wire == wanted else { throw failure("has its \(field) field in the wrong wire type") }
    }

    func failure(_ what: String) -> SpectralError { .badInput("\(context) \(what)") }
}
