import Foundation
import SpectralCore

/// An ONNX model as far as the exact analyses need it: the main graph's nodes, initializers, inputs and outputs
/// (onnx.proto: `ModelProto → GraphProto → NodeProto / TensorProto / ValueInfoProto / AttributeProto`).
///
/// Read by `ONNXModel.parse` from the protobuf wire format. Tensors come from `raw_data`, `float_data`,
/// `double_data`, `int32_data` or `int64_data`; F32 values are widened once to Float64 and F64 values stay
/// Float64. Tensors stored outside the file (`data_location = EXTERNAL`), other element types in a float
/// position, negative or overflowing dimensions and truncated data are errors naming the tensor.
public struct ONNXModel: Sendable {
    public var irVersion: Int64 = 0
    /// The version of the default ("" or "ai.onnx") operator set.
    public var opsetVersion: Int64 = 0
    public var graph = ONNXGraph()

    /// A model file is read only up to this size (weights of 100 million Float32s).
    public static let fileLimit = 1 << 30

    public static func load(_ url: URL) throws -> ONNXModel {
        try parse(InputFileReader.read(url, limit: fileLimit, kind: "ONNX"), name: url.lastPathComponent)
    }

    public static func parse(_ bytes: [UInt8], name: String = "the model") throws -> ONNXModel {
        var reader = ProtobufReader(bytes, context: "\(name) (not an ONNX model?)")
        var model = ONNXModel()
        var sawGraph = false
        while let (number, wire) = try reader.nextField() {
            switch number {
            case 1:
                try reader.expect(wire, is: .varint, field: "ir_version")
                model.irVersion = try reader.int64()
            case 7:
                try reader.expect(wire, is: .bytes, field: "graph")
                model.graph = try ONNXGraph.parse(
                    reader.nested(try reader.lengthDelimited(), context: "\(name)'s graph"))
                sawGraph = true
            case 8:
                try reader.expect(wire, is: .bytes, field: "opset_import")
                let (domain, version) = try parseOpset(reader.nested(try reader.lengthDelimited(), context: name))
                if domain.isEmpty || domain == "ai.onnx" { model.opsetVersion = version }
            default: try reader.skip(wire)
            }
        }
        guard sawGraph else { throw SpectralError.badInput("\(name) has no graph: it is not an ONNX model") }
        guard model.irVersion > 0 else {
            throw SpectralError.badInput("\(name) has no IR version: it is not an ONNX model")
        }
        return model
    }

    private static func parseOpset(_ message: ProtobufReader) throws -> (String, Int64) {
        var reader = message
        var (domain, version) = ("", Int64(0))
        while let (number, wire) = try reader.nextField() {
            if number == 1 && wire == .bytes {
                domain = try reader.string()
            } else if number == 2 && wire == .varint {
                version = try reader.int64()
            } else {
                try reader.skip(wire)
            }
        }
        return (domain, version)
    }
}

/// The main graph: nodes in file order, initializers by name, the declared inputs (initializers excluded, as
/// IR < 4 files list them among the inputs) and outputs.
public struct ONNXGraph: Sendable {
    public var nodes: [ONNXNode] = []
    public var initializers: [String: ONNXTensor] = [:]
    public var inputs: [ONNXValueInfo] = []
    public var outputs: [ONNXValueInfo] = []

    static func parse(_ message: ProtobufReader) throws -> ONNXGraph {
        var reader = message
        var graph = ONNXGraph()
        var declaredInputs: [ONNXValueInfo] = []
        while let (number, wire) = try reader.nextField() {
            let context = "\(message.context)"
            switch (number, wire) {
            case (1, .bytes):
                graph.nodes.append(try ONNXNode.parse(reader.nested(try reader.lengthDelimited(), context: context)))
            case (5, .bytes):
                let tensor = try ONNXTensor.parse(reader.nested(try reader.lengthDelimited(), context: context))
                graph.initializers[tensor.name] = tensor
            case (11, .bytes), (12, .bytes):
                let info = try ONNXValueInfo.parse(reader.nested(try reader.lengthDelimited(), context: context))
                if number == 11 { declaredInputs.append(info) } else { graph.outputs.append(info) }
            case (15, _):
                throw SpectralError.badInput("\(message.context) has sparse initializers, which are not supported")
            default: try reader.skip(wire)
            }
        }
        graph.inputs = declaredInputs.filter { graph.initializers[$0.name] == nil }
        return graph
    }
}

/// One node: its operator, inputs and outputs by name (an empty input name is an omitted optional input), and
/// its attributes.
public struct ONNXNode: Sendable {
    public var name = ""
    public var opType = ""
    public var domain = ""
    public var inputs: [String] = []
    public var outputs: [String] = []
    public var attributes: [String: ONNXAttribute] = [:]

    /// How the node is named in messages: its name, or its op and first output.
    public var label: String { name.isEmpty ? "\(opType) node '\(outputs.first ?? "?")'" : "\(opType) node '\(name)'" }

