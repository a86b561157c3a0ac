import Foundation
import SpectralCore

/// One tensor of a safetensors file, widened to Float64 for checking (the files hold F32 or F64).
public struct Tensor: Equatable, Sendable {
    public enum DType: String, Sendable { case f32 = "F32", f64 = "F64" }
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
    public static func read(_ url: URL) throws -> [String: Tensor] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpectralError.io("cannot read \(url.path): \(error.localizedDescription)")
        }
        return try parse(data, name: url.lastPathComponent)
    }

    public static func parse(_ data: Data, name: String = "the file") throws -> [String: Tensor] {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw SpectralError.badInput("\(name) is too short to be a safetensors file (\(bytes.count) bytes)") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= UInt64(bytes.count - 8), headerLength < 100_000_000 else {
            throw SpectralError.badInput("\(name) is truncated: its header claims \(headerLength) bytes but the file has \(bytes.count - 8) after the length")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])),
              let header = json as? [String: Any] else {
            throw SpectralError.badInput("\(name) has a header that is not a JSON object")
        }
        let payloadCount = bytes.count - headerEnd
        var tensors: [String: Tensor] = [:]
        for (key, value) in header where key != "__metadata__" {
            guard let entry = value as? [String: Any], let dtypeName = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2 else {
                throw SpectralError.badInput("tensor '\(key)' in \(name) has a malformed header entry")
            }
            guard let dtype = Tensor.DType(rawValue: dtypeName) else {
                throw SpectralError.badInput("tensor '\(key)' in \(name) has dtype \(dtypeName); only F32 and F64 are supported")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw SpectralError.badInput("tensor '\(key)' in \(name) has a negative dimension in shape \(shape)")
            }
            let width = dtype == .f32 ? 4 : 8
            let count = shape.reduce(1, *)
            guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] <= payloadCount else {
                throw SpectralError.badInput("tensor '\(key)' in \(name) lies outside the file (offsets \(offsets), \(payloadCount) data bytes): the file is truncated or corrupt")
            }
            guard offsets[1] - offsets[0] == count * width else {
                throw SpectralError.badInput("tensor '\(key)' in \(name) has \(offsets[1] - offsets[0]) bytes but shape \(shape) of \(dtypeName) needs \(count * width)")
            }
            var values = [Double](repeating: 0, count: count)
            let start = headerEnd + offsets[0]
            for i in 0..<count {
                var raw: UInt64 = 0
                for b in 0..<width { raw |= UInt64(bytes[start + i * width + b]) << (8 * UInt64(b)) }
                values[i] = dtype == .f32 ? Double(Float(bitPattern: UInt32(raw))) : Double(bitPattern: raw)
            }
            tensors[key] = Tensor(dtype: dtype, shape: shape, values: values)
        }
        return tensors
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
            header.append("\(jsonString(name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(payload.count)]}")
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
            let w = weights(l), b = bias(l)
            out["\(2 * l).weight"] = Tensor(dtype: dtype, shape: [fanOut(l), fanIn(l)],
                                            values: (0..<(fanOut(l) * fanIn(l))).map { Double(w[$0]) })
            out["\(2 * l).bias"] = Tensor(dtype: dtype, shape: [fanOut(l)], values: (0..<fanOut(l)).map { Double(b[$0]) })
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
                throw SpectralError.badInput("a value of layer \(l) (flat index \(bad)) overflows Float32, which training uses")
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
            let isWeight = name.hasSuffix(".weight"), isBias = name.hasSuffix(".bias")
            guard isWeight || isBias else {
                throw SpectralError.badInput("tensor '\(name)' in \(source) is neither a layer weight nor a bias (expected <prefix><index>.weight or .bias)")
            }
            let stem = String(name.dropLast(isWeight ? 7 : 5))
            let digits = stem.reversed().prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let index = Int(String(digits.reversed())) else {
                throw SpectralError.badInput("tensor '\(name)' in \(source) has no layer index before .\(isWeight ? "weight" : "bias")")
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
        var sizes: [Int] = [], layers: [(weight: Tensor, bias: Tensor)] = []
        for index in byIndex.keys.sorted() {
            let entry = byIndex[index]!
            guard let wName = entry.weight, let w = tensors[wName] else {
                throw SpectralError.badInput("layer \(index) in \(source) has a bias but no tensor '\(entry.prefix)\(index).weight'")
            }
            guard let bName = entry.bias, let b = tensors[bName] else {
                throw SpectralError.badInput("tensor '\(entry.prefix)\(index).bias' is missing from \(source)")
            }
            guard w.shape.count == 2, w.shape[0] > 0, w.shape[1] > 0 else {
                throw SpectralError.badInput("tensor '\(wName)' has shape \(w.shape); a weight must be [out, in] with both positive")
            }
            guard b.shape == [w.shape[0]] else {
                throw SpectralError.badInput("tensor '\(bName)' has shape \(b.shape) but its weight has \(w.shape[0]) outputs")
            }
            if let last = sizes.last, last != w.shape[1] {
                throw SpectralError.badInput("tensor '\(wName)' takes \(w.shape[1]) inputs but the previous layer gives \(last)")
            }
            for (tensorName, t) in [(wName, w), (bName, b)] {
                if let bad = t.values.firstIndex(where: { !$0.isFinite }) {
                    throw SpectralError.badInput("tensor '\(tensorName)' has a non-finite value (\(t.values[bad])) at flat index \(bad)")
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
