import Foundation
import SpectralCore
import SpectralNetworks

/// The operators that make units: each starts a stage whose units take the given pre-activations.
///
///     Relu, LeakyRelu, PRelu, Abs    1 unit an element (a kink at 0 with the op's two slopes)
///     Clip(lo, hi)                   2 units: lo + relu(x − lo) − relu(x − hi)   (1 with one bound)
///     Max(a, b), Min(a, b)           1 unit: a + relu(b − a), a − relu(a − b)     (n − 1 for n inputs)
///     MaxPool over k elements        k − 1 units in ⌈log₂ k⌉ stages of pairwise maxima
extension ONNXLowering {
    /// One new stage: a unit per pre-activation, with its activation. Returns each unit as an element.
    func addStage(_ preActivations: [AffineElement], _ activations: [UnitActivation]) -> [AffineElement] {
        var map = SparseAffineMap()
        for e in preActivations { map.append(columns: e.columns, coefficients: e.coefficients, constant: e.constant) }
        stages.append(PiecewiseLinearNetwork.Stage(map: map, activations: activations))
        let first = nextUnit
        nextUnit += preActivations.count
        return (first..<nextUnit).map { .unit($0) }
    }

    /// Relu, LeakyRelu, PRelu and Abs (a constant input stays a constant).
    func kink(_ node: ONNXNode) throws {
        let x = try tensor(node, 0)
        var negative = [Double](repeating: 0, count: x.count)
        switch node.opType {
        case "LeakyRelu": negative = negative.map { _ in float(node, "alpha", default: 0.01) }
        case "Abs": negative = negative.map { _ in -1 }
        case "PRelu":
            let slope = try constant(node, 1, what: "slope")
            guard let shape = broadcastShape(x.shape, slope.shape), shape == x.shape else {
                throw SpectralError.badInput("\(node.label) has a slope of shape \(slope.shape) for input \(x.shape)")
            }
            negative = broadcastIndices(from: slope.shape, to: x.shape).map { slope.elements[$0].constant }
        default: break
        }
        let activations = negative.map { UnitActivation.kink(negative: $0, positive: 1) }
        try set(node, SymbolicTensor(shape: x.shape, elements: activate(x.elements, activations)))
    }

    /// Units for the non-constant elements; constants are evaluated on the spot.
    func activate(_ elements: [AffineElement], _ activations: [UnitActivation]) -> [AffineElement] {
        let live = elements.indices.filter { !elements[$0].isConstant }
        var out = zip(elements, activations).map { e, a in e.isConstant ? .constant(a(e.constant)) : e }
        let units = addStage(live.map { elements[$0] }, live.map { activations[$0] })
        for (i, u) in zip(live, units) { out[i] = u }
        return out
    }

    func clip(_ node: ONNXNode) throws {
        let x = try tensor(node, 0)
        var (lo, hi): (Double?, Double?) = (nil, nil)
        if opset < 11 {
            (lo, hi) = (float(node, "min", default: -.infinity), float(node, "max", default: .infinity))
        } else {
            lo = try optionalTensor(node, 1).map { _ in try constant(node, 1, what: "min").constantValues.first ?? 0 }
            hi = try optionalTensor(node, 2).map { _ in try constant(node, 2, what: "max").constantValues.first ?? 0 }
        }
        let (low, high) = (lo.flatMap { $0.isFinite ? $0 : nil }, hi.flatMap { $0.isFinite ? $0 : nil })
        if let low, let high, low > high {
            throw SpectralError.badInput("\(node.label) has min \(low) above max \(high)")
        }
        // lo + relu(x − lo) − relu(x − hi): two units an element, in one stage.
        var pre: [AffineElement] = []
        for e in x.elements {
            if let low { pre.append(e.adding(-low)) }
            if let high { pre.append(low == nil ? e.scaled(-1).adding(high) : e.adding(-high)) }
        }
        guard !pre.isEmpty else { return try set(node, x) }
        let units = activate(pre, pre.map { _ in .relu })
        let perElement = (low == nil ? 0 : 1) + (high == nil ? 0 : 1)
        let y = x.elements.indices.map { i -> AffineElement in
            switch (low, high) {
            case (let l?, nil): return units[i].adding(l)
            case (nil, let h?): return units[i].scaled(-1).adding(h)
            default: return units[i * perElement].combined(1, units[i * perElement + 1], -1).adding(low!)
            }
        }
        try set(node, SymbolicTensor(shape: x.shape, elements: y))
    }

    /// Elementwise Max or Min of any number of broadcast inputs, folded left.
    func maxMin(_ node: ONNXNode) throws {
        let parts = try node.inputs.indices.filter { !node.inputs[$0].isEmpty }.map { try tensor(node, $0) }
        guard var result = parts.first else { throw SpectralError.badInput("\(node.label) has no inputs") }
        let sign = node.opType == "Max" ? 1.0 : -1.0
        for next in parts.dropFirst() {
            guard let shape = broadcastShape(result.shape, next.shape) else {
                throw SpectralError.badInput("\(node.label) cannot broadcast \(result.shape) and \(next.shape)")
            }
            let (ia, ib) = (
                broadcastIndices(from: result.shape, to: shape), broadcastIndices(from: next.shape, to: shape)
            )
            let folded = try maxima(
                zip(ia, ib).map { [result.elements[$0].scaled(sign), next.elements[$1].scaled(sign)] },
                node: node)
            result = SymbolicTensor(shape: shape, elements: folded.map { $0.scaled(sign) })
        }
        try set(node, result)
    }

    /// The maximum of each group, as rounds of pairwise maxima (one stage a round).
    func maxima(_ groups: [[AffineElement]], node: ONNXNode) throws -> [AffineElement] {
        pairwiseMaxima(groups) { activate($0, $0.map { _ in .relu }) }
    }
}