    static func parse(_ message: ProtobufReader) throws -> ONNXNode {
        var reader = message
        var node = ONNXNode()
        var attributes: [ProtobufReader] = []
        while let (number, wire) = try reader.nextField() {
            switch (number, wire) {
            case (1, .bytes): node.inputs.append(try reader.string())
            case (2, .bytes): node.outputs.append(try reader.string())
            case (3, .bytes): node.name = try reader.string()
            case (4, .bytes): node.opType = try reader.string()
            case (7, .bytes): node.domain = try reader.string()
            case (5, .bytes): attributes.append(reader.nested(try reader.lengthDelimited(), context: message.context))
            default: try reader.skip(wire)
            }
        }
        let context = "\(message.context)'s \(node.label)"
        for a in attributes {
            let (name, value) = try ONNXAttribute.parse(a.nested(a.position..<a.end, context: context))
            node.attributes[name] = value
        }
        return node
    }
}

/// An attribute's value; subgraphs and other kinds are kept only as their kind (no supported op needs them).
public enum ONNXAttribute: Sendable {
    case float(Double)
    case int(Int64)
    case string(String)
    case tensor(ONNXTensor)
    case floats([Double])
    case ints([Int64])
    case other(kind: Int64)

    static func parse(_ message: ProtobufReader) throws -> (String, ONNXAttribute) {
        var reader = message
        var name = ""
        var kind: Int64 = 0
        var (f, i, s, t): (Double?, Int64?, String?, ONNXTensor?) = (nil, nil, nil, nil)
        var (floats, ints): ([Double], [Int64]) = ([], [])
        while let (number, wire) = try reader.nextField() {
            switch number {
            case 1:
                try reader.expect(wire, is: .bytes, field: "name")
                name = try reader.string()
            case 20:
                try reader.expect(wire, is: .varint, field: "type")
                kind = try reader.int64()
            case 2:
                try reader.expect(wire, is: .fixed32, field: "f")
                f = Double(Float(bitPattern: try reader.fixed32()))
            case 3:
                try reader.expect(wire, is: .varint, field: "i")
                i = try reader.int64()
            case 4:
                try reader.expect(wire, is: .bytes, field: "s")
                s = try reader.string()
            case 5:
                try reader.expect(wire, is: .bytes, field: "t")
                t = try ONNXTensor.parse(reader.nested(try reader.lengthDelimited(), context: message.context))
            case 7:
                try reader.repeated(wire, element: .fixed32, into: &floats) {
                    Double(Float(bitPattern: try $0.fixed32()))
                }
            case 8: try reader.repeated(wire, element: .varint, into: &ints) { try $0.int64() }
            default: try reader.skip(wire)
            }
        }
        switch kind {
        case 1: return (name, .float(f ?? 0))
        case 2: return (name, .int(i ?? 0))
        case 3: return (name, .string(s ?? ""))
        case 4:
            guard let t else { throw message.failure("has a tensor attribute '\(name)' without a tensor") }
            return (name, .tensor(t))
        case 6: return (name, .floats(floats))
        case 7: return (name, .ints(ints))
        default: return (name, .other(kind: kind))
        }
    }
}

/// A declared graph input or output: its name, element type and shape (nil for a symbolic dimension).
public struct ONNXValueInfo: Sendable {
    public var name = ""
    public var elementType: Int64 = 0
    public var shape: [Int?] = []

    static func parse(_ message: ProtobufReader) throws -> ONNXValueInfo {
        var reader = message
        var info = ONNXValueInfo()
        while let (number, wire) = try reader.nextField() {
            if number == 1 && wire == .bytes {
                info.name = try reader.string()
            } else if number == 2 && wire == .bytes {
                var type = reader.nested(try reader.lengthDelimited(), context: message.context)
                while let (n, w) = try type.nextField() {
                    if n == 1 && w == .bytes {
                        (info.elementType, info.shape) = try parseTensorType(
                            type.nested(try type.lengthDelimited(), context: message.context))
                    } else {
                        try type.skip(w)
                    }
                }
            } else {
                try reader.skip(wire)
            }
        }
        return info
    }

    private static func parseTensorType(_ message: ProtobufReader) throws -> (Int64, [Int?]) {
        var reader = message
        var (elementType, shape): (Int64, [Int?]) = (0, [])
        while let (number, wire) = try reader.nextField() {
            if number == 1 && wire == .varint {
                elementType = try reader.int64()
            } else if number == 2 && wire == .bytes {
                var dims = reader.nested(try reader.lengthDelimited(), context: message.context)
                while let (n, w) = try dims.nextField() {
                    guard n == 1 && w == .bytes else {
                        try dims.skip(w)
                        continue
                    }
                    var dim = dims.nested(try dims.lengthDelimited(), context: message.context)
                    var value: Int? = nil
                    while let (k, kw) = try dim.nextField() {
                        if k == 1 && kw == .varint {
                            let v = try dim.int64()
                            guard v >= 0, v <= Int64(ONNXTensor.elementLimit) else {
                                throw message.failure("declares a dimension of \(v)")
                            }
                            value = Int(v)
                        } else {
                            try dim.skip(kw)
                        }
                    }
                    shape.append(value)
                }
            } else {
                try reader.skip(wire)
            }
        }
        return (elementType, shape)
    }
}

