import Foundation
import SpectralCore
import SpectralNetworks

/// A value during lowering: a float tensor (affine in the units so far; a constant when it reads none) or an
/// integer tensor (shapes, axes, pads: always constants).
enum LoweredValue {
    case tensor(SymbolicTensor)
    case integers(shape: [Int], values: [Int64])

    static func constant(_ t: ONNXTensor) -> LoweredValue {
        t.isFloat ? .tensor(SymbolicTensor(constant: t.dims, t.values)) : .integers(shape: t.dims, values: t.integers)
    }
}

/// The state of one lowering: values by name, the stages made so far, and the next unit id.
final class ONNXLowering {
    let opset: Int64
    var values: [String: LoweredValue] = [:]
    var stages: [PiecewiseLinearNetwork.Stage] = []
    var nextUnit: Int
    var notes: [String] = []
    let accumulator = AffineAccumulator()

    init(opset: Int64, inputCount: Int) {
        (self.opset, nextUnit) = (opset, inputCount)
    }

    func network(inputShape: [Int], output: SymbolicTensor, precision: String) -> PiecewiseLinearNetwork {
        var map = SparseAffineMap()
        for e in output.elements { map.append(columns: e.columns, coefficients: e.coefficients, constant: e.constant) }
        return PiecewiseLinearNetwork(
            inputShape: inputShape, stages: stages, output: map, notes: notes, precision: precision)
    }

    // MARK: Reading a node's inputs and attributes

    func tensor(_ node: ONNXNode, _ i: Int) throws -> SymbolicTensor {
        guard i < node.inputs.count, !node.inputs[i].isEmpty, let value = values[node.inputs[i]] else {
            throw SpectralError.badInput("\(node.label) lacks its input \(i + 1)")
        }
        switch value {
        case .tensor(let t): return t
        case .integers(let shape, let v): return SymbolicTensor(constant: shape, v.map(Double.init))
        }
    }

    func optionalTensor(_ node: ONNXNode, _ i: Int) throws -> SymbolicTensor? {
        i < node.inputs.count && !node.inputs[i].isEmpty ? try tensor(node, i) : nil
    }

    func constant(_ node: ONNXNode, _ i: Int, what: String) throws -> SymbolicTensor {
        let t = try tensor(node, i)
        guard t.isConstant else {
            throw SpectralError.badInput(
                "\(node.label) has a \(what) that depends on the input: a product of two inputs is not piecewise linear"
            )
        }
        return t
    }

    func integers(_ node: ONNXNode, _ i: Int) throws -> [Int64]? {
        guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
        switch values[node.inputs[i]] {
        case .integers(_, let v)?: return v
        case .tensor(let t)? where t.isConstant: return t.constantValues.map { Int64($0) }
        default: throw SpectralError.badInput("\(node.label) needs constant integers as input \(i + 1)")
        }
    }

    func ints(_ node: ONNXNode, _ name: String) -> [Int64]? {
        if case .ints(let v)? = node.attributes[name] { return v }
        return nil
    }

    func int(_ node: ONNXNode, _ name: String, default value: Int64) -> Int64 {
        if case .int(let v)? = node.attributes[name] { return v }
        return value
    }

    func float(_ node: ONNXNode, _ name: String, default value: Double) -> Double {
        if case .float(let v)? = node.attributes[name] { return v }
        return value
    }

    func string(_ node: ONNXNode, _ name: String, default value: String) -> String {
        if case .string(let v)? = node.attributes[name] { return v }
        return value
    }

    /// An axis in [−rank, rank) as a non-negative index.
    func axis(_ a: Int64, rank: Int, _ node: ONNXNode) throws -> Int {
        guard a >= -Int64(rank), a < Int64(max(rank, 1)) else {
            throw SpectralError.badInput("\(node.label) has axis \(a) for a tensor of rank \(rank)")
        }
        return Int(a < 0 ? a + Int64(rank) : a)
    }

    func set(_ node: ONNXNode, _ t: SymbolicTensor) throws {
        guard let name = node.outputs.first, !name.isEmpty else {
            throw SpectralError.badInput("\(node.label) has no output")
        }
        for extra in node.outputs.dropFirst() where !extra.isEmpty {
            throw SpectralError.badInput("\(node.label) has a second output '\(extra)', which is not supported")
        }
        values[name] = .tensor(t)
    }

    // MARK: Dispatch

