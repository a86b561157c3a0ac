import Foundation
import SpectralCore
import SpectralNetworks

/// The affine operators with weights: products, convolution, batch norm, average pooling.
extension ONNXLowering {
    /// Y = alpha·A'·B' + beta·C (A' = Aᵀ with transA, B' = Bᵀ with transB), 2-D.
    func gemm(_ node: ONNXNode) throws {
        var (a, b) = (try tensor(node, 0), try tensor(node, 1))
        guard a.rank == 2, b.rank == 2 else {
            throw SpectralError.badInput("\(node.label) needs 2-D inputs, not \(a.shape) and \(b.shape)")
        }
        if int(node, "transA", default: 0) != 0 { a = try permuted(a, [1, 0]) }
        if int(node, "transB", default: 0) != 0 { b = try permuted(b, [1, 0]) }
        var y = try product(node, a, b, scale: float(node, "alpha", default: 1))
        if let c = try optionalTensor(node, 2) {
            let beta = float(node, "beta", default: 1)
            y = try broadcast(node, y, c) { $0.combined(1, $1, beta) }
            guard y.shape == [a.shape[0], b.shape[1]] else {
                throw SpectralError.badInput("\(node.label) has a bias C of shape \(c.shape) that widens the product")
            }
        }
        try set(node, y)
    }

    /// NumPy's matmul: 1-D operands are promoted and their axis dropped again; the leading (batch) axes of the
    /// non-constant operand are kept when the other is a constant matrix.
    func matMul(_ node: ONNXNode) throws {
        var (a, b) = (try tensor(node, 0), try tensor(node, 1))
        let (aVector, bVector) = (a.rank == 1, b.rank == 1)
        if aVector { a = a.reshaped([1, a.count]) }
        if bVector { b = b.reshaped([b.count, 1]) }
        guard a.rank >= 2, b.rank >= 2 else { throw SpectralError.badInput("\(node.label) has a scalar operand") }
        var shape: [Int]
        var y: SymbolicTensor
        if b.rank == 2 {
            let (rows, k) = (a.count / a.shape.last!, a.shape.last!)
            y = try product(node, a.reshaped([rows, k]), b, scale: 1)
            shape = Array(a.shape.dropLast()) + [b.shape[1]]
        } else if a.rank == 2 && b.shape.dropLast(2).allSatisfy({ $0 == 1 }) {
            y = try product(node, a, b.reshaped(Array(b.shape.suffix(2))), scale: 1)
            shape = Array(b.shape.dropLast(2)) + y.shape
        } else {
            throw SpectralError.badInput("\(node.label) multiplies batched operands \(a.shape) and \(b.shape)")
        }
        if aVector { shape.remove(at: shape.count - 2) }
        if bVector { shape.removeLast() }
        try set(node, y.reshaped(shape))
    }

    /// scale·A·B for 2-D A [m, k] and B [k, n] of which one is constant.
    func product(_ node: ONNXNode, _ a: SymbolicTensor, _ b: SymbolicTensor, scale: Double) throws -> SymbolicTensor {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        guard b.shape[0] == k else {
            throw SpectralError.badInput("\(node.label) multiplies shapes \(a.shape) and \(b.shape), which do not fit")
        }
        _ = try checkedCount([m, n], what: node.label)
        let bConstant = b.isConstant
        guard bConstant || a.isConstant else {
            throw SpectralError.badInput(
                "\(node.label) multiplies two tensors that depend on the input: not piecewise linear")
        }
        var out: [AffineElement] = []
        out.reserveCapacity(m * n)
        for i in 0..<m {
            for j in 0..<n {
                for l in 0..<k {
                    if bConstant {
                        accumulator.add(a.elements[i * k + l], scale * b.elements[l * n + j].constant)
                    } else {
                        accumulator.add(b.elements[l * n + j], scale * a.elements[i * k + l].constant)
                    }
                }
                out.append(accumulator.take())
            }
        }
        return SymbolicTensor(shape: [m, n], elements: out)
    }

    func permuted(_ t: SymbolicTensor, _ perm: [Int]) throws -> SymbolicTensor {
        let shape = perm.map { t.shape[$0] }
        let (from, to) = (strides(t.shape), strides(shape))
        var elements = [AffineElement](repeating: AffineElement(), count: t.count)
        for flat in 0..<t.count {
            var source = 0
            for d in 0..<perm.count { source += (flat / to[d] % shape[d]) * from[perm[d]] }
            elements[flat] = t.elements[source]
        }
        return SymbolicTensor(shape: shape, elements: elements)
    }

