import Foundation
import SpectralCore
import SpectralNetworks

extension PiecewiseLinearNetwork {
    /// The network of an ONNX file (docs/models.md lists the operators and what each lowers to).
    public static func load(onnx url: URL) throws -> PiecewiseLinearNetwork {
        try lower(ONNXModel.load(url))
    }

    /// Lowers the graph op by op: affine ops compose the elements' affine maps; each activation starts a stage of
    /// units. Nodes are taken in dependency order (a cycle is an error), and only those the output needs.
    public static func lower(_ model: ONNXModel) throws -> PiecewiseLinearNetwork {
        let graph = model.graph
        guard graph.inputs.count == 1, let input = graph.inputs.first else {
            throw SpectralError.badInput(
                "the model has \(graph.inputs.count) inputs that are not initializers; the exact analyses take one")
        }
        guard graph.outputs.count == 1, let output = graph.outputs.first else {
            throw SpectralError.badInput("the model has \(graph.outputs.count) outputs; the exact analyses take one")
        }
        guard !input.shape.isEmpty || input.elementType != 0 else {
            throw SpectralError.badInput("the model's input '\(input.name)' declares no shape")
        }
        // A symbolic or zero batch dimension is one input.
        let shape = input.shape.map { max($0 ?? 1, 1) }
        let count = try checkedCount(shape, what: "the model's input '\(input.name)'")
        let lowering = ONNXLowering(opset: model.opsetVersion, inputCount: count)
        lowering.values[input.name] = .tensor(
            SymbolicTensor(shape: shape, elements: (0..<count).map { .unit($0) }))
        for (name, tensor) in graph.initializers { lowering.values[name] = .constant(tensor) }
        for node in try orderedNodes(graph, from: input.name, to: output.name) {
            try lowering.apply(node, isLast: node.outputs.contains(output.name))
        }
        guard case .tensor(let result)? = lowering.values[output.name] else {
            throw SpectralError.badInput("the model's output '\(output.name)' is not a float tensor")
        }
        let precision = graph.initializers.values.contains { $0.elementType == .double } ? "F64" : "F32"
        return lowering.network(inputShape: shape, output: result, precision: precision).removingUnusedUnits()
    }

    /// The nodes the output depends on, each after the nodes that make its inputs.
    static func orderedNodes(_ graph: ONNXGraph, from input: String, to output: String) throws -> [ONNXNode] {
        var maker: [String: Int] = [:]
        for (i, node) in graph.nodes.enumerated() {
            for name in node.outputs where !name.isEmpty {
                guard maker[name] == nil, graph.initializers[name] == nil, name != input else {
                    throw SpectralError.badInput("\(node.label) writes '\(name)', which something else already names")
                }
                maker[name] = i
            }
        }
        var state = [UInt8](repeating: 0, count: graph.nodes.count)  // 0 new, 1 on the path, 2 done
        var order: [ONNXNode] = []
        // Iterative depth-first search (a deep chain must not overflow the stack).
        func visit(_ root: String, from reader: String) throws {
            guard root != input, graph.initializers[root] == nil else { return }
            guard let first = maker[root] else {
                throw SpectralError.badInput(
                    "\(reader) reads '\(root)', which no node, initializer or input makes (a missing initializer?)")
            }
            var stack: [(node: Int, next: Int)] = [(first, 0)]
            if state[first] == 2 { return }
            state[first] = 1
            while let (n, next) = stack.last {
                let inputs = graph.nodes[n].inputs
                if next == inputs.count {
                    state[n] = 2
                    order.append(graph.nodes[n])
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let name = inputs[next]
                guard !name.isEmpty, name != input, graph.initializers[name] == nil else { continue }
                guard let m = maker[name] else {
                    throw SpectralError.badInput(
                        "\(graph.nodes[n].label) reads '\(name)', which no node, initializer or input makes (a missing initializer?)"
                    )
                }
                if state[m] == 1 {
                    throw SpectralError.badInput("the graph has a cycle through \(graph.nodes[m].label)")
                }
                if state[m] == 0 {
                    state[m] = 1
                    stack.append((m, 0))
                }
            }
        }
        try visit(output, from: "the graph's output")
        return order
    }

    /// The network without units that nothing downstream reads (a convolution's border that pooling skips):
    /// they cannot change the output, and would only split regions.
    func removingUnusedUnits() -> PiecewiseLinearNetwork {
        let offsets = stageOffsets
        var used = [Bool](repeating: false, count: unitCount)
        for c in output.columns { used[Int(c)] = true }
        for s in stages.indices.reversed() {
            for u in 0..<stages[s].width where used[offsets[s] + u] {
                let row = stages[s].map.row(u)
                for c in row.columns { used[Int(c)] = true }
            }
        }
        var newId = [Int32](repeating: -1, count: unitCount)
        for i in 0..<inputCount { newId[i] = Int32(i) }
        var next = inputCount
        var kept: [Stage] = []
        for s in stages.indices {
            var map = SparseAffineMap()
            var activations: [UnitActivation] = []
            for u in 0..<stages[s].width where used[offsets[s] + u] {
                let row = stages[s].map.row(u)
                map.append(
                    columns: row.columns.map { newId[Int($0)] }, coefficients: Array(row.coefficients),
                    constant: row.constant)
                activations.append(stages[s].activations[u])
                newId[offsets[s] + u] = Int32(next)
                next += 1
            }
            if !activations.isEmpty { kept.append(Stage(map: map, activations: activations)) }
        }
        var out = SparseAffineMap()
        for r in 0..<output.rowCount {
            let row = output.row(r)
            out.append(
                columns: row.columns.map { newId[Int($0)] }, coefficients: Array(row.coefficients),
                constant: row.constant)
        }
        var copy = self
        (copy.stages, copy.output) = (kept, out)
        return copy
    }
}

/// No tensor during lowering may have more elements (each is an affine map: a hostile shape must not exhaust memory).
let loweringElementLimit = 1 << 24

/// The product of a shape's dimensions, or an error naming `what` when it overflows the element limit.
func checkedCount(_ shape: [Int], what: String) throws -> Int {
    var count = 1
    for d in shape {
        let (p, overflow) = count.multipliedReportingOverflow(by: d)
        guard d >= 0, !overflow, p <= loweringElementLimit else {
            throw SpectralError.badInput("\(what) has shape \(shape), more elements than can be analysed")
        }
        count = p
    }
    return count
}