    /// Lowers one node. `isLast`: it makes the graph's output (where a Softmax is dropped).
    func apply(_ node: ONNXNode, isLast: Bool) throws {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw SpectralError.badInput("\(node.label) is from operator set '\(node.domain)', which is not supported")
        }
        switch node.opType {
        case "Identity", "Dropout":
            try set(node, try tensor(node, 0))
            values[node.outputs[0]] = values[node.inputs[0]]
        case "Cast": try cast(node)
        case "Constant": try constantNode(node)
        case "Add", "Sub", "Mul", "Div": try arithmetic(node)
        case "Neg": try set(node, elementwise(try tensor(node, 0)) { $0.scaled(-1) })
        case "Gemm": try gemm(node)
        case "MatMul": try matMul(node)
        case "Conv": try convolution(node)
        case "BatchNormalization": try batchNorm(node)
        case "AveragePool", "GlobalAveragePool": try averagePool(node)
        case "MaxPool", "GlobalMaxPool": try maxPool(node)
        case "Pad": try pad(node)
        case "Flatten", "Reshape", "Squeeze", "Unsqueeze": try reshape(node)
        case "Transpose": try transpose(node)
        case "Concat": try concat(node)
        case "Slice": try slice(node)
        case "Relu", "LeakyRelu", "PRelu", "Abs": try kink(node)
        case "Clip": try clip(node)
        case "Max", "Min": try maxMin(node)
        case "Softmax", "LogSoftmax":
            guard isLast else {
                throw SpectralError.badInput(
                    "\(node.label) is not the last op: a Softmax inside a net is not piecewise linear")
            }
            notes.append(
                "the final \(node.opType) was dropped: the analysis is of the logits "
                    + "(argmax and logit differences are unchanged)"
            )
            try set(node, try tensor(node, 0))
        default:
            throw SpectralError.badInput(
                "\(node.label) is not piecewise linear or not supported (docs/models.md lists the supported operators)")
        }
    }

    func cast(_ node: ONNXNode) throws {
        let to = int(node, "to", default: 1)
        guard to == 1 || to == 11 else {
            throw SpectralError.badInput("\(node.label) casts to element type \(to); only casts to float are supported")
        }
        try set(node, try tensor(node, 0))
    }

    func constantNode(_ node: ONNXNode) throws {
        guard let name = node.outputs.first else { throw SpectralError.badInput("\(node.label) has no output") }
        switch (node.attributes["value"], node.attributes["value_float"], node.attributes["value_floats"]) {
        case (.tensor(let t)?, _, _): values[name] = .constant(t)
        case (_, .float(let f)?, _): values[name] = .tensor(SymbolicTensor(constant: [], [f]))
        case (_, _, .floats(let f)?): values[name] = .tensor(SymbolicTensor(constant: [f.count], f))
        default:
            if let v = ints(node, "value_ints") {
                values[name] = .integers(shape: [v.count], values: v)
            } else if case .int(let v)? = node.attributes["value_int"] {
                values[name] = .integers(shape: [], values: [v])
            } else {
                throw SpectralError.badInput("\(node.label) has no value this reader understands")
            }
        }
    }

    /// f applied to every element.
    func elementwise(_ t: SymbolicTensor, _ f: (AffineElement) -> AffineElement) -> SymbolicTensor {
        SymbolicTensor(shape: t.shape, elements: t.elements.map(f))
    }

    /// Two tensors broadcast against each other, element by element.
    func broadcast(
        _ node: ONNXNode, _ a: SymbolicTensor, _ b: SymbolicTensor,
        _ f: (AffineElement, AffineElement) throws -> AffineElement
    ) throws -> SymbolicTensor {
        guard let shape = broadcastShape(a.shape, b.shape) else {
            throw SpectralError.badInput("\(node.label) cannot broadcast shapes \(a.shape) and \(b.shape)")
        }
        let (ia, ib) = (broadcastIndices(from: a.shape, to: shape), broadcastIndices(from: b.shape, to: shape))
        return SymbolicTensor(shape: shape, elements: try zip(ia, ib).map { try f(a.elements[$0], b.elements[$1]) })
    }

    func arithmetic(_ node: ONNXNode) throws {
        let (a, b) = (try tensor(node, 0), try tensor(node, 1))
        let op = node.opType
        let result = try broadcast(node, a, b) { x, y in
            switch op {
            case "Add": return x.combined(1, y, 1)
            case "Sub": return x.combined(1, y, -1)
            case "Mul":
                if y.isConstant { return x.scaled(y.constant) }
                if x.isConstant { return y.scaled(x.constant) }
                throw SpectralError.badInput(
                    "\(node.label) multiplies two tensors that depend on the input: not piecewise linear")
            default:
                guard y.isConstant else {
                    throw SpectralError.badInput("\(node.label) divides by a tensor that depends on the input")
                }
                return x.scaled(1 / y.constant)
            }
        }
        try set(node, result)
    }
}
