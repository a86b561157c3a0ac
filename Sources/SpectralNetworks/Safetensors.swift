import Foundation
import SpectralCore

/// One tensor of a safetensors file, widened to Float64 for checking (the files hold F32 or F64).
public struct Tensor: Equatable, Sendable {
    public enum DType: String, Sendable {
        case f32 = "F32"
        case f64 = "F64"
    }
    public var dtype: DType
    public var shape: [Int]
    public var values: [Double]

    public init(dtype: DType, shape: [Int], values: [Double]) {
        self.dtype = dtype
        self.shape = shape
        self.values = values
    }
}

/// The safetensors format: 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
/// {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the data after the header), then raw
/// little-endian data. Only F32 and F64 are read; anything else is an error naming the tensor.
public enum Safetensors {
    /// A weights file is read only up to this size (a 6 × 256 net is 1 MB; 2 GiB holds 500 million Float32s).
    public static let fileLimit = 2 << 30
    /// The JSON header is at most this long (the format's own limit is 100 MB).
    public static let headerLimit = 100_000_000

    public static func read(_ url: URL) throws -> [String: Tensor] {
        try parse(Data(InputFileReader.read(url, limit: fileLimit, kind: "safetensors")), name: url.path)
    }

    /// Parses a whole file. Every count and offset is checked with overflow-checked arithmetic before it is used;
    /// the tensors must tile the data exactly (no overlap, no gap, nothing after the last), as the format requires.
    public static func parse(_ data: Data, name: String = "the file") throws -> [String: Tensor] {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else {
            throw SpectralError.badInput("\(name) is too short to be a safetensors file (\(bytes.count) bytes)")
        }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(headerLimit) else {
            throw SpectralError.badInput(
                "\(name) claims a \(headerLength)-byte header; safetensors headers are at most \(headerLimit) bytes")
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw SpectralError.badInput(
                "\(name) is truncated: its header claims \(headerLength) bytes but the file has \(bytes.count - 8) after the length"
            )
        }
        let headerEnd = 8 + Int(headerLength)
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: Data(bytes[8..<headerEnd])) } catch let error
            as DecodingError
        {
            throw SpectralError.badInput(Header.describe(error, in: name))
        } catch {
            throw SpectralError.badInput("\(name) has a header that is not a JSON object")
        }
        let payloadCount = bytes.count - headerEnd
        let entries = try header.entries.map { try entry($0.0, $0.1, in: name, payloadCount: payloadCount) }
        try checkTiling(entries.map { ($0.name, $0.range) }, payloadCount: payloadCount, in: name)
        var tensors: [String: Tensor] = [:]
        for e in entries {
            tensors[e.name] = Tensor(
                dtype: e.dtype, shape: e.shape,
                values: decode(
                    bytes, from: headerEnd + e.range.lowerBound,
                    count: e.shape.reduce(1, *), dtype: e.dtype))
        }
        return tensors
    }

    /// One header entry, checked: a known dtype, a shape whose product (and its size in bytes) does not overflow,
    /// offsets inside the data that hold exactly that many bytes.
    private static func entry(
        _ key: String, _ e: HeaderEntry, in name: String, payloadCount: Int
    ) throws
        -> (name: String, dtype: Tensor.DType, shape: [Int], range: Range<Int>)
    {
        let shown = key.count > 60 ? String(key.prefix(60)) + "…" : key
        guard let dtype = Tensor.DType(rawValue: e.dtype) else {
            throw SpectralError.badInput(
                "tensor '\(shown)' in \(name) has dtype \(e.dtype.prefix(20)); only F32 and F64 are supported")
        }
        guard e.shape.count <= 16, e.dataOffsets.count == 2,
            (e.shape + e.dataOffsets).allSatisfy({ $0 <= UInt64(Int.max) })
        else {
            throw SpectralError.badInput(
                "tensor '\(shown)' in \(name) has \(e.shape.count > 16 ? "more than 16 dimensions" : "offsets that are not two numbers below 2^63")"
            )
        }
        let shape = e.shape.map { Int($0) }
        let offsets = e.dataOffsets.map { Int($0) }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else {
                throw SpectralError.badInput(
                    "tensor '\(shown)' in \(name) has shape \(shape), whose element count overflows")
            }
            count = product
        }
        let width = dtype == .f32 ? 4 : 8
        let (size, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, size <= payloadCount else {
            throw SpectralError.badInput(
                "tensor '\(shown)' in \(name) has shape \(shape) (\(count) values), more than the file's \(payloadCount) data bytes hold"
            )
        }
        guard offsets[0] <= offsets[1], offsets[1] <= payloadCount else {
            throw SpectralError.badInput(
                "tensor '\(shown)' in \(name) lies outside the file (offsets \(offsets), \(payloadCount) data bytes): the file is truncated or corrupt"
            )
        }
        guard offsets[1] - offsets[0] == size else {
            throw SpectralError.badInput(
                "tensor '\(shown)' in \(name) has \(offsets[1] - offsets[0]) bytes but shape \(shape) of \(e.dtype) needs \(size)"
            )
        }
        return (key, dtype, shape, offsets[0]..<offsets[1])
    }

    /// The tensors must cover the data exactly: sorted by offset, each starts where the previous ended.
    private static func checkTiling(_ ranges: [(String, Range<Int>)], payloadCount: Int, in name: String) throws {
        var end = 0
        for (tensor, range) in ranges.sorted(by: {
            ($0.1.lowerBound, $0.1.upperBound, $0.0) < ($1.1.lowerBound, $1.1.upperBound, $1.0)
        }) {
            if range.lowerBound < end {
                throw SpectralError.badInput("tensor '\(tensor.prefix(60))' in \(name) overlaps the tensor before it")
            }
            if range.lowerBound > end {
                throw SpectralError.badInput(
                    "\(name) has \(range.lowerBound - end) unused data bytes before tensor '\(tensor.prefix(60))'")
            }
            end = range.upperBound
        }
        if end != payloadCount {
            throw SpectralError.badInput(
                "\(name) has \(payloadCount - end) bytes after its last tensor: it is larger than its header says")
        }
    }

    private struct HeaderEntry: Decodable {
        let dtype: String
        let shape: [UInt64]
        let dataOffsets: [UInt64]
        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case dataOffsets = "data_offsets"
        }
    }

    /// The header's entries (any key but `__metadata__`), typed: a shape or offset that is negative, fractional, a
    /// boolean or beyond 2⁶⁴ does not decode.
    private struct Header: Decodable {
        var entries: [(String, HeaderEntry)] = []
        struct Key: CodingKey {
            let stringValue: String
            init?(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }
        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys where key.stringValue != "__metadata__" {
                entries.append((key.stringValue, try container.decode(HeaderEntry.self, forKey: key)))
            }
        }
        static func describe(_ error: DecodingError, in name: String) -> String {
            let context: DecodingError.Context
            switch error {
            case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
                context = c
            @unknown default: return "\(name) has a header that does not decode"
            }
            guard let tensor = context.codingPath.first?.stringValue else {
                return "\(name) has a header that is not a JSON object"
            }
            let field = context.codingPath.dropFirst().first?.stringValue ?? "its entry"
            return
                "tensor '\(tensor.prefix(60))' in \(name) has a malformed header entry (\(field): it needs dtype, a shape and two data_offsets, whole non-negative numbers)"
        }
    }

    private static func decode(_ bytes: [UInt8], from start: Int, count: Int, dtype: Tensor.DType) -> [Double] {
        bytes.withUnsafeBytes { raw in
            (0..<count).map { i in
                dtype == .f32
                    ? Double(
                        Float(
                            bitPattern: UInt32(
                                littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self))))
                    : Double(
                        bitPattern: UInt64(
                            littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * i, as: UInt64.self)))
            }
        }
    }

    /// Serialises tensors (names sorted, data in that order, header padded with spaces to a multiple of 8).
    public static func serialize(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        var header: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            header.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var payload = [UInt8]()
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            let begin = payload.count
            for v in t.values {
                if t.dtype == .f32 {
                    withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { payload.append(contentsOf: $0) }
                } else {
                    withUnsafeBytes(of: v.bitPattern.littleEndian) { payload.append(contentsOf: $0) }
                }
            }
            let shape = t.shape.map(String.init).joined(separator: ",")
            header.append(
                "\(jsonString(name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(payload.count)]}"
            )
        }
        var headerBytes = Array("{\(header.joined(separator: ","))}".utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: headerBytes)
        out.append(contentsOf: payload)
        return out
    }

    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension MLP {
    /// The tensors of this network as `torch.nn.Sequential(Linear, ReLU, …, Linear).state_dict()` names them:
    /// layer l is module 2l, so the file loads into that Sequential as it is.
    public func tensors(dtype: Tensor.DType = .f32) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for l in 0..<layerCount {
            let w = weights(l)
            let b = bias(l)
            out["\(2 * l).weight"] = Tensor(
                dtype: dtype, shape: [fanOut(l), fanIn(l)],
                values: (0..<(fanOut(l) * fanIn(l))).map { Double(w[$0]) })
            out["\(2 * l).bias"] = Tensor(
                dtype: dtype, shape: [fanOut(l)], values: (0..<fanOut(l)).map { Double(b[$0]) })
        }
        return out
    }

    /// Writes the network as F32 safetensors (atomically: a temporary file renamed into place).
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try AtomicFile.write(Safetensors.serialize(tensors(), metadata: metadata), to: url)
    }

    /// Loads a network from a safetensors file whose layers are `<prefix>i.weight` [out, in] and `<prefix>i.bias`
    /// [out], i sorted numerically, consecutive layers' sizes chaining. Every problem names the tensor.
    public static func load(from url: URL) throws -> MLP {
        try fromTensors(Safetensors.read(url), source: url.lastPathComponent)
    }

    /// A network from tensors, each value rounded once to Float32 (training reads either precision this way).
    public static func fromTensors(_ tensors: [String: Tensor], source: String = "the file") throws -> MLP {
        let layers = try NetworkTensors(tensors, source: source)
        let net = MLP(sizes: layers.sizes)
        for (l, pair) in layers.layers.enumerated() {
            if let bad = (pair.weight.values + pair.bias.values).firstIndex(where: { !Float($0).isFinite }) {
                throw SpectralError.badInput(
                    "a value of layer \(l) (flat index \(bad)) overflows Float32, which training uses")
            }
            for i in 0..<pair.weight.values.count { net.weights(l)[i] = Float(pair.weight.values[i]) }
            for i in 0..<pair.bias.values.count { net.bias(l)[i] = Float(pair.bias.values[i]) }
        }
        return net
    }
}

