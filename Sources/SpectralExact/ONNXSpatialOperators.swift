import Foundation
import SpectralCore
import SpectralNetworks

/// Convolution, pooling and padding over [N, C, spatial…] tensors with 1 or 2 spatial axes.
extension ONNXLowering {
    func spatialShape(_ node: ONNXNode, _ x: SymbolicTensor) throws -> [Int] {
        guard x.rank == 3 || x.rank == 4 else {
            throw SpectralError.badInput("\(node.label) needs an [N, C, H, W] or [N, C, L] input, not \(x.shape)")
        }
        return Array(x.shape.dropFirst(2))
    }

    /// Y[n, m, o] = B[m] + Σ_{c in m's group, tap} W[m, c, tap]·X[n, c, tap(o)].
    func convolution(_ node: ONNXNode) throws {
        let x = try tensor(node, 0)
        let w = try constant(node, 1, what: "weight")
        let spatial = try spatialShape(node, x)
        let (batch, channels, filters) = (x.shape[0], x.shape[1], w.shape.first ?? 0)
        let group = Int(clamping: int(node, "group", default: 1))
        guard w.rank == x.rank, group >= 1, channels % group == 0, filters % group == 0,
            w.shape[1] == channels / group
        else {
            throw SpectralError.badInput("\(node.label) has weight \(w.shape) that does not fit input \(x.shape)")
        }
        let window = try Window(node, lowering: self, input: spatial, kernel: Array(w.shape.dropFirst(2)))
        let bias = try optionalTensor(node, 2).map { _ in try constant(node, 2, what: "bias").constantValues }
        guard bias == nil || bias!.count == filters else {
            throw SpectralError.badInput("\(node.label) has a bias that does not have \(filters) values")
        }
        let (inPlane, outPlane) = (spatial.reduce(1, *), window.output.reduce(1, *))
        let perGroup = (channels / group, filters / group)
        let taps = (0..<outPlane).map { window.taps($0) }
        let tapCount = w.shape.dropFirst(2).reduce(1, *)
        _ = try checkedCount([batch, filters, outPlane], what: node.label)
        var out: [AffineElement] = []
        for n in 0..<batch {
            for m in 0..<filters {
                let firstChannel = m / perGroup.1 * perGroup.0
                for o in 0..<outPlane {
                    for c in 0..<perGroup.0 {
                        for (t, position) in taps[o].enumerated() {
                            guard let position else { continue }
                            let weight = w.elements[(m * perGroup.0 + c) * tapCount + t].constant
                            accumulator.add(x.elements[(n * channels + firstChannel + c) * inPlane + position], weight)
                        }
                    }
                    accumulator.addConstant(bias?[m] ?? 0)
                    out.append(accumulator.take())
                }
            }
        }
        try set(node, SymbolicTensor(shape: [batch, filters] + window.output, elements: out))
    }

    /// The windows of a pooling node over every [n, c] plane: for each output element, the input elements under
    /// it (padding left out) and the window's full size.
    func poolWindows(
        _ node: ONNXNode, _ x: SymbolicTensor
    ) throws -> (shape: [Int], windows: [[AffineElement]], size: Int) {
        let spatial = try spatialShape(node, x)
        let global = node.opType.hasPrefix("Global")
        let kernel = global ? spatial : (ints(node, "kernel_shape") ?? []).map { Int(clamping: $0) }
        let window = try Window(node, lowering: self, input: spatial, kernel: kernel)
        let (inPlane, outPlane) = (spatial.reduce(1, *), window.output.reduce(1, *))
        let taps = (0..<outPlane).map { window.taps($0) }
        var windows: [[AffineElement]] = []
        for plane in 0..<(x.shape[0] * x.shape[1]) {
            for o in 0..<outPlane { windows.append(taps[o].compactMap { $0.map { x.elements[plane * inPlane + $0] } }) }
        }
        return (Array(x.shape.prefix(2)) + window.output, windows, kernel.reduce(1, *))
    }

    /// The mean of each window (count_include_pad chooses the divisor where the window overhangs the padding).
    func averagePool(_ node: ONNXNode) throws {
        let (shape, windows, size) = try poolWindows(node, try tensor(node, 0))
        let includePad = int(node, "count_include_pad", default: 0) != 0
        let out = windows.map { window -> AffineElement in
            let divisor = Double(includePad ? size : window.count)
            for e in window { accumulator.add(e, 1 / divisor) }
            return accumulator.take()
        }
        try set(node, SymbolicTensor(shape: shape, elements: out))
    }

    /// The maximum of each window, as a tree of pairwise maxima (docs/models.md: k − 1 units for k elements).
    func maxPool(_ node: ONNXNode) throws {
        let (shape, windows, _) = try poolWindows(node, try tensor(node, 0))
        if windows.contains(where: \.isEmpty) {
            throw SpectralError.badInput("\(node.label) has a window that lies wholly in the padding")
        }
        try set(node, SymbolicTensor(shape: shape, elements: try maxima(windows, node: node)))
    }

    /// Constant padding (mode "constant"); "edge" and "reflect" copy elements, also affine.
    func pad(_ node: ONNXNode) throws {
        let x = try tensor(node, 0)
        let pads = (try integers(node, 1) ?? ints(node, "pads") ?? []).map { Int(clamping: $0) }
        var value = float(node, "value", default: 0)
        if try optionalTensor(node, 2) != nil {
            value = try constant(node, 2, what: "pad value").constantValues.first ?? 0
        }
        let mode = string(node, "mode", default: "constant")
        guard pads.count == 2 * x.rank, pads.allSatisfy({ $0 >= 0 && $0 <= 1 << 20 }) else {
            throw SpectralError.badInput("\(node.label) needs \(2 * x.rank) non-negative pads, not \(pads)")
        }
        guard ["constant", "edge", "reflect"].contains(mode) else {
            throw SpectralError.badInput("\(node.label) has mode '\(mode)', which is not supported")
        }
        let shape = (0..<x.rank).map { x.shape[$0] + pads[$0] + pads[x.rank + $0] }
        let count = try checkedCount(shape, what: node.label)
        let (from, to) = (strides(x.shape), strides(shape))
        let elements = (0..<count).map { flat -> AffineElement in
            var source = 0
            for d in 0..<x.rank {
                var i = flat / to[d] % shape[d] - pads[d]
                if i < 0 || i >= x.shape[d] {
                    if mode == "constant" || x.shape[d] == 0 { return .constant(value) }
                    i = mode == "edge" ? min(max(i, 0), x.shape[d] - 1) : reflect(i, x.shape[d])
                }
                source += i * from[d]
            }
            return x.elements[source]
        }
        try set(node, SymbolicTensor(shape: shape, elements: elements))
    }

    private func reflect(_ i: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        let m = ((i % period) + period) % period
        return m < n ? m : period - m
    }
}
