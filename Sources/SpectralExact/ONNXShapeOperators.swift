import Foundation
import SpectralCore
import SpectralNetworks

/// Operators that only move elements: Flatten, Reshape, Squeeze, Unsqueeze, Transpose, Concat, Slice.
extension ONNXLowering {
    func reshape(_ node: ONNXNode) throws {
        let x = try tensor(node, 0)
        let shape: [Int]
        switch node.opType {
        case "Flatten":
            let a = try axis(int(node, "axis", default: 1), rank: x.rank + 1, node)
            shape = [x.shape.prefix(a).reduce(1, *), x.shape.dropFirst(a).reduce(1, *)]
        case "Reshape":
            shape = try reshapeTarget(node, x)
        case "Squeeze":
            let given = try integers(node, 1) ?? ints(node, "axes")
            let axes =
                try given.map { try $0.map { try axis($0, rank: x.rank, node) } }
                ?? x.shape.indices.filter { x.shape[$0] == 1 }
            guard axes.allSatisfy({ x.shape[$0] == 1 }) else {
                throw SpectralError.badInput("\(node.label) squeezes an axis whose size is not 1")
            }
            shape = x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }
        default:  // Unsqueeze
            guard let given = try integers(node, 1) ?? ints(node, "axes") else {
                throw SpectralError.badInput("\(node.label) has no axes")
            }
            let rank = x.rank + given.count
            let axes = Set(try given.map { try axis($0, rank: rank, node) })
            var rest = x.shape.makeIterator()
            shape = (0..<rank).map { axes.contains($0) ? 1 : rest.next() ?? 1 }
        }
        guard shape.reduce(1, *) == x.count else {
            throw SpectralError.badInput("\(node.label) cannot reshape \(x.shape) to \(shape)")
        }
        try set(node, x.reshaped(shape))
    }

    /// Reshape's target: 0 copies the input's dimension (unless allowzero), −1 takes what is left.
    private func reshapeTarget(_ node: ONNXNode, _ x: SymbolicTensor) throws -> [Int] {
        guard let target = try integers(node, 1) ?? ints(node, "shape") else {
            throw SpectralError.badInput("\(node.label) has no target shape")
        }
        let allowZero = int(node, "allowzero", default: 0) != 0
        var shape = try target.enumerated().map { i, d -> Int in
            if d == 0 && !allowZero {
                guard i < x.rank else { throw SpectralError.badInput("\(node.label) copies a missing dimension") }
                return x.shape[i]
            }
            guard d >= -1, d <= Int64(ONNXTensor.elementLimit) else {
                throw SpectralError.badInput("\(node.label) has a target dimension \(d)")
            }
            return Int(d)
        }
        if let free = shape.firstIndex(of: -1) {
            let known = shape.enumerated().filter { $0.offset != free }.reduce(1) { $0 * $1.element }
            guard known > 0, x.count % known == 0, shape.filter({ $0 == -1 }).count == 1 else {
                throw SpectralError.badInput("\(node.label) cannot reshape \(x.shape) to \(target)")
            }
            shape[free] = x.count / known
        }
        return shape
    }

    func transpose(_ node: ONNXNode) throws {
        let x = try tensor(node, 0)
        let perm = ints(node, "perm").map { $0.map { Int(clamping: $0) } } ?? Array((0..<x.rank).reversed())
        guard perm.sorted() == Array(0..<x.rank) else {
            throw SpectralError.badInput("\(node.label) has perm \(perm), not a permutation of \(x.rank) axes")
        }
        try set(node, try permuted(x, perm))
    }

    func concat(_ node: ONNXNode) throws {
        let parts = try node.inputs.indices.filter { !node.inputs[$0].isEmpty }.map { try tensor(node, $0) }
        guard let first = parts.first else { throw SpectralError.badInput("\(node.label) has no inputs") }
        let a = try axis(int(node, "axis", default: 0), rank: first.rank, node)
        guard parts.allSatisfy({ $0.rank == first.rank }),
            parts.allSatisfy({ p in p.shape.indices.allSatisfy { $0 == a || p.shape[$0] == first.shape[$0] } })
        else { throw SpectralError.badInput("\(node.label) concatenates tensors whose shapes differ off the axis") }
        let outer = first.shape.prefix(a).reduce(1, *)
        var elements: [AffineElement] = []
        for o in 0..<outer {
            for p in parts {
                let block = p.shape.dropFirst(a).reduce(1, *)
                elements += p.elements[(o * block)..<((o + 1) * block)]
            }
        }
        var shape = first.shape
        shape[a] = parts.reduce(0) { $0 + $1.shape[a] }
        try set(node, SymbolicTensor(shape: shape, elements: elements))
    }

    /// Slice with starts, ends, axes and steps from inputs (opset ≥ 10) or attributes, clamped as ONNX says.
    func slice(_ node: ONNXNode) throws {
        let x = try tensor(node, 0)
        let fromInputs = node.inputs.count > 1
        guard let starts = fromInputs ? try integers(node, 1) : ints(node, "starts"),
            let ends = fromInputs ? try integers(node, 2) : ints(node, "ends"), starts.count == ends.count
        else { throw SpectralError.badInput("\(node.label) lacks matching starts and ends") }
        let axes =
            try (fromInputs ? try integers(node, 3) : ints(node, "axes"))?.map {
                try axis($0, rank: x.rank, node)
            } ?? Array(0..<starts.count)
        let steps = (fromInputs ? try integers(node, 4) : nil) ?? [Int64](repeating: 1, count: starts.count)
        guard axes.count == starts.count, steps.count == starts.count, !steps.contains(0) else {
            throw SpectralError.badInput("\(node.label) has axes or steps that do not match its starts")
        }
        var picks = x.shape.map { Array(0..<$0) }
        for (i, a) in axes.enumerated() {
            let n = Int64(x.shape[a])
            let clampTo = { (v: Int64, lo: Int64, hi: Int64) in min(max(v < 0 ? v + n : v, lo), hi) }
            if steps[i] > 0 {
                let (s, e) = (clampTo(starts[i], 0, n), clampTo(ends[i], 0, n))
                picks[a] = Array(stride(from: Int(s), to: Int(e), by: Int(clamping: steps[i])))
            } else {
                let (s, e) = (clampTo(starts[i], 0, n - 1), clampTo(ends[i], -1, n - 1))
                picks[a] = Array(stride(from: Int(s), to: Int(e), by: Int(clamping: steps[i])))
            }
        }
        let shape = picks.map(\.count)
        let (from, to) = (strides(x.shape), strides(shape))
        let count = shape.reduce(1, *)
        let elements = (0..<count).map { (flat: Int) -> AffineElement in
            var source = 0
            for d in 0..<x.rank { source += picks[d][flat / to[d] % shape[d]] * from[d] }
            return x.elements[source]
        }
        try set(node, SymbolicTensor(shape: shape, elements: elements))
    }
}