/// The layers of an MLP in a tensor file, checked: `<prefix>i.weight` [out, in] and `<prefix>i.bias` [out], i sorted
/// numerically, consecutive layers' sizes chaining, every value finite. Values keep the file's precision (F64
/// stays Float64), so the exact analyses see the file's numbers, not a Float32 rounding of them.
public struct NetworkTensors: Sendable {
    public let sizes: [Int]
    public let layers: [(weight: Tensor, bias: Tensor)]

    public init(_ tensors: [String: Tensor], source: String = "the file") throws {
        var byIndex: [Int: (prefix: String, weight: String?, bias: String?)] = [:]
        var prefixes = Set<String>()
        for name in tensors.keys.sorted() {
            let isWeight = name.hasSuffix(".weight")
            let isBias = name.hasSuffix(".bias")
            guard isWeight || isBias else {
                throw SpectralError.badInput(
                    "tensor '\(name)' in \(source) is neither a layer weight nor a bias (expected <prefix><index>.weight or .bias)"
                )
            }
            let stem = String(name.dropLast(isWeight ? 7 : 5))
            let digits = stem.reversed().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let index = Int(String(digits.reversed())) else {
                throw SpectralError.badInput(
                    "tensor '\(name)' in \(source) has no layer index before .\(isWeight ? "weight" : "bias")")
            }
            let prefix = String(stem.dropLast(digits.count))
            prefixes.insert(prefix)
            var entry = byIndex[index] ?? (prefix, nil, nil)
            if isWeight { entry.weight = name } else { entry.bias = name }
            byIndex[index] = entry
        }
        guard !byIndex.isEmpty else { throw SpectralError.badInput("\(source) holds no layer tensors") }
        guard prefixes.count == 1 else {
            throw SpectralError.badInput("\(source) mixes tensor prefixes \(prefixes.sorted()); expected one network")
        }
        var sizes: [Int] = []
        var layers: [(weight: Tensor, bias: Tensor)] = []
        for index in byIndex.keys.sorted() {
            let entry = byIndex[index]!
            guard let wName = entry.weight, let w = tensors[wName] else {
                throw SpectralError.badInput(
                    "layer \(index) in \(source) has a bias but no tensor '\(entry.prefix)\(index).weight'")
            }
            guard let bName = entry.bias, let b = tensors[bName] else {
                throw SpectralError.badInput("tensor '\(entry.prefix)\(index).bias' is missing from \(source)")
            }
            guard w.shape.count == 2, w.shape[0] > 0, w.shape[1] > 0 else {
                throw SpectralError.badInput(
                    "tensor '\(wName)' has shape \(w.shape); a weight must be [out, in] with both positive")
            }
            guard b.shape == [w.shape[0]] else {
                throw SpectralError.badInput(
                    "tensor '\(bName)' has shape \(b.shape) but its weight has \(w.shape[0]) outputs")
            }
            if let last = sizes.last, last != w.shape[1] {
                throw SpectralError.badInput(
                    "tensor '\(wName)' takes \(w.shape[1]) inputs but the previous layer gives \(last)")
            }
            for (tensorName, t) in [(wName, w), (bName, b)] {
                if let bad = t.values.firstIndex(where: { !$0.isFinite }) {
                    throw SpectralError.badInput(
                        "tensor '\(tensorName)' has a non-finite value (\(t.values[bad])) at flat index \(bad)")
                }
            }
            if sizes.isEmpty { sizes.append(w.shape[1]) }
            sizes.append(w.shape[0])
            layers.append((w, b))
        }
        self.sizes = sizes
        self.layers = layers
    }

    public static func load(from url: URL) throws -> NetworkTensors {
        try NetworkTensors(Safetensors.read(url), source: url.lastPathComponent)
    }
}