/// A tensor of an ONNX file: float values widened to Float64 (`values`), integer values exact (`integers`).
public struct ONNXTensor: Sendable {
    public enum ElementType: Int64, Sendable {
        case float = 1
        case uint8 = 2
        case int8 = 3
        case int16 = 5
        case int32 = 6
        case int64 = 7
        case bool = 9
        case double = 11
    }
    public var name = ""
    public var dims: [Int] = []
    public var elementType: ElementType = .float
    /// The values of a FLOAT or DOUBLE tensor (empty for integer tensors).
    public var values: [Double] = []
    /// The values of an integer or boolean tensor (empty for float tensors).
    public var integers: [Int64] = []

    /// No tensor may hold more elements than this (a dimension that claims more is an overflow or a hostile file).
    public static let elementLimit = 1 << 31

    public var count: Int { dims.reduce(1, *) }
    public var isFloat: Bool { elementType == .float || elementType == .double }

    static func parse(_ message: ProtobufReader) throws -> ONNXTensor {
        var reader = message
        var tensor = ONNXTensor()
        var rawElementType: Int64 = 1
        var raw: Range<Int>? = nil
        var (floats, doubles, ints): ([Double], [Double], [Int64]) = ([], [], [])
        var external = false
        var dims: [Int64] = []
        while let (number, wire) = try reader.nextField() {
            switch number {
            case 1: try reader.repeated(wire, element: .varint, into: &dims) { try $0.int64() }
            case 2:
                try reader.expect(wire, is: .varint, field: "data_type")
                rawElementType = try reader.int64()
            case 4:
                try reader.repeated(wire, element: .fixed32, into: &floats) {
                    Double(Float(bitPattern: try $0.fixed32()))
                }
            case 5, 7: try reader.repeated(wire, element: .varint, into: &ints) { try $0.int64() }
            case 8:
                try reader.expect(wire, is: .bytes, field: "name")
                tensor.name = try reader.string()
            case 9:
                try reader.expect(wire, is: .bytes, field: "raw_data")
                raw = try reader.lengthDelimited()
            case 10:
                try reader.repeated(wire, element: .fixed64, into: &doubles) {
                    Double(bitPattern: try $0.fixed64())
                }
            case 13:
                external = true
                try reader.skip(wire)
            case 14:
                try reader.expect(wire, is: .varint, field: "data_location")
                external = try reader.int64() == 1
            default: try reader.skip(wire)
            }
        }
        let label = "tensor '\(tensor.name)'"
        if external {
            throw SpectralError.badInput(
                "\(label) keeps its data in an external file, which is not read; save the model with its data inside")
        }
        var count = 1
        for d in dims {
            guard d >= 0 else { throw SpectralError.badInput("\(label) has a negative dimension \(d)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(clamping: d))
            guard !overflow, product <= elementLimit else {
                throw SpectralError.badInput("\(label) claims more than \(elementLimit) elements")
            }
            count = product
        }
        tensor.dims = dims.map { Int($0) }
        guard let type = ElementType(rawValue: rawElementType) else {
            throw SpectralError.badInput("\(label) has element type \(rawElementType), which is not supported")
        }
        tensor.elementType = type
        if let raw {
            try tensor.decodeRaw(message.bytes[raw], count: count, label: label)
        } else {
            let typed: Int
            switch type {
            case .float:
                tensor.values = floats
                typed = floats.count
            case .double:
                tensor.values = doubles
                typed = doubles.count
            default:
                tensor.integers = ints
                typed = ints.count
            }
            guard typed == count else {
                throw SpectralError.badInput("\(label) has \(typed) values for its \(count) elements")
            }
        }
        return tensor
    }

    private mutating func decodeRaw(_ raw: ArraySlice<UInt8>, count: Int, label: String) throws {
        let size: Int
        switch elementType {
        case .float, .int32: size = 4
        case .double, .int64: size = 8
        case .int16: size = 2
        case .uint8, .int8, .bool: size = 1
        }
        guard raw.count == count * size else {
            throw SpectralError.badInput(
                "\(label) has \(raw.count) bytes of data for \(count) elements of \(size) bytes")
        }
        let base = raw.startIndex
        func word(_ i: Int) -> UInt64 {
            var value: UInt64 = 0
            for b in 0..<size { value |= UInt64(raw[base + i * size + b]) << (8 * UInt64(b)) }
            return value
        }
        switch elementType {
        case .float: values = (0..<count).map { Double(Float(bitPattern: UInt32(truncatingIfNeeded: word($0)))) }
        case .double: values = (0..<count).map { Double(bitPattern: word($0)) }
        case .int64: integers = (0..<count).map { Int64(bitPattern: word($0)) }
        case .int32: integers = (0..<count).map { Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: word($0)))) }
        case .int16: integers = (0..<count).map { Int64(Int16(bitPattern: UInt16(truncatingIfNeeded: word($0)))) }
        case .int8: integers = (0..<count).map { Int64(Int8(bitPattern: UInt8(truncatingIfNeeded: word($0)))) }
        case .uint8, .bool: integers = (0..<count).map { Int64(word($0)) }
        }
    }
}