    /// Per-channel y = scale·(x − mean)/√(var + ε) + bias (inference mode; channels on axis 1).
    func batchNorm(_ node: ONNXNode) throws {
        let x = try tensor(node, 0)
        let parameters = try (1...4).map { try constant(node, $0, what: "parameter").constantValues }
        let channels = x.rank > 1 ? x.shape[1] : 1
        guard parameters.allSatisfy({ $0.count == channels }) else {
            throw SpectralError.badInput("\(node.label) has parameters that do not have \(channels) channels")
        }
        let epsilon = float(node, "epsilon", default: 1e-5)
        let inner = x.rank > 2 ? x.shape.dropFirst(2).reduce(1, *) : 1
        let y = SymbolicTensor(
            shape: x.shape,
            elements: x.elements.enumerated().map { i, e in
                let c = i / inner % channels
                let factor = parameters[0][c] / (parameters[3][c] + epsilon).squareRoot()
                return e.scaled(factor).adding(parameters[1][c] - factor * parameters[2][c])
            })
        try set(node, y)
    }
}

/// The window geometry of a convolution or pooling over spatial axes (1-D or 2-D; 1-D is 2-D with height 1).
struct Window {
    var kernel: [Int], strides: [Int], dilations: [Int], padBegin: [Int], padEnd: [Int]
    var input: [Int]
    var output: [Int] {
        (0..<kernel.count).map { d in
            (input[d] + padBegin[d] + padEnd[d] - dilations[d] * (kernel[d] - 1) - 1) / strides[d] + 1
        }
    }

    /// The window of `node` over the spatial shape `input`, with auto_pad resolved and every size checked.
    init(_ node: ONNXNode, lowering: ONNXLowering, input: [Int], kernel: [Int]) throws {
        let n = input.count
        let ints = { (name: String, fill: Int) in lowering.ints(node, name).map { $0.map { Int(clamping: $0) } } }
        (self.input, self.kernel) = (input, kernel)
        strides = ints("strides", 1) ?? [Int](repeating: 1, count: n)
        dilations = ints("dilations", 1) ?? [Int](repeating: 1, count: n)
        let pads = ints("pads", 0) ?? [Int](repeating: 0, count: 2 * n)
        guard kernel.count == n, strides.count == n, dilations.count == n, pads.count == 2 * n,
            (kernel + strides + dilations).allSatisfy({ $0 >= 1 && $0 <= 1 << 20 }),
            pads.allSatisfy({ $0 >= 0 && $0 <= 1 << 20 })
        else {
            throw SpectralError.badInput("\(node.label) has kernel, strides, dilations or pads that do not fit \(n)-D")
        }
        (padBegin, padEnd) = (Array(pads[..<n]), Array(pads[n...]))
        let autoPad = lowering.string(node, "auto_pad", default: "NOTSET")
        if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            for d in 0..<n {
                let out = (input[d] + strides[d] - 1) / strides[d]
                let total = max(0, (out - 1) * strides[d] + dilations[d] * (kernel[d] - 1) + 1 - input[d])
                padBegin[d] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2
                padEnd[d] = total - padBegin[d]
            }
        } else if autoPad == "VALID" {
            (padBegin, padEnd) = ([Int](repeating: 0, count: n), [Int](repeating: 0, count: n))
        }
        if lowering.int(node, "ceil_mode", default: 0) != 0 {
            throw SpectralError.badInput("\(node.label) uses ceil_mode, which is not supported")
        }
        guard output.allSatisfy({ $0 >= 1 }) else {
            throw SpectralError.badInput("\(node.label) has a window larger than its padded input \(input)")
        }
    }

    /// The input positions (flattened, row-major; nil for padding) under output position `o` (flattened).
    func taps(_ o: Int) -> [Int?] {
        let out = output
        let (oy, ox) = kernel.count == 2 ? (o / out[1], o % out[1]) : (0, o)
        let (kh, kw) = kernel.count == 2 ? (kernel[0], kernel[1]) : (1, kernel[0])
        let (h, w) = kernel.count == 2 ? (input[0], input[1]) : (1, input[0])
        let (sy, sx) = kernel.count == 2 ? (strides[0], strides[1]) : (1, strides[0])
        let (dy, dx) = kernel.count == 2 ? (dilations[0], dilations[1]) : (1, dilations[0])
        let (py, px) = kernel.count == 2 ? (padBegin[0], padBegin[1]) : (0, padBegin[0])
        var result: [Int?] = []
        for ky in 0..<kh {
            for kx in 0..<kw {
                let (y, x) = (oy * sy + ky * dy - py, ox * sx + kx * dx - px)
                result.append(y >= 0 && y < h && x >= 0 && x < w ? y * w + x : nil)
            }
        }
        return result
    }
}
